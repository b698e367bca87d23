//! Resource ids: group, version, kind, namespace and name.

use std::fmt;

use crate::yaml::Node;

/// Group, version and kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gvk {
    /// API group; empty for the core group.
    pub group: String,
    /// API version.
    pub version: String,
    /// Kind.
    pub kind: String,
}

impl Gvk {
    /// Splits an `apiVersion` (`apps/v1`, `v1`) and a kind.
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    /// Returns `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// kustomize's `Gvk.String()`: `group_version_kind` with `[noGrp]`-style placeholders.
    pub fn kustomize_string(&self) -> String {
        format!(
            "{}_{}_{}",
            or(&self.group, "[noGrp]"),
            or(&self.version, "[noVer]"),
            or(&self.kind, "[noKind]")
        )
    }

    /// Returns true when every non-empty field of `selector` equals this one's.
    pub fn matches(&self, selector: &Gvk) -> bool {
        (selector.group.is_empty() || selector.group == self.group)
            && (selector.version.is_empty() || selector.version == self.version)
            && (selector.kind.is_empty() || selector.kind == self.kind)
    }
}

fn or<'a>(s: &'a str, d: &'a str) -> &'a str {
    if s.is_empty() { d } else { s }
}

/// A resource's identity in a build.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResId {
    /// Group, version, kind.
    pub gvk: Gvk,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` as written (empty when absent).
    pub namespace: String,
}

impl ResId {
    /// Reads the id of a resource node.
    pub fn of(node: &Node) -> ResId {
        let s = |p: &[&str]| node.str_at(p).unwrap_or("").to_string();
        ResId {
            gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
            name: s(&["metadata", "name"]),
            namespace: s(&["metadata", "namespace"]),
        }
    }

    /// The namespace with kustomize's rule that an empty namespace means `default`.
    pub fn effective_namespace(&self) -> &str {
        if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// The key under which two ids are the same resource (empty and `default` namespaces
    /// are the same, as in kustomize's `IsNsEquals`).
    pub fn key(&self) -> ResId {
        let mut k = self.clone();
        if k.namespace == "default" {
            k.namespace.clear();
        }
        k
    }
}

impl fmt::Display for ResId {
    /// kustomize's `ResId.String()`: `Kind.version.group/name.namespace`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.gvk.kind, "[noKind]"),
            or(&self.gvk.version, "[noVer]"),
            or(&self.gvk.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    #[test]
    fn id_of_a_deployment() {
        let n = parse_one("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n")
            .unwrap_or_default();
        let id = ResId::of(&n);
        assert_eq!(id.gvk.group, "apps");
        assert_eq!(id.to_string(), "Deployment.v1.apps/d.[noNs]");
        assert_eq!(
            id.key(),
            ResId {
                namespace: String::new(),
                ..id.clone()
            }
        );
    }
}

//! The files `build -o DIR` writes: one per resource, named as kustomize names them, and
//! each name one path segment inside the directory.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::fs;
use crate::resource::Resource;
use crate::schema;

/// Returns each resource's file name in a `-o DIR` output, in input order.
///
/// kustomize's `writeIndividualFiles`: `group_version_kind_name.yaml` (empty parts
/// left out), lower case, with the namespace (empty counting as `default`) and `_` in
/// front when the namespaced resources are in more than one namespace. Unlike kustomize,
/// which joins the name onto the directory unchecked, a name that would not be one path
/// segment, or that two resources would share, is refused naming the resource.
pub fn file_names(resources: &[Resource]) -> Result<Vec<String>> {
    let mut namespaces: Vec<&str> = resources
        .iter()
        .filter(|r| !schema::is_cluster_scoped(&r.id().gvk))
        .map(|r| effective_namespace(r.namespace()))
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let mut names = Vec::with_capacity(resources.len());
    let mut owners: HashMap<String, usize> = HashMap::with_capacity(resources.len());
    for (i, r) in resources.iter().enumerate() {
        let id = r.id();
        let namespaced = !schema::is_cluster_scoped(&id.gvk);
        let mut fields = vec![
            ("apiVersion", id.gvk.group.as_str()),
            ("apiVersion", id.gvk.version.as_str()),
            ("kind", id.gvk.kind.as_str()),
        ];
        fields.retain(|(_, v)| !v.is_empty());
        fields.push(("metadata.name", id.name.as_str()));
        if namespaces.len() > 1 && namespaced {
            fields.insert(
                0,
                ("metadata.namespace", effective_namespace(&id.namespace)),
            );
        }
        let parts: Vec<&str> = fields.iter().map(|(_, v)| *v).collect();
        let name = go_lower(&format!("{}.yaml", parts.join("_")));
        if let Some(problem) = fs::segment_problem(&name) {
            let culprit = fields
                .iter()
                .find(|(_, v)| v.contains('/') || v.contains('\0'))
                .map(|(f, v)| format!(" (from {f} {v:?})"))
                .unwrap_or_default();
            return Err(Error::OutputName {
                id,
                file: name,
                reason: format!(
                    "{problem}{culprit}: every file must be one path segment inside the directory"
                ),
            });
        }
        if let Some(&j) = owners.get(&name) {
            return Err(Error::OutputName {
                id,
                file: name,
                reason: format!("is also the file of {}", resources[j].id()),
            });
        }
        owners.insert(name.clone(), i);
        names.push(name);
    }
    Ok(names)
}

/// kustomize's `EffectiveNamespace` for a namespaced resource.
fn effective_namespace(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// Go's `strings.ToLower`: each character by its simple lowercase mapping, with no
/// context (no final sigma) and never more than one character (`İ` becomes `i`).
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| c.to_lowercase().next().unwrap_or(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(text: &str) -> Resource {
        Resource::new(crate::yaml::parse_one(text).unwrap_or_default())
    }

    fn cm(name: &str, ns: Option<&str>) -> Resource {
        let ns = ns
            .map(|n| format!("\n  namespace: {n:?}"))
            .unwrap_or_default();
        res(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name:?}{ns}\n"
        ))
    }

    #[test]
    fn names_follow_kustomize() {
        let list = vec![
            cm("A", None),
            cm("b", Some("default")),
            res(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: İxΣ\n",
            ),
        ];
        // An empty namespace is `default`: one namespace, so no prefix.
        assert_eq!(
            file_names(&list).unwrap_or_default(),
            [
                "v1_configmap_a.yaml",
                "v1_configmap_b.yaml",
                "rbac.authorization.k8s.io_v1_clusterrole_ixσ.yaml"
            ]
        );
        let list = vec![cm("a", None), cm("c", Some("Other"))];
        assert_eq!(
            file_names(&list).unwrap_or_default(),
            ["default_v1_configmap_a.yaml", "other_v1_configmap_c.yaml"]
        );
    }

    #[test]
    fn a_name_leaving_the_directory_is_refused_naming_the_resource() {
        for (list, needle) in [
            (
                vec![cm("a", None), cm("b", Some("../../x"))],
                "metadata.namespace",
            ),
            (
                vec![cm("a", None), cm("b", Some("/tmp/x"))],
                "metadata.namespace",
            ),
            (vec![cm("a/b", None)], "metadata.name"),
            (vec![cm(&"n".repeat(300), None)], "longer than 255"),
        ] {
            let e = file_names(&list).map(|_| ()).unwrap_err().to_string();
            assert!(e.contains("ConfigMap.v1.[noGrp]/"), "{e}");
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn two_resources_sharing_a_file_are_refused() {
        let e = file_names(&[cm("Web", None), cm("web", None)])
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("is also the file of ConfigMap.v1.[noGrp]/Web"),
            "{e}"
        );
    }
}

//! Facts from the Kubernetes OpenAPI schema that kustomize embeds: which kinds are
//! cluster-scoped, and (for strategic merge) merge keys and patch strategies.

pub mod merge;

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::resource::Gvk;

/// Resource types kustomize's precomputed scope table adds to the v1.21.2 schema it
/// embeds (kyaml's `precomputedIsNamespaceScoped`), as `(apiVersion, kind)`.
const EXTRA_CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
    ),
];

/// Cluster-scoped resource types by kind, each with its `(group, version)`s: the `C`
/// rows of the generated table plus [`EXTRA_CLUSTER_SCOPED`].
fn cluster_scoped() -> &'static HashMap<&'static str, Vec<(&'static str, &'static str)>> {
    static S: OnceLock<HashMap<&'static str, Vec<(&'static str, &'static str)>>> = OnceLock::new();
    S.get_or_init(|| {
        let rows = merge::TABLE.lines().filter_map(|line| {
            match line.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["gvk", api_version, kind, .., "C"] => Some((*api_version, *kind)),
                _ => None,
            }
        });
        let mut m: HashMap<&'static str, Vec<(&'static str, &'static str)>> = HashMap::new();
        for (api_version, kind) in rows.chain(EXTRA_CLUSTER_SCOPED.iter().copied()) {
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            m.entry(kind).or_default().push((group, version));
        }
        m
    })
}

/// Returns true when kustomize knows the exact group, version and kind as cluster-scoped
/// (its `IsCertainlyClusterScoped`); any other type, such as a version newer than the
/// embedded schema, is namespaced.
pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    cluster_scoped().get(gvk.kind.as_str()).is_some_and(|gvs| {
        gvs.iter()
            .any(|(g, v)| *g == gvk.group && *v == gvk.version)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_by_exact_group_version_and_kind() {
        let scoped = |av: &str, k: &str| is_cluster_scoped(&Gvk::from_api_version(av, k));
        assert!(scoped("rbac.authorization.k8s.io/v1", "ClusterRole"));
        assert!(scoped("v1", "Namespace"));
        assert!(scoped("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"));
        assert!(scoped(
            "admissionregistration.k8s.io/v1",
            "ValidatingAdmissionPolicy"
        ));
        // Absent from the v1.21.2 schema: namespaced, as kustomize treats them.
        assert!(!scoped("flowcontrol.apiserver.k8s.io/v1", "FlowSchema"));
        assert!(!scoped(
            "flowcontrol.apiserver.k8s.io/v1",
            "PriorityLevelConfiguration"
        ));
        assert!(!scoped("example.com/v1", "Namespace"));
        assert!(!scoped("rbac.authorization.k8s.io/v1alpha1", "ClusterRole"));
        assert!(!scoped("v1", "ConfigMap"));
    }
}

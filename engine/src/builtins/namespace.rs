//! `NamespaceTransformer` and the `namespace:` field (kustomize's
//! `filters/namespace`).
//!
//! `metadata/namespace` is set on every namespaced kind (never on cluster-scoped ones);
//! RoleBinding and ClusterRoleBinding subjects follow `setRoleBindingSubjects`
//! (`defaultOnly`: subjects named `default`; `allServiceAccounts`; `none`); the other
//! field specs (Namespace names, APIService and CRD webhook services) are data.
//! `unsetOnly` leaves fields that already hold a namespace alone.

use super::common::{apply_specs, specs_field, str_field, terr};
use super::{Context, Transformer};
use crate::error::Result;
use crate::fieldspec::{Create, FieldSpec};
use crate::resource::ResMap;
use crate::schema::is_cluster_scoped;
use crate::yaml::{Node, Tag};

/// Which RoleBinding subjects get the namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubjectMode {
    /// Only subjects named `default` (kustomize's default).
    #[default]
    DefaultOnly,
    /// Every subject of kind ServiceAccount.
    AllServiceAccounts,
    /// No subject.
    None,
}

/// Sets namespaces.
#[derive(Clone, Debug, Default)]
pub struct NamespaceTransformer {
    /// The namespace.
    pub namespace: String,
    /// Fields besides `metadata/namespace`.
    pub field_specs: crate::fieldspec::Specs,
    /// Only fill empty fields.
    pub unset_only: bool,
    /// RoleBinding subjects handling.
    pub subjects: SubjectMode,
}

impl NamespaceTransformer {
    /// Reads a `kind: NamespaceTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<NamespaceTransformer, String> {
        let subjects = match str_field(config, "setRoleBindingSubjects").as_str() {
            "" | "defaultOnly" => SubjectMode::DefaultOnly,
            "allServiceAccounts" => SubjectMode::AllServiceAccounts,
            "none" => SubjectMode::None,
            other => {
                return Err(format!(
                    "invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                ));
            }
        };
        let unset_only = config.get("unsetOnly").and_then(Node::as_str) == Some("true");
        Ok(NamespaceTransformer {
            namespace: config
                .str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string(),
            field_specs: specs_field(config, "fieldSpecs")?.into(),
            unset_only,
            subjects,
        })
    }

    fn set(&self, n: &mut Node) -> std::result::Result<(), String> {
        // kustomize refuses a field spec that lands on a map or a list.
        let kind = match n {
            Node::Scalar(_) => None,
            Node::Map(_) => Some("MappingNode"),
            Node::Seq(_) => Some("SequenceNode"),
        };
        if let Some(kind) = kind {
            return Err(format!(
                "namespace field specs must target scalar nodes: wrong node kind: expected ScalarNode but got {kind}"
            ));
        }
        if self.unset_only {
            let empty = match n {
                Node::Scalar(s) => s.tag == Tag::Null || s.value.is_empty(),
                _ => false,
            };
            if !empty {
                return Ok(());
            }
        }
        *n = Node::str(self.namespace.clone());
        Ok(())
    }
}

impl Transformer for NamespaceTransformer {
    fn name(&self) -> &str {
        "NamespaceTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        if self.namespace.is_empty() {
            return Ok(());
        }
        for r in resources.iter_mut() {
            if r.node.as_map().is_none_or(|m| m.is_empty()) {
                continue;
            }
            r.remember_id();
            r.drop_empty_annotations();
            let id = r.id();
            let mut specs: Vec<FieldSpec> = self
                .field_specs
                .iter()
                .filter(|f| !f.path_is(&["metadata", "namespace"]))
                .filter(|f| r.api_version() == "v1" || !f.path_is(&["metadata", "name"]))
                .cloned()
                .collect();
            if !is_cluster_scoped(&id.gvk) {
                let meta = FieldSpec::new("", "", "", "metadata/namespace", true);
                apply_specs(r, &[meta], Create::Scalar, &mut |n| self.set(n))
                    .map_err(|m| terr(cx.root.file, "namespace", None, m))?;
            }
            let kind = id.gvk.kind.as_str();
            if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
                specs.retain(|f| !f.path_is(&["subjects", "namespace"]));
                if let Some(Node::Seq(subjects)) = r.node.get_mut("subjects") {
                    for s in subjects.iter_mut() {
                        let Some(m) = s.as_map_mut() else { continue };
                        let hit = match self.subjects {
                            SubjectMode::None => false,
                            SubjectMode::DefaultOnly => {
                                m.get("name").and_then(Node::as_str) == Some("default")
                            }
                            SubjectMode::AllServiceAccounts => {
                                m.get("kind").and_then(Node::as_str) == Some("ServiceAccount")
                            }
                        };
                        if hit {
                            let slot = m
                                .entry("namespace".to_string())
                                .or_insert_with(|| Node::str(""));
                            self.set(slot)
                                .map_err(|e| terr(cx.root.file, "namespace", None, e))?;
                        }
                    }
                }
            }
            apply_specs(r, &specs, Create::Scalar, &mut |n| self.set(n)).map_err(|m| {
                terr(
                    cx.root.file,
                    "namespace",
                    None,
                    format!("namespace transformation failed: {m}"),
                )
            })?;
        }
        resources.fresh();
        let mut seen = std::collections::HashSet::new();
        for r in resources.iter() {
            if !seen.insert(r.id().key()) {
                return Err(terr(
                    cx.root.file,
                    "namespace",
                    Some(r),
                    format!("namespace transformation produces ID conflict: {}", r.id()),
                ));
            }
        }
        Ok(())
    }
}

//! `ReplicaCountTransformer` and the `replicas:` field: sets the replica count of the
//! resources with the given name (current or original) whose kind has a replicas
//! field spec. A name that matches no such resource is an error, as in kustomize.

use super::common::{apply_specs, from_node_lenient, specs_field, terr};
use super::{Context, Transformer};
use crate::error::Result;
use crate::fieldspec::{Create, FieldSpec};
use crate::kustomization::Replica;
use crate::resource::ResMap;
use crate::yaml::Node;

/// Sets replica counts.
#[derive(Clone, Debug, Default)]
pub struct ReplicaCountTransformer {
    /// Name and count.
    pub replica: Replica,
    /// Where.
    pub field_specs: crate::fieldspec::Specs,
}

impl ReplicaCountTransformer {
    /// Reads a `kind: ReplicaCountTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<ReplicaCountTransformer, String> {
        let replica = match config.get("replica") {
            Some(n) if !n.is_null() => {
                from_node_lenient(n, &["name", "count"]).map_err(|e| format!("replica: {e}"))?
            }
            _ => Replica::default(),
        };
        Ok(ReplicaCountTransformer {
            replica,
            field_specs: specs_field(config, "fieldSpecs")?.into(),
        })
    }
}

impl Transformer for ReplicaCountTransformer {
    fn name(&self) -> &str {
        "ReplicaCountTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        let mut found = false;
        let count = self.replica.count;
        for fs in self.field_specs.iter() {
            for r in resources.iter_mut() {
                let (org, cur) = (r.orig_id(), r.id());
                let hit = |id: &crate::resource::ResId| {
                    id.name == self.replica.name && fs.selects(&id.gvk)
                };
                // kustomize visits a resource once per matching id (original, current).
                let times = usize::from(hit(&org)) + usize::from(hit(&cur));
                if times == 0 {
                    continue;
                }
                found = true;
                apply_specs(r, std::slice::from_ref(fs), Create::Scalar, &mut |n| {
                    *n = Node::int(count);
                    Ok(())
                })
                .map_err(|m| {
                    terr(
                        cx.root.file,
                        "replicas",
                        None,
                        format!("transform replica count: {m}"),
                    )
                })?;
            }
        }
        if !found {
            let gvks = gvk_list(&self.field_specs);
            return Err(terr(
                cx.root.file,
                "replicas",
                None,
                format!(
                    "resource with name {} does not match a config with the following GVK [{}]",
                    self.replica.name, gvks
                ),
            ));
        }
        Ok(())
    }
}

/// kustomize's rendering of the specs' kinds in that message: `Kind.version.group`, in
/// its kind order (the legacy-sort kinds first, then by name).
fn gvk_list(specs: &[FieldSpec]) -> String {
    let or = |s: &str, d: &str| {
        if s.is_empty() {
            d.to_string()
        } else {
            s.to_string()
        }
    };
    let rank = |k: &str| {
        super::sort_order::DEFAULT_ORDER_FIRST
            .iter()
            .position(|x| *x == k)
            .unwrap_or(usize::MAX)
    };
    let mut v: Vec<&FieldSpec> = specs.iter().collect();
    v.sort_by(|a, b| {
        rank(&a.gvk.kind)
            .cmp(&rank(&b.gvk.kind))
            .then_with(|| a.gvk.kind.cmp(&b.gvk.kind))
    });
    v.iter()
        .map(|f| {
            format!(
                "{}.{}.{}",
                or(&f.gvk.kind, "[noKind]"),
                or(&f.gvk.version, "[noVer]"),
                or(&f.gvk.group, "[noGrp]")
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

//! `LabelTransformer` and the `commonLabels:` / `labels:` fields (kustomize's
//! `filters/labels`): writes string labels into every mapping the field specs reach
//! (metadata, selectors, pod templates), creating them where the spec says so.

use super::common::{SpecSteps, set_shared_entries, shared_pairs, specs_field, terr};
use super::{Context, Transformer};
use crate::error::Result;
use crate::kustomization::StrMap;
use crate::resource::ResMap;
use crate::yaml::Node;
use crate::yaml::json::from_node;

/// Adds labels.
#[derive(Clone, Debug, Default)]
pub struct LabelTransformer {
    /// The labels.
    pub labels: StrMap,
    /// Where.
    pub field_specs: crate::fieldspec::Specs,
}

impl LabelTransformer {
    /// Reads a `kind: LabelTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<LabelTransformer, String> {
        Ok(LabelTransformer {
            labels: string_map(config, "labels")?,
            field_specs: specs_field(config, "fieldSpecs")?.into(),
        })
    }
}

/// Reads a string map field of a plugin config.
pub(crate) fn string_map(config: &Node, key: &str) -> std::result::Result<StrMap, String> {
    match config.get(key) {
        None => Ok(StrMap::new()),
        Some(n) if n.is_null() => Ok(StrMap::new()),
        Some(n) => from_node(n).map_err(|e| format!("{key}: {e}")),
    }
}

impl Transformer for LabelTransformer {
    fn name(&self) -> &str {
        "LabelTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        if self.labels.is_empty() {
            return Ok(());
        }
        let pairs = shared_pairs(&self.labels);
        let mut steps = SpecSteps::new();
        for r in resources.iter_mut() {
            set_shared_entries(r, &self.field_specs, &pairs, &mut steps)
                .map_err(|m| terr(cx.root.file, "labels", None, m))?;
        }
        Ok(())
    }
}

//! `AnnotationsTransformer` and the `commonAnnotations:` field: writes string
//! annotations into `metadata/annotations` and pod templates, per the field specs.

use super::common::{SpecSteps, set_shared_entries, shared_pairs, specs_field, terr};
use super::labels::string_map;
use super::{Context, Transformer};
use crate::error::Result;
use crate::kustomization::StrMap;
use crate::resource::ResMap;
use crate::yaml::Node;

/// Adds annotations.
#[derive(Clone, Debug, Default)]
pub struct AnnotationsTransformer {
    /// The annotations.
    pub annotations: StrMap,
    /// Where.
    pub field_specs: crate::fieldspec::Specs,
}

impl AnnotationsTransformer {
    /// Reads a `kind: AnnotationsTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<AnnotationsTransformer, String> {
        Ok(AnnotationsTransformer {
            annotations: string_map(config, "annotations")?,
            field_specs: specs_field(config, "fieldSpecs")?.into(),
        })
    }
}

impl Transformer for AnnotationsTransformer {
    fn name(&self) -> &str {
        "AnnotationsTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        if self.annotations.is_empty() {
            return Ok(());
        }
        let pairs = shared_pairs(&self.annotations);
        let mut steps = SpecSteps::new();
        for r in resources.iter_mut() {
            set_shared_entries(r, &self.field_specs, &pairs, &mut steps)
                .map_err(|m| terr(cx.root.file, "commonAnnotations", None, m))?;
        }
        Ok(())
    }
}

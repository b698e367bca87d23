//! Built-in transformers and generators, one module each, all behind [`Transformer`] and
//! [`Generator`].
//!
//! The same type serves a kustomization field (`namePrefix: x`) and a `transformers:`
//! entry with `apiVersion: builtin` and its kustomize kind (`PrefixSuffixTransformer`).
//! [`field_transformers`] is the one table that fixes kustomize's order of application.

pub mod sort_order;

use crate::error::Result;
use crate::fieldspec::TransformerConfig;
use crate::kustomization::Kustomization;
use crate::loader::Root;
use crate::resource::{ResMap, Resource};

/// What a transformer or generator may use besides the resources.
pub struct Context<'a> {
    /// The kustomization root that declared it (files are read relative to it).
    pub root: Root<'a>,
    /// The field specs in force.
    pub config: &'a TransformerConfig,
}

/// Edits resources in place.
pub trait Transformer {
    /// kustomize's kind for this transformer (used in messages).
    fn name(&self) -> &str;
    /// Applies the transformation.
    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()>;
}

/// Produces new resources.
pub trait Generator {
    /// kustomize's kind for this generator (used in messages).
    fn name(&self) -> &str;
    /// Produces the resources.
    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>>;
}

/// The fields no module handles yet, as (field, set in this kustomization): the build
/// refuses them instead of ignoring them. Each built-in takes its field off this list.
pub fn pending_fields(k: &Kustomization) -> Vec<(&'static str, bool)> {
    vec![
        ("namePrefix", !k.name_prefix.is_empty()),
        ("nameSuffix", !k.name_suffix.is_empty()),
        ("namespace", !k.namespace.is_empty()),
        ("commonLabels", k.common_labels.is_some()),
        ("labels", !k.labels.is_empty()),
        ("commonAnnotations", k.common_annotations.is_some()),
        ("patchesStrategicMerge", !k.patches_strategic_merge.is_empty()),
        ("patchesJson6902", !k.patches_json6902.is_empty()),
        ("patches", !k.patches.is_empty()),
        ("images", !k.images.is_empty()),
        ("replacements", !k.replacements.is_empty()),
        ("replicas", !k.replicas.is_empty()),
        ("vars", !k.vars.is_empty()),
        ("configMapGenerator", !k.config_map_generator.is_empty()),
        ("secretGenerator", !k.secret_generator.is_empty()),
        ("generatorOptions", k.generator_options.is_some()),
        ("configurations", !k.configurations.is_empty()),
        ("generators", !k.generators.is_empty()),
        ("transformers", !k.transformers.is_empty()),
        ("validators", !k.validators.is_empty()),
        ("buildMetadata", !k.build_metadata.is_empty()),
    ]
}

/// The field specs one kustomization layer contributes: kustomize's defaults plus its
/// `configurations:` files.
pub fn layer_config(_k: &Kustomization, _root: &Root<'_>) -> Result<TransformerConfig> {
    Ok(TransformerConfig::default())
}

/// The built-in generators a kustomization's fields ask for, in kustomize's order
/// (ConfigMapGenerator, SecretGenerator).
pub fn field_generators(_k: &Kustomization, _root: &Root<'_>) -> Result<Vec<Box<dyn Generator>>> {
    Ok(Vec::new())
}

/// The generators listed under `generators:` (built-in kinds or plugins).
pub fn config_generators(_k: &Kustomization, _root: &Root<'_>) -> Result<Vec<Box<dyn Generator>>> {
    Ok(Vec::new())
}

/// The built-in transformers a kustomization's fields ask for, in kustomize's order:
/// patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels,
/// annotations, patchesJson6902, replicas, images, replacements.
pub fn field_transformers(_k: &Kustomization, _root: &Root<'_>) -> Result<Vec<Box<dyn Transformer>>> {
    Ok(Vec::new())
}

/// The transformers listed under `transformers:` (built-in kinds or plugins).
pub fn config_transformers(_k: &Kustomization, _root: &Root<'_>) -> Result<Vec<Box<dyn Transformer>>> {
    Ok(Vec::new())
}

/// The validators listed under `validators:`; they see the resources but must not change them.
pub fn config_validators(_k: &Kustomization, _root: &Root<'_>) -> Result<Vec<Box<dyn Transformer>>> {
    Ok(Vec::new())
}

/// Combines a generated resource with the existing one it names (`behavior: merge` or
/// `replace`). `Err` is the message.
pub fn merge_generated(_old: Resource, new: Resource, _behavior: crate::resource::Behavior) -> std::result::Result<Resource, String> {
    Ok(new)
}

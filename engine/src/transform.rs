//! The seam every step of a build plugs into: [`Transformer`], [`Generator`] and the
//! [`Context`] they run in.
//!
//! It sits low in the module graph (above `loader` and `fieldspec`, below every
//! implementation), so built-ins, patches, replacements and plugins all depend on it and
//! never on each other; `registry` turns a kind into one of them.

use crate::error::Result;
use crate::fieldspec::TransformerConfig;
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

//! The seam every step of a build plugs into: [`Transformer`], [`Generator`] and the
//! [`Context`] they run in.
//!
//! It sits low in the module graph (above `loader` and `fieldspec`, below every
//! implementation), so built-ins, patches, replacements and plugins all depend on it and
//! never on each other; `registry` turns a kind into one of them.

use std::sync::{Arc, Mutex};

use crate::error::Result;
use crate::fieldspec::TransformerConfig;
use crate::loader::Root;
use crate::resource::{ResMap, Resource};
use crate::schema::merge::Schema;

/// What a transformer or generator may use besides the resources.
pub struct Context<'a> {
    /// The kustomization root that declared it (files are read relative to it).
    pub root: Root<'a>,
    /// The field specs in force.
    pub config: &'a TransformerConfig,
    /// The schema strategic merge follows: the build's `openapi:` one, else the built-in.
    pub schema: &'a Schema,
}

/// Non-fatal messages (plugin warnings) a build hands back to its caller, in the order
/// a sequential walk would give them.
///
/// A handle: clones share the list. Work spread over threads gives each piece a fresh
/// list and appends the pieces in input order, so the messages never depend on
/// scheduling.
#[derive(Clone, Debug, Default)]
pub struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    /// Records a warning, printed as `Warning: MSG`.
    pub fn warn(&self, msg: String) {
        self.note(format!("Warning: {msg}"));
    }

    /// Records a line printed on stderr as it is (kustomize's `# Warning:` lines for
    /// deprecated fields, what an exec function printed on stderr).
    pub fn note(&self, line: String) {
        if let Ok(mut w) = self.0.lock() {
            w.push(line);
        }
    }

    /// Records messages collected elsewhere, after the ones already here.
    pub fn extend(&self, msgs: Vec<String>) {
        if let Ok(mut w) = self.0.lock() {
            w.extend(msgs);
        }
    }

    /// Takes the messages recorded so far.
    pub fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }
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

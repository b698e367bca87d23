//! Strata: a kustomize-compatible overlay engine.
//!
//! The modules are listed in the order data flows through a build: YAML and the resource
//! model at the bottom; the loader and kustomization types; field specs and built-in
//! transformers; the recursive accumulation; products (apps, bundles, edits) and the CLI
//! at the top. See ARCHITECTURE.md.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod yaml;
pub mod resource;
pub mod error;
pub mod fs;
pub mod kustomization;
pub mod loader;
pub mod schema;
pub mod fieldspec;
pub mod builtins;
pub mod patch;
pub mod replacement;
pub mod plugin;
pub mod accumulate;
pub mod app;
pub mod bundle;
pub mod edit;
pub mod check;
pub mod cli;

use std::path::Path;

pub use accumulate::{BuildOptions, Reorder};
pub use error::{Error, Result};
pub use resource::{ResId, ResMap, Resource};

/// Builds the kustomization in `dir`, reading through `fs`.
pub fn build(fs: &dyn fs::Fs, dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    accumulate::build(fs, dir, opts)
}

/// Prints resources as `kustomize build` prints them.
pub fn print(resources: &[Resource]) -> Result<String> {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        yaml::emit::emit_into(&mut out, &r.node).map_err(|e| Error::Emit { id: r.id(), source: e })?;
    }
    Ok(out)
}

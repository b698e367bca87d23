//! Strata: a kustomize-compatible overlay engine.
//!
//! The modules are listed in the order data flows through a build: YAML and the resource
//! model at the bottom; the loader and kustomization types; field specs and built-in
//! transformers; the recursive accumulation; products (apps, bundles, edits) and the CLI
//! at the top. See ARCHITECTURE.md.

#![warn(missing_docs)]
#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod accumulate;
pub mod app;
pub mod builtins;
pub mod bundle;
pub mod check;
pub mod cli;
pub mod compat;
pub mod edit;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod kustomization;
pub mod loader;
pub mod output;
pub mod par;
pub mod patch;
pub mod plugin;
pub mod replacement;
pub mod resource;
pub mod schema;
pub mod yaml;

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
    Ok(print_parts(resources)?.concat())
}

/// Prints resources as [`print`] does, as consecutive pieces of the text, so a caller
/// writing them out never holds a second copy of a large output.
///
/// Slices of resources print in parallel and come back in order, so the bytes never
/// depend on the number of threads.
pub fn print_parts(resources: &[Resource]) -> Result<Vec<String>> {
    // Small slices balance the threads and keep each buffer's growth (and the memory it
    // touches and then abandons) small.
    const SLICE: usize = 16;
    let slices: Vec<(usize, &[Resource])> = resources.chunks(SLICE).enumerate().collect();
    par::map_ordered(&slices, |(i, slice)| print_slice(slice, *i == 0))
        .into_iter()
        .collect()
}

/// Prints consecutive resources; `first` says whether the slice starts the stream (no
/// `---` before it).
fn print_slice(resources: &[Resource], first: bool) -> Result<String> {
    let mut out = String::with_capacity(resources.len() * 2048);
    for (i, r) in resources.iter().enumerate() {
        if i > 0 || !first {
            out.push_str("---\n");
        }
        yaml::emit::emit_into(&mut out, &r.node).map_err(|e| Error::Emit {
            id: r.id(),
            source: e,
        })?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_print_equals_sequential_print() {
        let list: Vec<Resource> = (0..300)
            .map(|i| {
                let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: \"{i}\"\n");
                Resource::new(yaml::parse_one(&text).unwrap_or_default())
            })
            .collect();
        let parallel = print(&list).unwrap_or_default();
        let sequential = print_slice(&list, true).unwrap_or_default();
        assert_eq!(parallel, sequential);
        assert_eq!(parallel.matches("---\n").count(), 299);
    }
}

//! Strata: a kustomize-compatible overlay engine.
//!
//! The modules are listed alphabetically; ARCHITECTURE.md draws their layers (YAML, the
//! file system and the resource model at the bottom; the loader, schema and the
//! `transform` seam; the built-in, patch, replacement and plugin steps; the `registry`
//! and the recursive accumulation; products and the CLI at the top), and
//! `cargo xtask tidy` keeps the import graph free of cycles.

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
pub mod localize;
pub mod output;
pub mod par;
pub mod patch;
pub mod plugin;
pub mod registry;
pub mod replacement;
pub mod resource;
pub mod schema;
#[cfg(test)]
mod testing;
pub mod transform;
pub mod yaml;

use std::path::Path;

pub use accumulate::{BuildOptions, Reorder};
pub use error::{Error, Result};
pub use resource::{ResId, ResMap, Resource};

/// Builds the kustomization in `dir`, reading through `fs`.
pub fn build(fs: &dyn fs::Fs, dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    accumulate::build(fs, dir, opts)
}

/// Prints resources as `kustomize build` prints them, on up to `threads` threads.
pub fn print(resources: &[Resource], threads: &par::Threads) -> Result<String> {
    Ok(print_parts(resources, threads)?.concat())
}

/// Prints resources as [`print`] does, as consecutive pieces of the text, so a caller
/// writing them out never holds a second copy of a large output.
///
/// Slices of resources print in parallel and come back in order, so the bytes never
/// depend on the number of threads.
pub fn print_parts(resources: &[Resource], threads: &par::Threads) -> Result<Vec<String>> {
    // Small slices balance the threads and keep each buffer's growth (and the memory it
    // touches and then abandons) small.
    const SLICE: usize = 16;
    let slices: Vec<(usize, &[Resource])> = resources.chunks(SLICE).enumerate().collect();
    par::map_ordered(threads, &slices, |(i, slice)| print_slice(slice, *i == 0))
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
        let parallel = print(&list, &par::Threads::new(4)).unwrap_or_default();
        let sequential = print_slice(&list, true).unwrap_or_default();
        assert_eq!(parallel, sequential);
        assert_eq!(parallel.matches("---\n").count(), 299);
    }
}

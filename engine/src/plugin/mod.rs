//! Sandboxed WebAssembly plugins: KRM functions compiled to `wasm32-wasip1`, run by
//! wasmtime with no capabilities beyond stdin and stdout (plugins/ABI.md).
//!
//! A kustomization declares a plugin as kustomize declares a function plugin: an entry
//! of `transformers:`, `generators:` or `validators:` whose config carries the
//! `config.kubernetes.io/function` annotation with a `wasm:` key naming the module
//! (`path:` under the load restrictor, or `builtin:` for one shipped inside strata) and
//! its `sha256:`. [`from_config`] turns such a config into a [`WasmPlugin`], which
//! implements [`Transformer`] and [`Generator`], so `accumulate` cannot tell it from a
//! built-in. This module is the only code that names wasmtime.
//!
//! Files: engine.rs (the engine and linker, built once), sandbox.rs (limits and the
//! WASI surface), abi.rs (ResourceList codec), verify.rs (static import allow-list),
//! cache.rs (compiled-module cache), transformer.rs (running a plugin over a ResMap),
//! exec.rs (kustomize's unsandboxed exec functions, behind `--enable-alpha-plugins --enable-exec`).

pub mod abi;
pub mod cache;
pub mod engine;
pub mod exec;
pub mod sandbox;
pub mod transformer;
pub mod verify;

use std::path::PathBuf;
use std::sync::Arc;

pub use crate::error::plugin::{PluginError, PluginResult, Severity};
pub use sandbox::Limits;
pub use transformer::{Module, ModuleSource, WasmPlugin, run_builtin};

use crate::error::{Error, Result};
use crate::loader::Root;
use crate::transform::{Generator, Transformer, Warnings};
use crate::yaml::Node;

/// The annotation that declares a function plugin (kustomize's).
pub const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";

/// Plugin settings of one build, chosen by the caller (the CLI: flags and the
/// environment) and carried in `BuildOptions::plugins`.
#[derive(Clone, Debug)]
pub struct HostOptions {
    /// Directory of the compiled-module cache (None: compile in memory only).
    pub cache_dir: Option<PathBuf>,
    /// What the plugins' clocks read, in seconds (`SOURCE_DATE_EPOCH`, else 0).
    pub epoch_seconds: u64,
    /// Limits of a plugin whose config sets none.
    pub defaults: Limits,
    /// The most any plugin config may ask for.
    pub caps: Limits,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            cache_dir: None,
            epoch_seconds: 0,
            defaults: Limits::default(),
            caps: CAPS,
        }
    }
}

/// The most any plugin config (or flag) may ask for, by default.
pub const CAPS: Limits = Limits {
    fuel: 1_000_000_000_000,
    memory_bytes: sandbox::MAX_MEMORY_BYTES,
    timeout_ms: 600_000,
    stdout_bytes: 1 << 30,
    stderr_bytes: 64 << 20,
    module_bytes: sandbox::MAX_MODULE_BYTES,
    functions: sandbox::MAX_FUNCTIONS,
};

/// Turns a transformer/generator/validator config into a plugin, if it declares one
/// with a `wasm:` function annotation; `Ok(None)` when it is not a wasm plugin. The
/// plugin runs with `host`'s settings and records its warnings in `warnings`.
pub fn from_config(
    node: &Node,
    root: &Root<'_>,
    host: &Arc<HostOptions>,
    warnings: &Warnings,
) -> Result<Option<WasmPlugin>> {
    Ok(transformer::from_config(node, root, host)?
        .map(|p| p.with_host(host.clone(), warnings.clone())))
}

/// Boxes a plugin as a transformer (for `transformers:`).
pub fn boxed_transformer(p: WasmPlugin) -> Box<dyn Transformer> {
    Box::new(p)
}

/// Boxes a plugin as a generator (for `generators:`).
pub fn boxed_generator(p: WasmPlugin) -> Box<dyn Generator> {
    Box::new(p)
}

/// Boxes a plugin as a validator (for `validators:`): it sees the resources, may fail
/// the build, and must not change them.
pub fn boxed_validator(p: WasmPlugin) -> Box<dyn Transformer> {
    Box::new(transformer::Validator(p))
}

impl Error {
    /// Wraps a plugin error with the declaring file and the plugin's name.
    pub fn plugin(path: impl Into<PathBuf>, plugin: &str, e: PluginError) -> Error {
        Error::Plugin {
            path: path.into(),
            plugin: plugin.to_string(),
            source: Box::new(e),
        }
    }
}

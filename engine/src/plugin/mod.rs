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
use std::sync::RwLock;

pub use abi::{PluginResult, Severity};
pub use sandbox::Limits;
pub use transformer::{Module, ModuleSource, WasmPlugin, run_builtin};

use crate::builtins::{Generator, Transformer};
use crate::error::{Error, Result};
use crate::loader::Root;
use crate::yaml::Node;

/// The annotation that declares a function plugin (kustomize's).
pub const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";

/// Why a plugin could not be loaded or failed to run.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The bytes are not a core wasm module.
    #[error("not a WebAssembly module: {0}")]
    NotWasm(String),
    /// The module's sha256 is not the pinned one.
    #[error(
        "sha256 mismatch: the kustomization pins {expected} but the module is {actual}; refusing to run it"
    )]
    DigestMismatch {
        /// The pinned digest.
        expected: String,
        /// The module's digest.
        actual: String,
    },
    /// The module imports something the sandbox does not provide.
    #[error(
        "forbidden import {module}::{name}: plugins get stdin, stdout, stderr and nothing else (plugins/ABI.md)"
    )]
    ForbiddenImport {
        /// Import module.
        module: String,
        /// Import name.
        name: String,
    },
    /// wasmtime refused the module.
    #[error("cannot compile: {0}")]
    Compile(String),
    /// The module is over a bound on what compiling it may cost.
    #[error(
        "module has {value} {what}, more than the limit of {limit}; refusing to compile it (limits.{key} raises it, within the global cap)"
    )]
    ModuleTooLarge {
        /// `bytes` or `functions`.
        what: &'static str,
        /// What the module has.
        value: u64,
        /// The limit.
        limit: u64,
        /// The `wasm.limits` key that sets it.
        key: &'static str,
    },
    /// Compiling did not finish within the deadline.
    #[error("did not compile within {ms} ms (raise limits.timeoutMs)")]
    CompileTimeout {
        /// The deadline.
        ms: u64,
    },
    /// The fuel ran out: the plugin computed too long.
    #[error("ran out of fuel after {fuel} units (an endless loop, or raise limits.fuel)")]
    OutOfFuel {
        /// The fuel it had.
        fuel: u64,
    },
    /// The wall-clock deadline passed.
    #[error("did not finish within {ms} ms (raise limits.timeoutMs)")]
    Timeout {
        /// The deadline.
        ms: u64,
    },
    /// Memory growth past the limit.
    #[error("memory limit of {} MiB exceeded (it asked for {} MiB; raise limits.memoryMiB)", limit >> 20, asked.div_ceil(1 << 20))]
    MemoryLimit {
        /// The limit in bytes.
        limit: u64,
        /// What it asked for.
        asked: u64,
    },
    /// Too deep a recursion.
    #[error("wasm stack overflow (too deep a recursion)")]
    StackOverflow,
    /// Output past a cap.
    #[error("{stream} output exceeded the limit of {cap} bytes")]
    OutputTooLarge {
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The cap.
        cap: u64,
    },
    /// Any other trap.
    #[error("crashed: {trap}{}", fmt_stderr(stderr))]
    Trap {
        /// wasmtime's description.
        trap: String,
        /// What it wrote on stderr.
        stderr: String,
    },
    /// A non-zero exit.
    #[error(
        "exited with code {code}{}{}",
        fmt_results(results),
        fmt_stderr(stderr)
    )]
    Exit {
        /// The code.
        code: i32,
        /// The results it reported, if its stdout could be read.
        results: Vec<PluginResult>,
        /// What it wrote on stderr.
        stderr: String,
    },
    /// Results of severity error.
    #[error("reported errors{}", fmt_results(results))]
    Failed {
        /// The results.
        results: Vec<PluginResult>,
    },
    /// stdout is not a ResourceList.
    #[error("invalid output: {0}")]
    InvalidOutput(String),
    /// The declaration is malformed.
    #[error("{0}")]
    Config(String),
    /// The host could not set up the sandbox.
    #[error("plugin host: {0}")]
    Host(String),
}

fn fmt_stderr(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; stderr: {s}")
    }
}

fn fmt_results(rs: &[PluginResult]) -> String {
    let shown: Vec<String> = rs
        .iter()
        .filter(|r| r.severity == Severity::Error)
        .map(ToString::to_string)
        .collect();
    if shown.is_empty() {
        String::new()
    } else {
        format!(": {}", shown.join("; "))
    }
}

/// Process-wide plugin settings, chosen by the CLI.
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
            caps: Limits {
                fuel: 1_000_000_000_000,
                memory_bytes: sandbox::MAX_MEMORY_BYTES,
                timeout_ms: 600_000,
                stdout_bytes: 1 << 30,
                stderr_bytes: 64 << 20,
                module_bytes: sandbox::MAX_MODULE_BYTES,
                functions: sandbox::MAX_FUNCTIONS,
            },
        }
    }
}

static OPTIONS: RwLock<Option<HostOptions>> = RwLock::new(None);
thread_local! {
    /// Warnings are per thread: the build forwards a helper thread's warnings to the
    /// thread that asked for the work, in input order.
    static WARNINGS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Sets the process-wide plugin settings (the CLI calls this before a build).
pub fn configure(opts: HostOptions) {
    if let Ok(mut o) = OPTIONS.write() {
        *o = Some(opts);
    }
}

/// Returns the process-wide plugin settings.
pub fn options() -> HostOptions {
    OPTIONS
        .read()
        .ok()
        .and_then(|o| o.clone())
        .unwrap_or_default()
}

/// Records a non-fatal message (a plugin's warning) for the CLI to print.
pub fn warn(msg: String) {
    note(format!("Warning: {msg}"));
}

/// Records a line for the CLI to print on stderr as it is (kustomize's `# Warning:`
/// lines for deprecated fields, what an exec function printed on stderr).
pub fn note(line: String) {
    WARNINGS.with(|w| w.borrow_mut().push(line));
}

/// Takes the messages recorded so far on this thread.
pub fn take_warnings() -> Vec<String> {
    WARNINGS.with(|w| std::mem::take(&mut *w.borrow_mut()))
}

/// Runs `f` and returns, beside its result, the warnings recorded while it ran, leaving
/// earlier ones in place. Work spread over threads uses it to hand each piece's
/// warnings back to the caller, which re-records them in input order (see
/// [`forward_warnings`]), so the messages never depend on scheduling.
pub fn collect_warnings<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let earlier = take_warnings();
    let r = f();
    let new = WARNINGS.with(|w| std::mem::replace(&mut *w.borrow_mut(), earlier));
    (r, new)
}

/// Records warnings collected elsewhere (by [`collect_warnings`]) on this thread.
pub fn forward_warnings(msgs: Vec<String>) {
    WARNINGS.with(|w| w.borrow_mut().extend(msgs));
}

/// Turns a transformer/generator/validator config into a plugin, if it declares one
/// with a `wasm:` function annotation; `Ok(None)` when it is not a wasm plugin.
pub fn from_config(node: &Node, root: &Root<'_>) -> Result<Option<WasmPlugin>> {
    transformer::from_config(node, root)
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

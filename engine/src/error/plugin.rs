//! Why a plugin could not be loaded or failed to run, and the results it reported.
//!
//! Owned by `error` (not `plugin`), so the error type sits below every module that
//! builds or runs a step and the module graph has no cycle.

/// A result a plugin reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginResult {
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// The resource it concerns, as `kind/name`, if given.
    pub resource: Option<String>,
    /// The field path it concerns, if given.
    pub field: Option<String>,
}

pub use strata_plugin_abi::Severity;

impl std::fmt::Display for PluginResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.message)?;
        if let Some(r) = &self.resource {
            write!(f, " (resource {r})")?;
        }
        if let Some(p) = &self.field {
            write!(f, " (field {p})")?;
        }
        Ok(())
    }
}

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

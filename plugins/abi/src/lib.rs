//! The facts of the Strata plugin ABI (`plugins/ABI.md`) that the host, the SDK and the
//! build tooling must agree on, defined once: the version string, the result severities
//! and the WASI preview 1 functions a plugin may import.
//!
//! The host (`strata::plugin`) checks every module's imports against
//! [`ALLOWED_IMPORTS`]; `cargo xtask plugins` checks the shipped plugins against the same
//! list; the SDK writes [`ABI_VERSION`] and [`Severity`] into its output.

/// The version of the ABI (plugins/ABI.md).
pub const ABI_VERSION: &str = "strata.dev/plugin-abi/v2";

/// The import module name of WASI preview 1.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// The `wasi_snapshot_preview1` functions a plugin may import, and nothing else.
pub const ALLOWED_IMPORTS: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "fd_read",
    "fd_write",
    "fd_close",
    "fd_seek",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_filestat_get",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "clock_time_get",
    "clock_res_get",
    "random_get",
    "proc_exit",
    "sched_yield",
    "poll_oneoff",
];

/// How serious a plugin's result is. `Error` fails the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported, does not fail.
    Warning,
    /// Reported.
    Info,
}

impl Severity {
    /// The KRM spelling (`error`, `warning`, `info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

//! The engine's side of the shared test support (`strata_tests`, the one test-support
//! module of every test crate): running this package's own binary, which only its tests
//! can name (`CARGO_BIN_EXE_strata`).

use std::path::Path;
use std::process::Output;

pub(crate) use strata_tests::{scratch, workspace_root as repo, write};

/// Runs the real binary in `cwd` with `env` added to the environment.
pub(crate) fn strata_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    strata_tests::run_binary(env!("CARGO_BIN_EXE_strata"), args, cwd, env)
}

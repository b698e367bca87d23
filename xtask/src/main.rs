//! `cargo xtask <command>`: the project's automation, in Rust.
//!
//! - `ci`: what `.ci/run` runs after `.ci/setup`: a check that every prerequisite is
//!   there (prereq.rs), fmt check, clippy, the release build, every test, the conformance
//!   ratchet, and each fuzz target over its seeds and regressions plus a fixed number of
//!   mutations from a fixed seed.
//! - `conformance [--ratchet]`: scores the release binary on ../shared/conformance and
//!   fails below the floor in tests/conformance.floor (`--ratchet` raises the floor).
//! - `bench [--repeat N] [--no-criterion]`: times the release binary against the
//!   reference kustomize on ../shared/bench, measures the oracle's start-up floor and
//!   runs the criterion hot-path benchmarks; `bench --scale [1000,10000,100000]` runs the synthetic scale
//!   benchmark (time per resource from 1k to 100k resources, plain and generated trees).
//! - `tidy [--graph]`: the architecture checks (no import cycle among engine/src's
//!   top-level modules, who may touch the disk, name wasmtime, print, read the
//!   environment or exit) and the generated table's freshness (tidy.rs).
//! - `codegen [--check] [SCHEMA]`: regenerates engine/src/schema/kubernetes.txt (merge keys,
//!   patch strategies, scopes) from the Kubernetes OpenAPI bundle, and (without SCHEMA)
//!   engine/src/check/tekton-schemas.txt from ../shared/schemas/tekton.
//! - `plugins [--check-reproducible]`: builds the shipped wasm plugins reproducibly,
//!   checks their imports and writes target/plugins/SHA256SUMS (plugins.rs).
//! - `prereq`: checks what `ci` needs besides cargo, naming what is missing (prereq.rs).
//! - `fuzz [--seconds N | --runs N | --replay] [TARGET...]`: builds the cargo-fuzz targets
//!   of fuzz/ and runs each for N seconds (default 5), or N mutations from a fixed seed, or
//!   once over its seeds and regressions, failing on any crash (fuzz.rs, fuzz/README.md).

mod bench;
mod codegen;
mod codegen_tekton;
mod conformance;
mod fuzz;
mod plugins;
mod prereq;
mod scale;
mod tidy;
mod util;

use anyhow::{Result, bail};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("usage: cargo xtask <ci|tidy|conformance|bench|codegen|plugins|fuzz> [options]");
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "ci" => ci(),
        "conformance" => conformance::run(rest),
        "bench" => bench::run(rest),
        "codegen" => codegen::run(rest),
        "plugins" => plugins::run(rest),
        "fuzz" => fuzz::run(rest),
        "prereq" => prereq::check(),
        "tidy" => tidy::run(rest),
        other => bail!(
            "unknown xtask command {other:?}: use ci, prereq, tidy, conformance, bench, codegen, plugins or fuzz"
        ),
    }
}

/// Mutations per fuzz target in CI (with a fixed seed, so every run tries the same
/// inputs): a few seconds each on two cores.
const FUZZ_RUNS: u64 = 5000;

fn ci() -> Result<()> {
    prereq::check()?;
    util::cargo(&["fmt", "--all", "--check"])?;
    tidy::run(&[])?;
    util::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    util::cargo(&["build", "--release", "-p", "strata"])?;
    util::cargo(&["test", "--workspace"])?;
    plugins::run(&["--check-reproducible".to_string()])?;
    conformance::run(&[])?;
    fuzz::run(&["--runs".to_string(), FUZZ_RUNS.to_string()])
}

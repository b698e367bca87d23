//! The conformance ratchet: the pass rate on ../shared/conformance may only go up.
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it builds, generates and benchmarks files"
)]

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::util;

const FLOOR_FILE: &str = "tests/conformance.floor";

/// Scores target/release/strata; fails below the recorded floor. `--ratchet` raises it.
pub fn run(args: &[String]) -> Result<()> {
    let ratchet = args.iter().any(|a| a == "--ratchet");
    let root = util::root();
    let engine = root.join("target/release/strata");
    if !engine.exists() {
        util::cargo(&["build", "--release", "-p", "strata"])?;
    }
    let report = root.join("target/conformance-report.json");
    let out = util::output(
        Command::new(util::shared().join("conformance/run"))
            .arg("--engine")
            .arg(&engine)
            .arg("--report")
            .arg(&report),
    )?;
    print!("{out}");
    let rate = pass_rate(&out).context("no `pass rate` line in the conformance output")?;
    let floor_path = root.join(FLOOR_FILE);
    let floor: f64 = std::fs::read_to_string(&floor_path)
        .with_context(|| format!("reading {}", floor_path.display()))?
        .trim()
        .parse()
        .with_context(|| format!("{} must hold a number", floor_path.display()))?;
    if rate + 1e-9 < floor {
        bail!("conformance pass rate {rate:.1}% is below the floor {floor:.1}% in {FLOOR_FILE}");
    }
    if ratchet && rate > floor {
        std::fs::write(&floor_path, format!("{rate:.1}\n"))?;
        eprintln!("raised the floor in {FLOOR_FILE} from {floor:.1}% to {rate:.1}%");
    }
    Ok(())
}

/// Reads "pass rate N% of M run".
pub fn pass_rate(out: &str) -> Option<f64> {
    let line = out.lines().find(|l| l.starts_with("pass rate "))?;
    line.trim_start_matches("pass rate ")
        .split('%')
        .next()?
        .trim()
        .parse()
        .ok()
}

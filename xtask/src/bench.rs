//! `cargo xtask bench`: Strata against the reference kustomize on the shared real trees.

use std::process::Command;

use anyhow::Result;

use crate::util;

/// Builds the release binary and runs ../shared/bench/run side by side with the oracle;
/// `--scale [N,N,...]` runs the synthetic scale benchmark instead.
pub fn run(args: &[String]) -> Result<()> {
    if let Some(i) = args.iter().position(|a| a == "--scale") {
        let sizes: Vec<usize> = match args.get(i + 1) {
            Some(list) if !list.starts_with("--") => list
                .split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect(),
            _ => vec![1_000, 10_000, 100_000],
        };
        return crate::scale::run(&sizes, 3);
    }
    util::cargo(&["build", "--release", "-p", "strata"])?;
    let root = util::root();
    let mut cmd = Command::new(util::shared().join("bench/run"));
    cmd.arg("--engine")
        .arg(root.join("target/release/strata"))
        .arg("--vs")
        .arg(util::shared().join("oracle/kustomize-ref"))
        .args(args)
        .current_dir(&root);
    eprintln!(
        "note: the oracle has a ~0.12 s start-up floor per call (Python + ctypes); ratios include it"
    );
    util::run(&mut cmd)
}

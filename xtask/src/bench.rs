//! `cargo xtask bench`: Strata against the reference kustomize on the shared real trees.

use std::process::Command;

use anyhow::Result;

use crate::util;

/// Builds the release binary and runs ../shared/bench/run side by side with the oracle,
/// measures the oracle's start-up floor, then runs the criterion hot-path benchmarks
/// (`--no-criterion` skips them); `--scale [N,N,...]` runs the synthetic scale
/// benchmark instead.
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
    let criterion = !args.iter().any(|a| a == "--no-criterion");
    let passed: Vec<&String> = args.iter().filter(|a| *a != "--no-criterion").collect();
    util::cargo(&["build", "--release", "-p", "strata"])?;
    let root = util::root();
    let oracle = util::shared().join("oracle/kustomize-ref");
    let mut cmd = Command::new(util::shared().join("bench/run"));
    cmd.arg("--engine")
        .arg(root.join("target/release/strata"))
        .arg("--vs")
        .arg(&oracle)
        .args(passed)
        .current_dir(&root);
    util::run(&mut cmd)?;
    // "other s" includes the oracle's own start-up (Python + ctypes loading kustomize);
    // measured here on a one-resource tree, so the ratios can be read with it in mind.
    let floor = oracle_floor(&oracle)?;
    println!("oracle start-up floor: {floor:.3} s (median of 5 builds of a one-resource tree)");
    if criterion {
        // The hot paths: YAML read and write, resource lookup, strategic merge, name
        // references.
        util::cargo(&["bench", "-p", "strata", "--bench", "hot_paths"])?;
    }
    Ok(())
}

/// The oracle's time to build a tree with one ConfigMap: its fixed cost per call.
fn oracle_floor(oracle: &std::path::Path) -> Result<f64> {
    let dir = std::env::temp_dir().join(format!("strata-oracle-floor-{}", std::process::id()));
    #[allow(clippy::disallowed_methods, reason = "xtask writes a scratch tree")]
    {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("kustomization.yaml"), "resources:\n- cm.yaml\n")?;
        std::fs::write(
            dir.join("cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
        )?;
    }
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let out = Command::new(oracle).arg("build").arg(&dir).output()?;
        if !out.status.success() {
            anyhow::bail!(
                "the oracle failed on a one-resource tree: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        times.push(t.elapsed().as_secs_f64());
    }
    #[allow(clippy::disallowed_methods, reason = "xtask removes its scratch tree")]
    let _ = std::fs::remove_dir_all(&dir);
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

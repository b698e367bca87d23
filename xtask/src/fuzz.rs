//! `cargo xtask fuzz`: builds the coverage-guided fuzz targets of fuzz/ and runs each for
//! a while, failing on the first crash, panic, timeout or memory blow-up (fuzz/README.md).
//! `--runs N` runs a fixed number of mutations from a fixed seed over the seeds and the
//! committed regressions only (`--replay`: none, the inputs alone): the deterministic
//! form CI runs.
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it lays out seed corpora and reads the fuzzers' logs"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::util;

/// Every target, with the committed seed folders (fuzz/seeds/*) and the kind of repository
/// file it also starts from.
const TARGETS: &[(&str, &[&str], RepoSeeds)] = &[
    ("yaml_readers_agree", &["yaml"], RepoSeeds::Yaml),
    ("print_parse_roundtrip", &["yaml"], RepoSeeds::Yaml),
    ("strategic_merge", &["strategic_merge"], RepoSeeds::None),
    ("json6902", &["json6902"], RepoSeeds::None),
    ("kustomization_reader", &[], RepoSeeds::Kustomizations),
    ("plugin_output", &["plugin_output"], RepoSeeds::None),
    ("edit_text", &["edit_text"], RepoSeeds::None),
];

/// The cargo-fuzz release the targets are built with.
const CARGO_FUZZ: &str = "0.13.2";

#[derive(Clone, Copy, PartialEq)]
enum RepoSeeds {
    None,
    /// Every YAML file under overlays/ and tests/.
    Yaml,
    /// Every kustomization file under overlays/ and tests/.
    Kustomizations,
}

/// How long each target explores.
#[derive(Clone, Copy)]
enum Budget {
    /// Wall-clock seconds, from the corpus grown so far: for finding bugs.
    Seconds(u64),
    /// A fixed number of mutations with a fixed random seed from the seeds and regressions
    /// alone (0: replay them only): the same inputs every run, for CI.
    Runs(u64),
}

/// `fuzz [--seconds N | --runs N | --replay] [TARGET...]`: every target by default, for
/// 5 s each by default.
pub fn run(args: &[String]) -> Result<()> {
    let mut budget = Budget::Seconds(5);
    let mut names = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut number = |flag: &str| -> Result<u64> {
            let n = it
                .next()
                .with_context(|| format!("{flag} needs a number"))?;
            n.parse().with_context(|| format!("{flag} {n:?}"))
        };
        match a.as_str() {
            "--replay" => budget = Budget::Runs(0),
            "--seconds" => budget = Budget::Seconds(number("--seconds")?),
            "--runs" => budget = Budget::Runs(number("--runs")?),
            _ if TARGETS.iter().any(|t| t.0 == a) => names.push(a.as_str()),
            _ => bail!("unknown fuzz target {a:?}"),
        }
    }
    let root = util::root();
    ensure_cargo_fuzz()?;
    // cargo-fuzz passes nightly-only flags (-Zsanitizer, -Cpasses=sancov-module):
    // RUSTC_BOOTSTRAP lets the stable toolchain take them. No sanitizer: the workspace
    // has one unsafe block, and what the targets look for is panics, overflows (debug
    // assertions on), stack overflows, hangs and memory blow-ups. The embedded wasm
    // plugins are not needed.
    let fuzz = |sub: &str| {
        let mut c = Command::new("cargo");
        c.args(["fuzz", sub, "--sanitizer", "none", "--debug-assertions"])
            .env("RUSTC_BOOTSTRAP", "1")
            .env("STRATA_SKIP_PLUGIN_BUILD", "1")
            .current_dir(&root);
        c
    };
    util::run(&mut fuzz("build"))?;
    let logs = root.join("fuzz/target/logs");
    std::fs::create_dir_all(&logs)?;
    let mut total = 0u64;
    for (name, seed_dirs, repo) in TARGETS {
        if !names.is_empty() && !names.contains(name) {
            continue;
        }
        let seeds = lay_seeds(&root, name, seed_dirs, *repo)?;
        let regressions = root.join("fuzz/regressions").join(name);
        let log = logs.join(format!("{name}.log"));
        let mut cmd = fuzz("run");
        cmd.arg(name);
        // libFuzzer adds what it finds to its first folder and only reads the others.
        let corpus = match budget {
            Budget::Seconds(_) => root.join("fuzz/corpus").join(name),
            Budget::Runs(_) => {
                let scratch = root.join("fuzz/target/run-corpus").join(name);
                let _ = std::fs::remove_dir_all(&scratch);
                scratch
            }
        };
        std::fs::create_dir_all(&corpus)?;
        cmd.arg(&corpus).arg(&seeds);
        if regressions.is_dir() {
            cmd.arg(&regressions);
        }
        cmd.arg("--");
        match budget {
            Budget::Seconds(n) => cmd.arg(format!("-max_total_time={n}")),
            Budget::Runs(n) => cmd.arg(format!("-runs={n}")).arg("-seed=1"),
        };
        cmd.args([
            // Inputs up to 8 KiB: enough for every construct; deeper nesting than that
            // allows is the depth bounds' business (unit tests beside them).
            "-max_len=8192",
            "-timeout=10",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
        ]);
        cmd.stderr(Stdio::from(std::fs::File::create(&log)?));
        let status = cmd
            .status()
            .with_context(|| format!("running fuzz target {name}"))?;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if !status.success() {
            let tail: Vec<&str> = text.lines().rev().take(60).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "fuzz target {name} failed ({status}); log {}:\n{}",
                log.display(),
                tail.join("\n")
            );
        }
        let runs = stat(&text, "stat::number_of_executed_units:").unwrap_or(0);
        total += runs;
        match budget {
            Budget::Seconds(n) => println!("fuzz {name}: {runs} executions in {n} s, no failure"),
            Budget::Runs(_) => println!("fuzz {name}: {runs} executions (seed 1), no failure"),
        }
    }
    println!("fuzz: {total} executions in total");
    Ok(())
}

/// Installs the pinned cargo-fuzz unless a `cargo fuzz` is already there.
fn ensure_cargo_fuzz() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    util::run(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--locked",
        "--version",
        CARGO_FUZZ,
    ]))
}

/// Copies a target's seeds (committed ones and repository files) into one folder under
/// fuzz/target, which the fuzzer reads but never writes.
fn lay_seeds(root: &Path, name: &str, dirs: &[&str], repo: RepoSeeds) -> Result<PathBuf> {
    let out = root.join("fuzz/target/seeds").join(name);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let mut files: Vec<PathBuf> = Vec::new();
    for d in dirs {
        files.extend(walk(&root.join("fuzz/seeds").join(d)));
    }
    if repo != RepoSeeds::None {
        for d in ["overlays", "tests"] {
            files.extend(walk(&root.join(d)).into_iter().filter(|p| {
                let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                match repo {
                    RepoSeeds::Yaml => file.ends_with(".yaml") || file.ends_with(".yml"),
                    _ => file == "kustomization.yaml",
                }
            }));
        }
    }
    files.sort();
    for (i, f) in files.iter().enumerate() {
        std::fs::copy(f, out.join(format!("seed-{i:04}")))
            .with_context(|| format!("copying seed {}", f.display()))?;
    }
    Ok(out)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect()
}

/// A number libFuzzer's final statistics print after `key`.
fn stat(log: &str, key: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
}

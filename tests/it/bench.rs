//! Every root of the shared bench, built in-process, against the bytes the reference
//! kustomize printed for it (`../shared/bench`: `roots.txt` lists roots relative to
//! `corpus/`; `expected/<root with / as __>.yaml` is kustomize's output), as its `run`
//! script builds them: default flags, from `corpus/`.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use strata::BuildOptions;
use strata::fs::DiskFs;
use strata_tests::shared_dir;

#[test]
fn every_bench_root_builds_to_kustomizes_bytes() {
    let bench = shared_dir().join("bench");
    let roots_file = bench.join("roots.txt");
    let roots: Vec<String> = std::fs::read_to_string(&roots_file)
        .unwrap_or_else(|e| panic!("{}: {e}", roots_file.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    assert!(
        roots.len() >= 240,
        "expected 240 roots in {}",
        roots_file.display()
    );
    let corpus = bench.join("corpus");
    let opts = BuildOptions::default();
    // Roots build in parallel on the engine's own thread budget, and come back in order.
    let failures: Vec<String> = strata::par::map_ordered(&opts.threads, &roots, |root| {
        let want_file = bench
            .join("expected")
            .join(format!("{}.yaml", root.replace('/', "__")));
        let want = match std::fs::read_to_string(&want_file) {
            Ok(t) => t,
            Err(e) => return Some(format!("{root}: {}: {e}", want_file.display())),
        };
        let got = strata::build(&DiskFs, &corpus.join(root), &opts)
            .and_then(|r| strata::print(r.as_slice(), &opts.threads));
        match got {
            Ok(got) if got == want => None,
            Ok(got) => {
                let line = want
                    .lines()
                    .zip(got.lines())
                    .position(|(a, b)| a != b)
                    .map_or_else(
                        || "length differs".to_string(),
                        |i| format!("line {}", i + 1),
                    );
                Some(format!("{root}: output differs from kustomize's at {line}"))
            }
            Err(e) => Some(format!("{root}: {e}")),
        }
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bench roots differ:\n{}",
        failures.len(),
        roots.len(),
        failures.join("\n")
    );
}

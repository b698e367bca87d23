//! Strata's own oracle cases (tests/cases/<feature>/<name>/), in the format of the shared
//! conformance suite: the tree under `input/`, `case.json` (what to build, with which
//! options, and why the case exists), and what the reference kustomize printed for it:
//! `expected.yaml`, or `expected.err` when it refused the tree.
//!
//! Every case builds through the library and must print `expected.yaml` byte for byte, or
//! fail where kustomize failed. `STRATA_BLESS=1` regenerates the expected files from the
//! oracle (`../shared/oracle/kustomize-ref`, or `STRATA_ORACLE`), never from Strata.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use strata::fs::DiskFs;
use strata::loader::LoadRestrictor;
use strata::yaml::Node;
use strata::{BuildOptions, Reorder};

/// One case directory and what its `case.json` says.
struct Case {
    dir: PathBuf,
    build: String,
    reorder: String,
    load_restrictor: String,
}

fn cases_root() -> PathBuf {
    strata_tests::workspace_root().join("tests").join("cases")
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn load_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for feature in sorted_dirs(&cases_root()) {
        for dir in sorted_dirs(&feature) {
            let path = dir.join("case.json");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let doc = strata::yaml::parse_one(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let field = |k: &str, default: &str| {
                doc.get_path(&[k])
                    .and_then(Node::as_str)
                    .or_else(|| doc.get_path(&["options", k]).and_then(Node::as_str))
                    .unwrap_or(default)
                    .to_string()
            };
            out.push(Case {
                build: field("build", "input"),
                reorder: field("reorder", "unspecified"),
                load_restrictor: field("load_restrictor", "LoadRestrictionsRootOnly"),
                dir,
            });
        }
    }
    out
}

fn strata_output(case: &Case) -> Result<String, String> {
    let opts = BuildOptions {
        reorder: match case.reorder.as_str() {
            "none" => Reorder::None,
            "legacy" => Reorder::Legacy,
            _ => Reorder::Unspecified,
        },
        load_restrictor: LoadRestrictor::parse(&case.load_restrictor)
            .unwrap_or_else(|| panic!("{}: bad load_restrictor", case.dir.display())),
        ..BuildOptions::default()
    };
    strata::build(&DiskFs, &case.dir.join(&case.build), &opts)
        .and_then(|res| strata::print(res.as_slice()))
        .map_err(|e| e.to_string())
}

/// Runs the oracle on a case and rewrites its expected file (paths made relative).
fn bless(case: &Case) {
    // `STRATA_ORACLE` points elsewhere when the checkout has no `../shared` beside it.
    let oracle = std::env::var_os("STRATA_ORACLE").map_or_else(
        || {
            strata_tests::shared_dir()
                .join("oracle")
                .join("kustomize-ref")
        },
        PathBuf::from,
    );
    let mut cmd = Command::new(&oracle);
    cmd.arg("build").arg(&case.build).current_dir(&case.dir);
    cmd.args(["--reorder", &case.reorder]);
    cmd.args(["--load-restrictor", &case.load_restrictor]);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", oracle.display()));
    let (ok, err) = (
        case.dir.join("expected.yaml"),
        case.dir.join("expected.err"),
    );
    let _ = std::fs::remove_file(&ok);
    let _ = std::fs::remove_file(&err);
    match out.status.code() {
        Some(0) => std::fs::write(&ok, &out.stdout),
        Some(1) => {
            let text = String::from_utf8_lossy(&out.stderr)
                .replace(&format!("{}/", case.dir.display()), "");
            std::fs::write(&err, text)
        }
        _ => panic!(
            "the oracle could not run on {}: {}",
            case.dir.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
    .unwrap_or_else(|e| panic!("{}: {e}", case.dir.display()));
}

#[test]
fn own_cases_match_the_oracle() {
    let cases = load_cases();
    assert!(
        !cases.is_empty(),
        "no cases under {}",
        cases_root().display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        if strata_tests::blessing() {
            bless(case);
        }
        let name = case
            .dir
            .strip_prefix(cases_root())
            .unwrap_or(&case.dir)
            .display()
            .to_string();
        let expected = std::fs::read_to_string(case.dir.join("expected.yaml")).ok();
        let got = strata_output(case);
        match (expected, got) {
            (Some(want), Ok(got)) if want == got => {}
            (Some(want), got) => failures.push(format!(
                "{name}: output differs from expected.yaml\n--- expected\n{want}--- strata\n{}",
                got.unwrap_or_else(|e| format!("error: {e}\n"))
            )),
            (None, Err(_)) if case.dir.join("expected.err").is_file() => {}
            (None, Err(e)) => failures.push(format!(
                "{name}: no expected file (run with STRATA_BLESS=1); strata failed: {e}"
            )),
            (None, Ok(got)) => failures.push(format!(
                "{name}: kustomize refused the tree (expected.err) but strata printed\n{got}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

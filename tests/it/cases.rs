//! Strata's own oracle cases (tests/cases/<feature>/<name>/), in the format of the shared
//! conformance suite: the tree under `input/`, `case.json` (what to build, with which
//! options, and why the case exists), and what the reference kustomize printed for it:
//! `expected.yaml`, or `expected.err` when it refused the tree.
//!
//! Every case builds through the library and must print `expected.yaml` byte for byte, or
//! fail where kustomize failed, and must warn exactly as `expected.stderr` says (kustomize's
//! `# Warning:` lines; no file means no warning). `STRATA_BLESS=1` regenerates the
//! expected files from the oracle (`../shared/oracle/kustomize-ref`, or `STRATA_ORACLE`),
//! never from Strata. A case the oracle cannot build (exec functions) names where its
//! expected files come from in `expected_from`; bless leaves it alone, and its
//! `expected.err` is compared word for word.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::PathBuf;
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
    /// `enable_alpha_plugins` and `enable_exec` both set.
    exec: bool,
    /// `-e` entries for functions.
    env: Vec<String>,
    /// Where the expected files come from, when not from the oracle.
    expected_from: Option<String>,
}

fn cases_root() -> PathBuf {
    strata_tests::workspace_root().join("tests").join("cases")
}

use strata_tests::sorted_dirs;

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
            let env = doc
                .get_path(&["options", "env"])
                .and_then(Node::as_seq)
                .map(|s| {
                    s.iter()
                        .filter_map(Node::as_str)
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            out.push(Case {
                build: field("build", "input"),
                reorder: field("reorder", "unspecified"),
                load_restrictor: field("load_restrictor", "LoadRestrictionsRootOnly"),
                exec: field("enable_alpha_plugins", "false") == "true"
                    && field("enable_exec", "false") == "true",
                env,
                expected_from: doc
                    .get("expected_from")
                    .and_then(Node::as_str)
                    .map(String::from),
                dir,
            });
        }
    }
    out
}

/// Builds a case; returns the output or the error (paths relative to the case), and the
/// lines the build left for stderr.
fn strata_output(case: &Case) -> (Result<String, String>, String) {
    // Exec functions inherit the environment; the cases need only `PATH`.
    let path = std::env::var("PATH").unwrap_or_default();
    let opts = BuildOptions {
        env: strata::loader::Env::new([("PATH".to_string(), path)].into_iter().collect()),
        functions: strata::plugin::exec::FunctionOptions {
            enable_alpha_plugins: case.exec,
            enable_exec: case.exec,
            env: case.env.clone(),
        },
        reorder: match case.reorder.as_str() {
            "none" => Reorder::None,
            "legacy" => Reorder::Legacy,
            _ => Reorder::Unspecified,
        },
        load_restrictor: LoadRestrictor::parse(&case.load_restrictor)
            .unwrap_or_else(|| panic!("{}: bad load_restrictor", case.dir.display())),
        ..BuildOptions::default()
    };
    let warnings = opts.warnings.clone();
    let out = strata::build(&DiskFs, &case.dir.join(&case.build), &opts)
        .and_then(|res| strata::print(res.as_slice(), &opts.threads))
        .map_err(|e| {
            e.to_string()
                .replace(&format!("{}/", case.dir.display()), "")
        });
    let stderr: String = warnings.take().iter().map(|w| format!("{w}\n")).collect();
    (out, stderr)
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
    let (ok, err, warn) = (
        case.dir.join("expected.yaml"),
        case.dir.join("expected.err"),
        case.dir.join("expected.stderr"),
    );
    let _ = std::fs::remove_file(&ok);
    let _ = std::fs::remove_file(&err);
    let _ = std::fs::remove_file(&warn);
    // kustomize's deprecation warnings open its stderr, before any error.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (warnings, rest): (Vec<&str>, Vec<&str>) =
        stderr.lines().partition(|l| l.starts_with("# Warning:"));
    if !warnings.is_empty() {
        let text: String = warnings.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&warn, text).unwrap_or_else(|e| panic!("{}: {e}", warn.display()));
    }
    match out.status.code() {
        Some(0) => std::fs::write(&ok, &out.stdout),
        Some(1) => {
            let text: String = rest.iter().map(|l| format!("{l}\n")).collect();
            std::fs::write(&err, text.replace(&format!("{}/", case.dir.display()), ""))
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
        if strata_tests::blessing() && case.expected_from.is_none() {
            bless(case);
        }
        let name = case
            .dir
            .strip_prefix(cases_root())
            .unwrap_or(&case.dir)
            .display()
            .to_string();
        let expected = std::fs::read_to_string(case.dir.join("expected.yaml")).ok();
        let expected_err = std::fs::read_to_string(case.dir.join("expected.err")).ok();
        let want_stderr =
            std::fs::read_to_string(case.dir.join("expected.stderr")).unwrap_or_default();
        let (got, stderr) = strata_output(case);
        if stderr != want_stderr {
            failures.push(format!(
                "{name}: warnings differ from expected.stderr\n--- expected\n{want_stderr}--- strata\n{stderr}"
            ));
        }
        match (expected, got) {
            (Some(want), Ok(got)) if want == got => {}
            (Some(want), got) => failures.push(format!(
                "{name}: output differs from expected.yaml\n--- expected\n{want}--- strata\n{}",
                got.unwrap_or_else(|e| format!("error: {e}\n"))
            )),
            // Only a message that is not kustomize's own is compared word for word.
            (None, Err(e))
                if case.expected_from.is_some()
                    && expected_err.as_deref().map(str::trim_end) != Some(e.as_str()) =>
            {
                failures.push(format!(
                    "{name}: error differs from expected.err\n--- expected\n{}--- strata\n{e}\n",
                    expected_err.unwrap_or_default()
                ));
            }
            (None, Err(_)) if expected_err.is_some() => {}
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

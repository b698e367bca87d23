//! `edit` and `create` against cases written from kustomize's own tests of those commands
//! (`tests/edit/<family>/<case>/`): the tree under `input/`, `args` (the command line after
//! the program name, one argument per line), and what kustomize leaves: `expected.yaml`
//! (the kustomization, compared as data, so key order and quoting do not matter) or
//! `expected.err` (text its error holds; the file must then be left byte for byte), and
//! `expected-files/` for the other files a command rewrites (`fix --vars`).
//!
//! The reference kustomize binary has no `edit`, so the expectations come from reading
//! kustomize's tests. `STRATA_BLESS=1` writes the expected files from Strata's result for a
//! new case, to be checked against the kustomize test it was written from.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};

use strata_tests::{blessing, copy_tree, sorted_dirs, workspace_root};

const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

fn cases_root() -> PathBuf {
    workspace_root().join("tests/edit")
}

/// The files under `root/rel`, as paths relative to `root`.
fn files_under(root: &Path, rel: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(root.join(rel)) else {
        return out;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = rel.join(p.file_name().unwrap_or_default());
        if p.is_dir() {
            out.extend(files_under(root, &name));
        } else {
            out.push(name);
        }
    }
    out
}

fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// Parses YAML text as data, with what Go's `omitempty` leaves out dropped (an empty list
/// and no list mean the same to kustomize); Err names what failed.
fn data(text: &str) -> Result<serde_yaml_ng::Value, String> {
    let mut v: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    omit_empty(&mut v);
    Ok(v)
}

fn omit_empty(v: &mut serde_yaml_ng::Value) {
    use serde_yaml_ng::Value;
    match v {
        Value::Mapping(m) => {
            for (_, x) in m.iter_mut() {
                omit_empty(x);
            }
            m.retain(|_, x| match x {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                Value::Sequence(s) => !s.is_empty(),
                Value::Mapping(m) => !m.is_empty(),
                _ => true,
            });
        }
        Value::Sequence(s) => s.iter_mut().for_each(omit_empty),
        _ => {}
    }
}

/// Runs one case; Err describes the mismatch.
fn run_case(case: &Path, work: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(work);
    let input = case.join("input");
    if input.is_dir() {
        copy_tree(&input, work);
    } else {
        std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    }
    let args_text = std::fs::read_to_string(case.join("args")).map_err(|e| format!("args: {e}"))?;
    let args: Vec<&str> = args_text.lines().collect();
    let before = kustomization_in(work).and_then(|p| std::fs::read(p).ok());
    let out = crate::support::strata_env(&args, work, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let bless = blessing();
    let expected_err = case.join("expected.err");
    let expected_yaml = case.join("expected.yaml");
    if bless {
        let _ = std::fs::remove_file(&expected_err);
        let _ = std::fs::remove_file(&expected_yaml);
        if out.status.code() == Some(0) {
            let k = kustomization_in(work).ok_or("no kustomization file after the command")?;
            let text = std::fs::read_to_string(k).map_err(|e| e.to_string())?;
            std::fs::write(&expected_yaml, text).map_err(|e| e.to_string())?;
        } else {
            let msg = stderr.trim().trim_start_matches("Error: ");
            std::fs::write(&expected_err, format!("{msg}\n")).map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    if expected_err.is_file() {
        let want = std::fs::read_to_string(&expected_err).map_err(|e| e.to_string())?;
        if out.status.code() != Some(1) {
            return Err(format!("expected a refusal, got {:?}", out.status.code()));
        }
        if !stderr.contains(want.trim()) {
            return Err(format!("error {stderr:?} does not hold {:?}", want.trim()));
        }
        let after = kustomization_in(work).and_then(|p| std::fs::read(p).ok());
        if after != before {
            return Err("a refused edit changed the kustomization file".into());
        }
        return Ok(());
    }
    if out.status.code() != Some(0) {
        return Err(format!("failed: {stderr}"));
    }
    let want =
        std::fs::read_to_string(&expected_yaml).map_err(|e| format!("expected.yaml: {e}"))?;
    let k = kustomization_in(work).ok_or("no kustomization file after the command")?;
    let got = std::fs::read_to_string(&k).map_err(|e| e.to_string())?;
    if data(&got)? != data(&want)? {
        return Err(format!("got:\n{got}\nwant:\n{want}"));
    }
    // Other files the command rewrites (`fix --vars`), byte for byte.
    let also = case.join("expected-files");
    for rel in files_under(&also, Path::new("")) {
        let want = std::fs::read_to_string(also.join(&rel)).map_err(|e| e.to_string())?;
        let got = std::fs::read_to_string(work.join(&rel)).unwrap_or_default();
        if got != want {
            return Err(format!("{}: got:\n{got}\nwant:\n{want}", rel.display()));
        }
    }
    Ok(())
}

#[test]
fn edit_and_create_cases_give_kustomizes_result() {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("edit-cases");
    let mut failures = Vec::new();
    let mut count = 0;
    for family in sorted_dirs(&cases_root()) {
        for case in sorted_dirs(&family) {
            count += 1;
            let name = case
                .strip_prefix(cases_root())
                .unwrap_or(&case)
                .display()
                .to_string();
            let work = scratch.join(name.replace('/', "__"));
            if let Err(e) = run_case(&case, &work) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(
        count >= 100,
        "only {count} cases under {}",
        cases_root().display()
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

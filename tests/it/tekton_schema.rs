//! `strata check`'s schema validation held to the reference validator
//! (../shared/schemas/tekton/check.py) on generated mutations of the catalog's renders.
//!
//! Every document of every app's render is mutated in every place where a mutation is
//! possible (a field dropped, set to null or re-cased; an unknown field added; a value of
//! the wrong type, a fraction, an empty value, a bad enumeration value; a null list item),
//! one mutation per document, and a deterministic sample of them is written to one file.
//! check.py and Strata then judge each document: both must accept or both refuse it, and
//! name the same field paths. Needs `python3` with `jsonschema` and `pyyaml`.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use strata::check::schema::{Release, validate_json};

use super::catalog::{APPS, build_app};

/// At most this many mutated documents per release, sampled evenly (`STRATA_MUTATIONS`
/// sets another number; check.py takes about 40 ms a document).
const SAMPLE: usize = 600;

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match s {
            Seg::Key(k) => cur.get_mut(k.as_str())?,
            Seg::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// Every mutation of `doc`, in a fixed order, each a whole new document.
fn mutations(doc: &Value) -> Vec<Value> {
    let mut paths: Vec<Vec<Seg>> = Vec::new();
    fn collect(v: &Value, path: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        out.push(path.clone());
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    path.push(Seg::Key(k.clone()));
                    collect(x, path, out);
                    path.pop();
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    collect(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    collect(doc, &mut Vec::new(), &mut paths);
    let mut out = Vec::new();
    for p in paths {
        // apiVersion and kind choose the schema: changing them tests nothing here.
        if matches!(p.as_slice(), [Seg::Key(k)] if k == "apiVersion" || k == "kind") {
            continue;
        }
        let mut edit = |f: &dyn Fn(&mut Value, &[Seg]) -> bool| {
            let mut d = doc.clone();
            if f(&mut d, &p) {
                out.push(d);
            }
        };
        let (parent, last) = match p.split_last() {
            Some((l, rest)) => (rest.to_vec(), Some(l.clone())),
            None => (Vec::new(), None),
        };
        match &last {
            Some(Seg::Key(k)) => {
                let k = k.clone();
                edit(&|d, _| {
                    get_mut(d, &parent)
                        .and_then(Value::as_object_mut)
                        .and_then(|m| m.shift_remove(&k))
                        .is_some()
                });
                edit(&|d, p| get_mut(d, p).map(|v| *v = Value::Null).is_some());
                let recased: String = k
                    .chars()
                    .enumerate()
                    .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
                    .collect();
                if recased != k {
                    let k2 = k.clone();
                    edit(&move |d, _| {
                        let Some(m) = get_mut(d, &parent).and_then(Value::as_object_mut) else {
                            return false;
                        };
                        let Some(v) = m.shift_remove(&k2) else {
                            return false;
                        };
                        m.insert(recased.clone(), v);
                        true
                    });
                }
            }
            Some(Seg::Index(_)) => {
                edit(&|d, p| get_mut(d, p).map(|v| *v = Value::Null).is_some());
            }
            None => {}
        }
        let Some(v) = get_mut(&mut doc.clone(), &p).cloned() else {
            continue;
        };
        match &v {
            Value::Object(_) => {
                edit(&|d, p| {
                    get_mut(d, p)
                        .and_then(Value::as_object_mut)
                        .map(|m| m.insert("unknownField".into(), json!("x")))
                        .is_some()
                });
                if last.is_some() {
                    edit(&|d, p| get_mut(d, p).map(|v| *v = json!("text")).is_some());
                }
            }
            Value::Array(_) => {
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!([])).is_some());
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!({"a": 1})).is_some());
            }
            Value::String(s) => {
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!(7)).is_some());
                if !s.is_empty() {
                    edit(&|d, p| get_mut(d, p).map(|v| *v = json!("")).is_some());
                }
                if matches!(&last, Some(Seg::Key(k)) if k == "type") {
                    edit(&|d, p| get_mut(d, p).map(|v| *v = json!("nope")).is_some());
                }
            }
            Value::Number(_) => {
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!(1.5)).is_some());
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!("seven")).is_some());
            }
            Value::Bool(_) => {
                edit(&|d, p| get_mut(d, p).map(|v| *v = json!("true")).is_some());
            }
            Value::Null => {}
        }
    }
    out
}

/// check.py's findings: document number -> field paths.
fn reference(file: &Path, v1alpha1: &str) -> BTreeMap<usize, BTreeSet<String>> {
    let script = strata_tests::shared_dir().join("schemas/tekton/check.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--v1alpha1", v1alpha1])
        .arg(file)
        .output()
        .expect("running python3 check.py (needs python3 with jsonschema and pyyaml)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check.py failed (needs python3 with jsonschema 4 and pyyaml):\n{stderr}"
    );
    let prefix = format!("{}#", file.display());
    let mut found: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let rest = line
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("unexpected check.py line: {line}"));
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n: usize = rest[..digits].parse().expect("document number");
        let rest = rest[digits..].trim_start_matches(':').trim_start();
        // `Kind/name: PATH: MESSAGE`
        let mut parts = rest.splitn(3, ": ");
        let (_, path) = (parts.next(), parts.next().expect("a path"));
        found.entry(n).or_default().insert(path.to_string());
    }
    found
}

struct Figures {
    documents: usize,
    verdicts_agree: usize,
    paths_agree: usize,
    refused: usize,
    disagreements: Vec<String>,
}

/// Judges every document of `file` with Strata and check.py.
fn compare(file: &Path, docs: &[Value], release: Release, v1alpha1: &str) -> Figures {
    let theirs = reference(file, v1alpha1);
    // Strata reads the file it wrote, as `strata check --built` would.
    let text = std::fs::read_to_string(file).expect("read");
    let nodes: Vec<_> = strata::yaml::parse_documents(&text)
        .expect("the mutations are YAML")
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    assert_eq!(nodes.len(), docs.len());
    let mut f = Figures {
        documents: docs.len(),
        verdicts_agree: 0,
        paths_agree: 0,
        refused: 0,
        disagreements: Vec::new(),
    };
    for (i, node) in nodes.iter().enumerate() {
        let json = strata::yaml::json::to_json(node).expect("JSON");
        let ours: BTreeSet<String> = validate_json(json, Some(release))
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let empty = BTreeSet::new();
        let reference = theirs.get(&(i + 1)).unwrap_or(&empty);
        if ours.is_empty() == reference.is_empty() {
            f.verdicts_agree += 1;
        }
        if !reference.is_empty() {
            f.refused += 1;
        }
        if ours == *reference {
            f.paths_agree += 1;
        } else if f.disagreements.len() < 20 {
            f.disagreements.push(format!(
                "document {}: strata {ours:?}, check.py {reference:?}\n  {}",
                i + 1,
                serde_json::to_string(&docs[i]).unwrap_or_default()
            ));
        }
    }
    f
}

/// Picks `n` items evenly from `all`, always the same ones.
fn sample(all: Vec<Value>, n: usize) -> Vec<Value> {
    if all.len() <= n {
        return all;
    }
    let step = all.len() as f64 / n as f64;
    (0..n)
        .filter_map(|i| all.get((i as f64 * step) as usize).cloned())
        .collect()
}

#[test]
fn strata_check_agrees_with_check_py_on_mutated_renders() {
    let mut v1alpha1 = Vec::new();
    let mut newer = Vec::new();
    for app in APPS {
        for node in strata::yaml::parse_documents(&build_app(app)).expect("YAML") {
            let doc = strata::yaml::json::to_json(&node).expect("JSON");
            let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            if !api.starts_with("tekton.dev/") {
                continue;
            }
            let all = std::iter::once(doc.clone()).chain(mutations(&doc));
            if api == "tekton.dev/v1alpha1" {
                v1alpha1.extend(all);
            } else {
                newer.extend(all);
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("strata-tekton-schema-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, docs, release, flag) in [
        ("v1alpha1-v0.8", &v1alpha1, Release::V0_8, "v0.8.0"),
        ("v1alpha1-v0.9", &v1alpha1, Release::V0_9, "v0.9.0"),
        ("v1-current", &newer, Release::Current, "v0.8.0"),
    ] {
        let total = docs.len();
        let n = std::env::var("STRATA_MUTATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SAMPLE);
        let docs = sample(docs.clone(), n);
        let file = dir.join(format!("{name}.yaml"));
        let text: Vec<String> = docs.iter().map(Value::to_string).collect();
        std::fs::write(&file, text.join("\n---\n") + "\n").expect("write");
        let f = compare(&file, &docs, release, flag);
        report.push(format!(
            "{name}: {} of {total} mutated documents, check.py refused {}, verdicts agree on {}, paths agree on {}",
            f.documents, f.refused, f.verdicts_agree, f.paths_agree
        ));
        if f.verdicts_agree != f.documents || f.paths_agree != f.documents {
            failures.push(format!("{name}:\n{}", f.disagreements.join("\n")));
        }
        // The mutations must exercise the validator: many documents are refused.
        if f.refused * 3 < f.documents {
            failures.push(format!("{name}: only {} refused", f.refused));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "{}\n{}",
        report.join("\n"),
        failures.join("\n")
    );
}

#[test]
fn every_app_render_is_admitted_by_its_release() {
    let dir = std::env::temp_dir().join(format!("strata-tekton-renders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    for app in APPS {
        let file = dir.join(format!("{app}.yaml"));
        std::fs::write(&file, build_app(app)).expect("write");
        // check.py with its defaults (v1alpha1 as Tekton v0.8.0, v1 as the current CRDs).
        assert_eq!(
            reference(&file, "v0.8.0"),
            BTreeMap::new(),
            "{app}: check.py"
        );
        let path = strata_tests::workspace_root().join(format!("overlays/apps/{app}.yaml"));
        let path = path.display().to_string();
        let (code, out, err) = super::catalog::strata_cli(&["check", &path]);
        assert_eq!((code, out.as_str()), (0, ""), "{app}: strata check: {err}");
        // Tekton v0.9 removed the run's serviceAccount: the v1alpha1 apps are v0.8's.
        let (code, out, _) =
            super::catalog::strata_cli(&["check", "--tekton-release", "v0.9", &path]);
        if app.ends_with("-v1") {
            assert_eq!(code, 1, "{app}: v0.9 serves no tekton.dev/v1");
        } else {
            assert_eq!(code, 1, "{app}: {out}");
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines.len(), 1, "{app}: {out}");
            assert!(
                lines[0].ends_with(": spec.serviceAccount: unknown field \"serviceAccount\""),
                "{app}: {out}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let (code, _, err) = super::catalog::strata_cli(&["check", "--tekton-release", "v0.7", "."]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid --tekton-release \"v0.7\""), "{err}");
}

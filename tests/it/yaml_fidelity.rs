//! The printer against kustomize's own output: every expected output of the shared bench
//! is already in kustomize's format, so parsing and printing it again must give the same
//! bytes. This covers thousands of real resources' scalars, quoting and folding.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use strata::yaml;
use strata_tests::shared_dir;

#[test]
fn kustomize_outputs_round_trip_byte_for_byte() {
    let dir = shared_dir().join("bench").join("expected");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() > 200,
        "expected the bench's outputs in {}",
        dir.display()
    );
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let docs = match yaml::parse_documents(&text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{}: parse: {e}", f.display()));
                continue;
            }
        };
        let docs: Vec<_> = docs.into_iter().filter(|d| !d.is_null()).collect();
        match yaml::emit_documents(&docs) {
            Ok(out) if out == text => {}
            Ok(out) => {
                let line = text
                    .lines()
                    .zip(out.lines())
                    .position(|(a, b)| a != b)
                    .map(|i| {
                        format!(
                            "line {}: want {:?} got {:?}",
                            i + 1,
                            text.lines().nth(i).unwrap_or(""),
                            out.lines().nth(i).unwrap_or("")
                        )
                    })
                    .unwrap_or_else(|| "length differs".into());
                failures.push(format!("{}: {line}", f.display()));
            }
            Err(e) => failures.push(format!("{}: emit: {e}", f.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Every YAML file of the shared corpus (real trees, kustomize's test inputs, kustomize's
/// outputs): where the fast parser accepts a document, it must give the complete parser's
/// tree, and it must accept the bulk of them (or the speed-up is lost).
#[test]
fn fast_parser_agrees_with_the_complete_parser() {
    let mut files = Vec::new();
    for sub in ["bench/corpus", "bench/expected", "conformance/cases"] {
        collect_yaml(&shared_dir().join(sub), &mut files);
    }
    files.sort();
    assert!(
        files.len() > 1000,
        "expected the shared corpus, found {} files",
        files.len()
    );
    let (mut docs, mut fast_docs, mut differ) = (0usize, 0usize, Vec::new());
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for doc in text.split("\n---\n") {
            // Each chunk ends with a line break, as inside a stream: at the very end of a
            // file without one, go-yaml (and the fast path) and yaml-rust2 read block
            // scalars differently, and the bench holds that case to kustomize's output.
            let doc = &format!("{doc}\n");
            let complete = yaml::parse_documents_complete(doc);
            if complete.is_ok() {
                docs += 1;
            }
            let Some(fast) = yaml::parse_documents_fast(doc) else {
                continue;
            };
            fast_docs += 1;
            let strip =
                |v: Vec<yaml::Node>| v.into_iter().filter(|d| !d.is_null()).collect::<Vec<_>>();
            match complete {
                Ok(c) => {
                    if strip(c) != strip(fast) {
                        differ.push(format!("{}: different trees", f.display()));
                    }
                }
                Err(e) => differ.push(format!(
                    "{}: the fast path accepted what the complete parser refuses: {e}",
                    f.display()
                )),
            }
        }
    }
    assert!(
        differ.is_empty(),
        "{} documents differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(
        fast_docs * 100 >= docs * 98,
        "the fast path took only {fast_docs} of {docs} documents"
    );
}

fn collect_yaml(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_yaml(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

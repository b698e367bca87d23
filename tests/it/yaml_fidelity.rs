//! The printer against kustomize's own output: every expected output of the shared bench
//! is already in kustomize's format, so parsing and printing it again must give the same
//! bytes. This covers thousands of real resources' scalars, quoting and folding.

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
    assert!(files.len() > 200, "expected the bench's outputs in {}", dir.display());
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
    assert!(failures.is_empty(), "{} of {} files differ:\n{}", failures.len(), files.len(), failures.join("\n"));
}

//! Printing is a fixed point after one round: whatever a text parses to prints as YAML
//! that parses back (to one document), and that tree prints and parses to itself.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use strata::yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(docs) = yaml::parse_documents(text) else {
        return;
    };
    for doc in common::non_null(docs) {
        // A value JSON cannot spell (NaN, an unreadable number) is an error, not a panic.
        let Ok(once) = yaml::emit(&doc) else {
            continue;
        };
        let reread = reparse(&once);
        let twice = yaml::emit(&reread).unwrap_or_else(|e| panic!("reprinting fails: {e}\n{once}"));
        assert_eq!(once, twice, "printing is not idempotent");
        assert_eq!(
            reparse(&twice),
            reread,
            "the reread tree changes on a second round"
        );
    }
});

/// Parses printed text, which must be exactly one non-null document.
fn reparse(printed: &str) -> yaml::Node {
    let docs = yaml::parse_documents(printed)
        .unwrap_or_else(|e| panic!("printed text does not parse: {e}\n{printed}"));
    let mut docs = common::non_null(docs);
    assert_eq!(
        docs.len(),
        1,
        "printed text is not one document:\n{printed}"
    );
    docs.remove(0)
}

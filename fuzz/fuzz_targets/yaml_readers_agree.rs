//! The YAML fast path, where it accepts a text, gives the complete parser's trees; the
//! stream reader (fast path per document, complete parser for the rest) gives the
//! complete parser's result; none of them panics.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use strata::yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // YAML (and go-yaml) refuses characters outside c-printable: the stream reader checks
    // for them before either half runs, so the halves are compared on printable text only.
    if !text.chars().all(printable) {
        assert!(
            yaml::parse_documents(text).is_err(),
            "the stream reader accepted a control character"
        );
        return;
    }
    let complete = yaml::parse_documents_complete(text).map(common::non_null);
    let stream = yaml::parse_documents(text).map(common::non_null);
    if let Some(fast) = yaml::parse_documents_fast(text) {
        match &complete {
            Ok(c) => assert_eq!(
                &common::non_null(fast),
                c,
                "fast path and complete parser differ"
            ),
            Err(e) => panic!("the fast path accepted what the complete parser refuses: {e}"),
        }
    }
    match (&stream, &complete) {
        (Ok(s), Ok(c)) => assert_eq!(s, c, "stream reader and complete parser differ"),
        (Err(_), Err(_)) => {}
        (s, c) => panic!("stream reader {s:?}, complete parser {c:?}"),
    }
});

/// YAML 1.2's c-printable (go-yaml refuses everything else: "control characters are not
/// allowed").
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

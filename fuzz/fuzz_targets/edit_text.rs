//! `strata edit`'s line editor, on any kustomization text with any operation, returns a
//! new text or an error; never a panic. A successful edit is idempotent: the same
//! operation on its result changes nothing (or is refused).
//!
//! Input: one byte choosing the operation, its arguments (space-separated) up to the
//! first line break, then the kustomization text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata::edit::{EditOp, edit_text};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let (args, text) = rest.split_once('\n').unwrap_or((rest, ""));
    let list = || args.split(' ').map(String::from).collect::<Vec<_>>();
    let op = match which % 6 {
        0 => EditOp::SetImage(list()),
        1 => EditOp::SetNamespace(args.to_string()),
        2 => EditOp::SetNamePrefix(args.to_string()),
        3 => EditOp::SetNameSuffix(args.to_string()),
        4 => EditOp::AddResource(list()),
        _ => EditOp::AddComponent(list()),
    };
    if let Ok((edited, _notes)) = edit_text(text, &op) {
        // The editor may refuse its own result (a layout it cannot change faithfully,
        // such as a quoted scalar spanning lines); what it must not do is change it.
        if let Ok((again, _)) = edit_text(&edited, &op) {
            assert_eq!(again, edited, "the edit is not idempotent");
        }
    }
});

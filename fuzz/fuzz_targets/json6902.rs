//! Any JSON 6902 patch text (JSON or YAML) applied to any resource (two texts split at the
//! first NUL byte: resource, then patch) is an error or a node that prints; never a panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use strata::patch::json6902;
use strata::yaml;

fuzz_target!(|data: &[u8]| {
    let Some((doc, patch)) = common::two_texts(data) else {
        return;
    };
    let Ok(patch) = json6902::decode(patch) else {
        return;
    };
    let Ok(doc) = yaml::parse_one(doc) else {
        return;
    };
    if let Ok(patched) = json6902::apply(&doc, &patch) {
        let _ = yaml::emit(&patched);
    }
});

//! Strategic merge of any patch into any resource (two YAML texts split at the first NUL
//! byte), with the built-in Kubernetes schema, never panics; what it returns prints.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use strata::patch::strategic_merge::merge;
use strata::schema::merge::builtin;
use strata::yaml;

fuzz_target!(|data: &[u8]| {
    let Some((dest, patch)) = common::two_texts(data) else {
        return;
    };
    let (Ok(dest), Ok(patch)) = (yaml::parse_one(dest), yaml::parse_one(patch)) else {
        return;
    };
    if let Ok(Some(merged)) = merge(dest, patch, builtin()) {
        let _ = yaml::emit(&merged);
    }
});

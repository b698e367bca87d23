//! Any text given as a kustomization file is read or refused with a message; never a
//! panic. What it accepts survives the legacy-field fold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strata::kustomization::Kustomization;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut k) = Kustomization::parse(text) {
        k.fix_legacy();
        let _ = k.is_component();
    }
});

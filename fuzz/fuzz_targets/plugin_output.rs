//! Any bytes a plugin prints decode to a ResourceList or an error; never a panic. The
//! decoder that recognises input items passed on unchanged (`decode_against`) agrees
//! with the general one: same success, same items (an unchanged item being the input
//! item, tag included), same results.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use strata::plugin::abi::{Encoded, decode, decode_against, encode_spans};
use strata::yaml::{self, Node};

/// The input a plugin was given: two small items, encoded as the host encodes them, and
/// those items as the general decoder reads them back (tagged).
fn input() -> &'static (Encoded, Vec<Node>) {
    static INPUT: OnceLock<(Encoded, Vec<Node>)> = OnceLock::new();
    INPUT.get_or_init(|| {
        let item = |name: &str| {
            yaml::parse_one(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: \"1\"\n"
            ))
            .unwrap_or_default()
        };
        let (a, b) = (item("a"), item("b"));
        let config = yaml::parse_one("kind: Config\nvalue: x\n").unwrap_or_default();
        let enc = encode_spans(&[&a, &b], &config).unwrap_or_default();
        let tagged = decode(&enc.bytes).map(|o| o.items).unwrap_or_default();
        assert_eq!(tagged.len(), 2, "the host's own encoding must decode");
        (enc, tagged)
    })
}

fuzz_target!(|data: &[u8]| {
    let (enc, tagged) = input();
    let general = decode(data);
    let against = decode_against(data, enc, None);
    match (&general, &against) {
        (Err(_), Err(_)) => {}
        (Ok(g), Ok(a)) => {
            assert_eq!(g.results, a.results, "results differ");
            assert_eq!(g.items.len(), a.items.len(), "item counts differ");
            for (k, (gi, ai)) in g.items.iter().zip(&a.items).enumerate() {
                let expected = match a.same.get(k).copied().flatten() {
                    Some(i) => &tagged[i],
                    None => ai,
                };
                assert_eq!(gi, expected, "item {k} differs");
            }
        }
        (g, a) => panic!(
            "decode {:?} but decode_against {:?}",
            g.as_ref().err(),
            a.as_ref().err()
        ),
    }
});

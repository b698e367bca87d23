//! Helpers shared by the targets (each target includes this file as `mod common`).
#![allow(dead_code, reason = "each target uses only some of the helpers")]

use strata::yaml::Node;

/// Splits an input of two texts at its first NUL byte (the second is empty without one);
/// None unless both halves are UTF-8.
pub fn two_texts(data: &[u8]) -> Option<(&str, &str)> {
    let (a, b) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    Some((std::str::from_utf8(a).ok()?, std::str::from_utf8(b).ok()?))
}

/// The documents that are not null: the parsers may or may not return empty documents.
pub fn non_null(docs: Vec<Node>) -> Vec<Node> {
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

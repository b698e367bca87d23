//! `HashTransformer` and the content-hash name suffix of generated ConfigMaps and
//! Secrets (kustomize's `hasher`).
//!
//! The hash is the SHA-256 of a Go-`encoding/json` encoding (sorted keys, HTML-escaped)
//! of the kind, an empty name (kustomize looks the name up by a path it never finds),
//! the data (and binaryData / stringData and Secret type); its first ten hex digits
//! with 0,1,3,a,e mapped to g,h,k,m,t are appended as `-<hash>`.

use crate::fs::record::sha256_hex;

use super::{Context, Transformer};
use crate::error::Result;
use crate::resource::{ResMap, Resource};
use crate::yaml::Node;
use crate::yaml::emit::JsonScalar;

/// Appends content hashes to the names of resources that ask for one.
#[derive(Clone, Debug, Default)]
pub struct HashTransformer;

impl Transformer for HashTransformer {
    fn name(&self) -> &str {
        "HashTransformer"
    }

    fn transform(&self, resources: &mut ResMap, _cx: &Context<'_>) -> Result<()> {
        add_hashes(resources);
        Ok(())
    }
}

/// Renames every resource marked `needs_hash` to `name-<hash>` and clears the mark.
pub fn add_hashes(resources: &mut ResMap) {
    for r in resources.iter_mut() {
        if !r.needs_hash {
            continue;
        }
        let h = hash(r);
        r.remember_id();
        r.drop_empty_annotations();
        let name = format!("{}-{h}", r.name());
        r.set_name(&name);
        r.needs_hash = false;
    }
    resources.fresh();
}

/// The kustomize content hash of a resource.
pub fn hash(r: &Resource) -> String {
    let mut fields: Vec<(&str, String)> = Vec::new();
    let value = |k: &str| -> Option<String> { r.node.get(k).map(go_json) };
    match r.kind() {
        "ConfigMap" => {
            fields.push(("kind", go_string("ConfigMap")));
            fields.push(("name", go_string("")));
            fields.push(("data", value("data").unwrap_or_else(|| go_string(""))));
            if let Some(b) = r.node.get("binaryData").filter(|n| n.as_map().is_some()) {
                fields.push(("binaryData", go_json(b)));
            }
        }
        "Secret" => {
            fields.push(("kind", go_string("Secret")));
            fields.push(("type", value("type").unwrap_or_else(|| go_string(""))));
            fields.push(("name", go_string("")));
            fields.push(("data", value("data").unwrap_or_else(|| go_string(""))));
            if let Some(b) = r.node.get("stringData").filter(|n| n.as_map().is_some()) {
                fields.push(("stringData", go_json(b)));
            }
        }
        _ => return encode(&sha256_hex(go_json(&r.node).as_bytes())),
    }
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", go_string(k)))
        .collect();
    encode(&sha256_hex(format!("{{{}}}", body.join(",")).as_bytes()))
}

fn encode(hex: &str) -> String {
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Encodes a node as Go's `encoding/json` would after a round trip through
/// `map[string]interface{}`: keys sorted, strings HTML-escaped.
pub fn go_json(n: &Node) -> String {
    match n {
        Node::Map(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .filter_map(|k| m.get(k).map(|v| format!("{}:{}", go_string(k), go_json(v))))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_json).collect::<Vec<_>>().join(",")
        ),
        Node::Scalar(s) => match crate::yaml::emit::json_scalar(s) {
            Ok(JsonScalar::Null) => "null".into(),
            Ok(JsonScalar::Bool(b)) => b.to_string(),
            Ok(JsonScalar::Number(n)) => n,
            Ok(JsonScalar::Str(t)) => go_string(&t),
            Err(_) => go_string(&s.value),
        },
    }
}

/// Go's `json.Marshal` of a string.
pub fn go_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    #[test]
    fn configmap_hash_matches_kustomize() {
        let n =
            parse_one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aaa\ndata:\n  a: b\n")
                .unwrap_or_default();
        assert_eq!(hash(&Resource::new(n)), "4h2mbtbbt6");
    }

    #[test]
    fn go_strings_escape_html() {
        assert_eq!(go_string("a<b>&\"\n"), "\"a\\u003cb\\u003e\\u0026\\\"\\n\"");
    }
}

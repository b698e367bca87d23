//! The wire format between the host and a plugin: a KRM `ResourceList` in on stdin,
//! one out on stdout (plugins/ABI.md).
//!
//! The host writes JSON (a subset of YAML, so any KRM function can read it), with each
//! scalar spelled as kustomize's JSON round trip spells it, so nothing a plugin sees
//! differs from what would be printed. It reads JSON with a fast path and falls back to
//! YAML for plugins that print YAML. Items are tagged with an internal annotation so
//! the host can give each output item back the bookkeeping (previous ids, generator
//! behaviour) of the input item it came from.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::yaml::emit::{JsonScalar, json_scalar};
use crate::yaml::{Map, Node, Scalar, Tag};

/// The version of the ABI this host speaks (plugins/ABI.md).
pub const ABI_VERSION: &str = "strata.dev/plugin-abi/v1";

/// The annotation carrying an item's input position through a plugin.
pub const ITEM_ANNOTATION: &str = "internal.config.kubernetes.io/strata-item";

/// A result a plugin reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginResult {
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// The resource it concerns, as `kind/name`, if given.
    pub resource: Option<String>,
    /// The field path it concerns, if given.
    pub field: Option<String>,
}

/// A result's severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported, does not fail.
    Warning,
    /// Reported.
    Info,
}

impl std::fmt::Display for PluginResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        write!(f, "{sev}: {}", self.message)?;
        if let Some(r) = &self.resource {
            write!(f, " (resource {r})")?;
        }
        if let Some(p) = &self.field {
            write!(f, " (field {p})")?;
        }
        Ok(())
    }
}

/// A decoded output `ResourceList`.
#[derive(Debug, Default)]
pub struct Output {
    /// The items, in order.
    pub items: Vec<Node>,
    /// The results.
    pub results: Vec<PluginResult>,
}

/// Encodes the input `ResourceList` as one line of JSON.
pub fn encode(items: &[&Node], function_config: &Node) -> Result<Vec<u8>, String> {
    encode_with(items, function_config, false)
}

/// Encodes the input `ResourceList`, adding [`ITEM_ANNOTATION`] with its position to
/// each item as it is written (the nodes themselves are not copied or changed).
pub fn encode_tagged(items: &[&Node], function_config: &Node) -> Result<Vec<u8>, String> {
    encode_with(items, function_config, true)
}

fn encode_with(items: &[&Node], function_config: &Node, tag: bool) -> Result<Vec<u8>, String> {
    let mut out = String::with_capacity(4096);
    out.push_str(r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":["#);
    for (i, n) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if tag {
            write_tagged(&mut out, n, i)?;
        } else {
            write_json(&mut out, n)?;
        }
    }
    out.push_str(r#"],"functionConfig":"#);
    write_json(&mut out, function_config)?;
    out.push_str("}\n");
    Ok(out.into_bytes())
}

/// Removes the item annotation from an output item (and the annotations and metadata
/// maps it leaves empty); returns the input position it names.
pub fn untag(node: &mut Node) -> Option<usize> {
    let meta = node.get_mut("metadata")?.as_map_mut()?;
    let ann: &mut Map = meta.get_mut("annotations")?.as_map_mut()?;
    let v = ann.shift_remove(ITEM_ANNOTATION)?;
    if ann.is_empty() {
        meta.shift_remove("annotations");
    }
    if meta.is_empty()
        && let Some(m) = node.as_map_mut()
    {
        m.shift_remove("metadata");
    }
    v.as_str()?.parse().ok()
}

/// Writes an item with the item annotation added under `metadata.annotations`.
fn write_tagged(out: &mut String, n: &Node, i: usize) -> Result<(), String> {
    let Node::Map(m) = n else {
        return write_json(out, n);
    };
    let tag = |out: &mut String| {
        json_string(out, ITEM_ANNOTATION);
        out.push_str(":\"");
        out.push_str(&i.to_string());
        out.push('"');
    };
    out.push('{');
    let mut first = true;
    let mut seen_meta = false;
    for (k, v) in m {
        if !first {
            out.push(',');
        }
        first = false;
        json_string(out, k);
        out.push(':');
        match (k.as_str(), v) {
            ("metadata", Node::Map(meta)) => {
                seen_meta = true;
                out.push('{');
                let mut seen_ann = false;
                for (j, (mk, mv)) in meta.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    json_string(out, mk);
                    out.push(':');
                    match (mk.as_str(), mv) {
                        ("annotations", Node::Map(a)) => {
                            seen_ann = true;
                            out.push('{');
                            for (ak, av) in a {
                                json_string(out, ak);
                                out.push(':');
                                write_json(out, av)?;
                                out.push(',');
                            }
                            tag(out);
                            out.push('}');
                        }
                        ("annotations", a) if a.is_null() => {
                            seen_ann = true;
                            out.push('{');
                            tag(out);
                            out.push('}');
                        }
                        _ => write_json(out, mv)?,
                    }
                }
                if !seen_ann {
                    if !meta.is_empty() {
                        out.push(',');
                    }
                    out.push_str("\"annotations\":{");
                    tag(out);
                    out.push('}');
                }
                out.push('}');
            }
            _ => write_json(out, v)?,
        }
    }
    if !seen_meta {
        if !first {
            out.push(',');
        }
        out.push_str("\"metadata\":{\"annotations\":{");
        tag(out);
        out.push_str("}}");
    }
    out.push('}');
    Ok(())
}

/// Writes a node as JSON, scalars as kustomize's JSON round trip spells them.
pub fn write_json(out: &mut String, n: &Node) -> Result<(), String> {
    match n {
        Node::Scalar(Scalar {
            tag: Tag::Str,
            value,
        }) => json_string(out, value),
        Node::Scalar(s) => match json_scalar(s).map_err(|e| e.0)? {
            JsonScalar::Null => out.push_str("null"),
            JsonScalar::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            JsonScalar::Number(t) => out.push_str(&t),
            JsonScalar::Str(t) => json_string(out, &t),
        },
        Node::Seq(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x)?;
            }
            out.push(']');
        }
        Node::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(out, k);
                out.push(':');
                write_json(out, v)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Decodes a plugin's stdout: a `ResourceList` in JSON or YAML.
pub fn decode(bytes: &[u8]) -> Result<Output, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "output is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("output is empty: a plugin must print a ResourceList on stdout".into());
    }
    let root = if trimmed.starts_with('{') {
        let mut de = serde_json::Deserializer::from_str(trimmed);
        NodeSeed(0)
            .deserialize(&mut de)
            .and_then(|n| de.end().map(|()| n))
            .map_err(|e| format!("output is not a valid JSON ResourceList: {e}"))?
    } else {
        let docs = crate::yaml::parse_documents(text)
            .map_err(|e| format!("output is not valid YAML: {e}"))?;
        let mut docs = docs.into_iter().filter(|d| !d.is_null());
        match (docs.next(), docs.next()) {
            (Some(d), None) => d,
            (None, _) => {
                return Err("output is empty: a plugin must print a ResourceList on stdout".into());
            }
            (Some(_), Some(_)) => {
                return Err(
                    "output has more than one YAML document; print one ResourceList".into(),
                );
            }
        }
    };
    let Node::Map(mut m) = root else {
        return Err(format!(
            "output is a {}, not a ResourceList mapping",
            root.kind_name()
        ));
    };
    match m.get("kind").and_then(Node::as_str) {
        Some("ResourceList") => {}
        Some(k) => return Err(format!("output has kind {k:?}, expected ResourceList")),
        None => return Err("output has no kind: expected kind: ResourceList".into()),
    }
    let items = match m.shift_remove("items") {
        None => Vec::new(),
        Some(n) if n.is_null() => Vec::new(),
        Some(Node::Seq(v)) => v,
        Some(n) => {
            return Err(format!(
                "output items is a {}, expected a sequence",
                n.kind_name()
            ));
        }
    };
    for (i, it) in items.iter().enumerate() {
        if it.as_map().is_none() {
            return Err(format!(
                "output items[{i}] is a {}, expected a mapping",
                it.kind_name()
            ));
        }
    }
    let results = match m.shift_remove("results") {
        None => Vec::new(),
        Some(n) if n.is_null() => Vec::new(),
        Some(Node::Seq(v)) => v.iter().map(result_of).collect(),
        Some(n) => {
            return Err(format!(
                "output results is a {}, expected a sequence",
                n.kind_name()
            ));
        }
    };
    Ok(Output { items, results })
}

fn result_of(n: &Node) -> PluginResult {
    let severity = match n.str_at(&["severity"]) {
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        _ => Severity::Info,
    };
    let message = n.str_at(&["message"]).unwrap_or("").to_string();
    let resource = n.get("resourceRef").map(|r| {
        let kind = r.str_at(&["kind"]).unwrap_or("");
        let name = r.str_at(&["name"]).unwrap_or("");
        match r.str_at(&["namespace"]) {
            Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
            _ => format!("{kind}/{name}"),
        }
    });
    let field = n.str_at(&["field", "path"]).map(str::to_string);
    PluginResult {
        severity,
        message,
        resource,
        field,
    }
}

/// The deepest nesting accepted in plugin output.
const MAX_DEPTH: usize = 512;

/// Deserialises JSON straight into a [`Node`], without an intermediate value.
struct NodeSeed(usize);

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor(self.0))
    }
}

struct NodeVisitor(usize);

fn scalar(tag: Tag, value: String) -> Node {
    Node::Scalar(Scalar { tag, value })
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::null())
    }
    fn visit_bool<E>(self, b: bool) -> Result<Node, E> {
        Ok(Node::bool(b))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(scalar(Tag::Int, v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(scalar(Tag::Int, v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        let text = crate::yaml::resolve::json_float(v)
            .ok_or_else(|| E::custom("a number JSON cannot spell"))?;
        Ok(scalar(Tag::Float, text))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::str(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(de::Error::custom("nesting too deep"));
        }
        let mut v = Vec::new();
        while let Some(x) = a.next_element_seed(NodeSeed(self.0 + 1))? {
            v.push(x);
        }
        Ok(Node::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        if self.0 >= MAX_DEPTH {
            return Err(de::Error::custom("nesting too deep"));
        }
        let mut m = Map::new();
        while let Some(k) = a.next_key::<String>()? {
            let v = a.next_value_seed(NodeSeed(self.0 + 1))?;
            if m.insert(k.clone(), v).is_some() {
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
            }
        }
        Ok(Node::Map(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{emit, parse_one};

    #[test]
    fn json_round_trip_prints_the_same_yaml() {
        let src = "a: 0x1F\nb: \"0x1F\"\nc: 1.50\nd: [true, null, ~]\ne: \"q\\\"\\n\\u0001\"\nf: 2001-12-14\ng: {}\n";
        let n = parse_one(src).unwrap();
        let mut json = String::new();
        write_json(&mut json, &n).unwrap();
        let back = NodeSeed(0)
            .deserialize(&mut serde_json::Deserializer::from_str(&json))
            .unwrap();
        assert_eq!(emit(&back).unwrap(), emit(&n).unwrap());
        assert!(json.contains(r#""a":31"#), "{json}");
    }

    #[test]
    fn tagged_encoding_adds_the_item_annotation_only() {
        let a = parse_one("kind: A\nmetadata:\n  name: x\n  annotations:\n    k: v\n").unwrap();
        let b = parse_one("kind: B\nmetadata:\n  name: y\n").unwrap();
        let c = parse_one("kind: C\n").unwrap();
        let out = encode_tagged(&[&a, &b, &c], &Node::map()).unwrap();
        let list = decode(&out).unwrap();
        for (i, (item, orig)) in list.items.iter().zip([&a, &b, &c]).enumerate() {
            assert_eq!(
                item.str_at(&["metadata", "annotations", ITEM_ANNOTATION]),
                Some(i.to_string().as_str())
            );
            let mut item = item.clone();
            assert_eq!(untag(&mut item), Some(i));
            assert_eq!(emit(&item).unwrap(), emit(orig).unwrap());
        }
    }

    #[test]
    fn decode_accepts_json_and_yaml_and_reads_results() {
        let out = decode(br#"{"kind":"ResourceList","items":[{"a":1}],"results":[{"severity":"error","message":"m","resourceRef":{"kind":"K","name":"n"}}]}"#).unwrap();
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.results[0].severity, Severity::Error);
        assert_eq!(out.results[0].to_string(), "error: m (resource K/n)");
        let out = decode(b"kind: ResourceList\nitems:\n- a: 1\n- b: 2\n").unwrap();
        assert_eq!(out.items.len(), 2);
    }

    #[test]
    fn decode_refuses_what_is_not_a_resource_list() {
        for bad in [
            &b""[..],
            b"{",
            b"kind: Other\n",
            b"[1]",
            b"kind: ResourceList\nitems: [1]\n",
            b"\xff",
            b"{\"kind\":\"ResourceList\",\"a\":1,\"a\":2}",
            b"kind: ResourceList\n---\nkind: ResourceList\n",
        ] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}

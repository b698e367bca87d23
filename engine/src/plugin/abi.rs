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
use crate::yaml::{AliasBudget, Map, Node, Scalar, Tag};

/// The version of the ABI this host speaks (plugins/ABI.md).
pub use strata_plugin_abi::ABI_VERSION;

/// The annotation carrying an item's input position through a plugin.
pub const ITEM_ANNOTATION: &str = "internal.config.kubernetes.io/strata-item";

pub use crate::error::plugin::{PluginResult, Severity};

/// A decoded output `ResourceList`.
#[derive(Debug, Default)]
pub struct Output {
    /// The items, in order.
    pub items: Vec<Node>,
    /// The results.
    pub results: Vec<PluginResult>,
    /// Empty, or one entry per item: `Some(i)` when the item's text is byte for byte
    /// the text of input item `i` (its tag included); `items` then holds an empty
    /// placeholder and the caller keeps input item `i` as it was.
    pub same: Vec<Option<usize>>,
}

/// An encoded input `ResourceList`, with where each item's text lies in it.
#[derive(Debug, Default)]
pub struct Encoded {
    /// The bytes sent on stdin.
    pub bytes: Vec<u8>,
    /// The byte range of each item in `bytes`.
    pub spans: Vec<std::ops::Range<usize>>,
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

/// Encodes the input `ResourceList` as [`encode_tagged`] does, and records where each
/// item lies, so [`decode_against`] can recognise items passed on unchanged.
pub fn encode_spans(items: &[&Node], function_config: &Node) -> Result<Encoded, String> {
    encode_inner(items, function_config, true)
}

fn encode_with(items: &[&Node], function_config: &Node, tag: bool) -> Result<Vec<u8>, String> {
    encode_inner(items, function_config, tag).map(|e| e.bytes)
}

fn encode_inner(items: &[&Node], function_config: &Node, tag: bool) -> Result<Encoded, String> {
    let mut out = String::with_capacity(4096);
    let mut spans = Vec::with_capacity(items.len());
    out.push_str(r#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":["#);
    for (i, n) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let start = out.len();
        if tag {
            write_tagged(&mut out, n, i)?;
        } else {
            write_json(&mut out, n)?;
        }
        spans.push(start..out.len());
    }
    out.push_str(r#"],"functionConfig":"#);
    write_json(&mut out, function_config)?;
    out.push_str("}\n");
    Ok(Encoded {
        bytes: out.into_bytes(),
        spans,
    })
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
            ..
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
    // Only ASCII bytes are escaped, so every index here is a char boundary.
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Decodes a plugin's stdout: a `ResourceList` in JSON or YAML.
pub fn decode(bytes: &[u8]) -> Result<Output, String> {
    decode_in(bytes, None)
}

/// [`decode`] for a plugin run by a build: what the aliases of YAML output expand to
/// also counts against the build's `budget`, as for the build's files.
pub fn decode_in(bytes: &[u8], budget: Option<&AliasBudget>) -> Result<Output, String> {
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
        within_depth(text)?;
        let docs = match budget {
            Some(b) => crate::yaml::parse_documents_in(text, b),
            None => crate::yaml::parse_documents(text),
        }
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
    finish(root, None)
}

/// Decodes a plugin's stdout as [`decode`] does; in JSON output, an item whose text is
/// byte for byte that of the input item expected next is not parsed but marked in
/// [`Output::same`] (a plugin passing items on unchanged costs the host no parsing).
pub fn decode_against(
    bytes: &[u8],
    input: &Encoded,
    budget: Option<&AliasBudget>,
) -> Result<Output, String> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some((m, items, same)) = fast_json(text.trim_start(), input)
    {
        return finish(Node::Map(m), Some((items, same)));
    }
    // Anything the fast path does not take (YAML, errors) gets the general decoder and
    // its messages.
    decode_in(bytes, budget)
}

/// A JSON cursor over the output text.
struct Cursor<'a> {
    s: &'a str,
    p: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.p < b.len() && matches!(b[self.p], b' ' | b'\n' | b'\r' | b'\t') {
            self.p += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        let hit = self.s.as_bytes().get(self.p) == Some(&c);
        if hit {
            self.p += 1;
        }
        hit
    }

    fn rest(&self) -> &'a [u8] {
        self.s.as_bytes().get(self.p..).unwrap_or_default()
    }

    /// A key without escapes (None otherwise: the general decoder takes over).
    fn key(&mut self) -> Option<&'a str> {
        if !self.eat(b'"') {
            return None;
        }
        // A control character is not allowed in a JSON string: the general decoder says so.
        let len = self
            .rest()
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        let k = self.s.get(self.p..self.p + len)?;
        if self.rest().get(len) != Some(&b'"') {
            return None;
        }
        self.p += len + 1;
        Some(k)
    }

    fn value(&mut self) -> Option<Node> {
        let rest = self.s.get(self.p..)?;
        let mut it = serde_json::Deserializer::from_str(rest).into_iter::<OwnedNode>();
        let n = it.next()?.ok()?;
        self.p += it.byte_offset();
        Some(n.0)
    }
}

/// A [`Node`] deserialised with [`NodeSeed`].
struct OwnedNode(Node);

impl<'de> serde::Deserialize<'de> for OwnedNode {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<OwnedNode, D::Error> {
        NodeSeed(0).deserialize(d).map(OwnedNode)
    }
}

type Fast = (Map, Vec<Node>, Vec<Option<usize>>);

/// The fast path of [`decode_against`]: a top-level JSON object read key by key, its
/// `items` element by element, each compared with the input item expected next.
fn fast_json(text: &str, input: &Encoded) -> Option<Fast> {
    let mut c = Cursor { s: text, p: 0 };
    let mut m = Map::new();
    let (mut items, mut same) = (Vec::new(), Vec::new());
    let mut seen_items = false;
    if !c.eat(b'{') {
        return None;
    }
    if !c.eat(b'}') {
        loop {
            let k = c.key()?;
            if !c.eat(b':') {
                return None;
            }
            if k == "items" {
                if seen_items || !c.eat(b'[') {
                    return None;
                }
                seen_items = true;
                // Input items matched so far lie before `next`: each is matched once.
                let mut next = 0usize;
                if !c.eat(b']') {
                    loop {
                        c.ws();
                        let hit = input
                            .spans
                            .get(next)
                            .and_then(|r| input.bytes.get(r.clone()))
                            .filter(|b| c.rest().starts_with(b));
                        if let Some(b) = hit {
                            c.p += b.len();
                            items.push(Node::map());
                            same.push(Some(next));
                            next += 1;
                        } else {
                            // Not the expected item (one was dropped, reordered or
                            // changed): parse it; its tag says where the input is.
                            let start = c.p;
                            let n = c.value()?;
                            let tag = n
                                .str_at(&["metadata", "annotations", ITEM_ANNOTATION])
                                .and_then(|t| t.parse::<usize>().ok())
                                .filter(|&i| i >= next);
                            let unchanged = tag.is_some_and(|i| {
                                let text = text.as_bytes().get(start..c.p);
                                input.spans.get(i).and_then(|r| input.bytes.get(r.clone())) == text
                            });
                            if let Some(i) = tag {
                                next = i + 1;
                            }
                            if unchanged {
                                items.push(Node::map());
                                same.push(tag);
                            } else {
                                items.push(n);
                                same.push(None);
                            }
                        }
                        if c.eat(b',') {
                            continue;
                        }
                        if c.eat(b']') {
                            break;
                        }
                        return None;
                    }
                }
            } else {
                c.ws();
                let v = c.value()?;
                if m.insert(k.to_string(), v).is_some() {
                    return None;
                }
            }
            if c.eat(b',') {
                continue;
            }
            if c.eat(b'}') {
                break;
            }
            return None;
        }
    }
    c.ws();
    if c.p != text.len() {
        return None;
    }
    Some((m, items, same))
}

/// A `ResourceList` already read as YAML (an exec function's output), checked and taken
/// apart as [`decode`] does.
pub(super) fn decode_list(root: Node) -> Result<Output, String> {
    finish(root, None)
}

/// Checks a decoded root and takes its items (or the fast path's) and results.
fn finish(root: Node, fast: Option<(Vec<Node>, Vec<Option<usize>>)>) -> Result<Output, String> {
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
    let (items, same) = match fast {
        Some(f) => f,
        None => (take_items(&mut m)?, Vec::new()),
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
    Ok(Output {
        items,
        results,
        same,
    })
}

fn take_items(m: &mut Map) -> Result<Vec<Node>, String> {
    match m.shift_remove("items") {
        None => Ok(Vec::new()),
        Some(n) if n.is_null() => Ok(Vec::new()),
        Some(Node::Seq(v)) => Ok(v),
        Some(n) => Err(format!(
            "output items is a {}, expected a sequence",
            n.kind_name()
        )),
    }
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

/// The deepest nesting accepted in plugin output, counting the `ResourceList` itself:
/// serde_json's recursion limit, which the JSON decoder keeps; YAML gets the same bound.
/// Building, printing and dropping a tree recurse, so depth is refused before a tree is
/// built (plugins/ABI.md).
pub const MAX_DEPTH: usize = 128;

/// Refuses YAML output nesting deeper than [`MAX_DEPTH`], an alias counting as deep as
/// the node it names, by one pass over the (non-recursive) parser's events, before the
/// tree builder (which recurses) sees the text; a syntax error is reported here too, so
/// the builder never descends into text this pass did not measure.
pub(super) fn within_depth(text: &str) -> Result<(), String> {
    use yaml_rust2::parser::{Event, Parser};
    let too_deep = |line: usize| {
        Err(format!(
            "output nests deeper than {MAX_DEPTH} levels (line {line}); plugins/ABI.md bounds the depth"
        ))
    };
    let mut p = Parser::new_from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    // Per open collection: its anchor and the height of its highest child so far.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut heights: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    loop {
        let (ev, mark) = match p.next_token() {
            Ok(t) => t,
            // The scanner reads ahead and stops flow nesting at 255 levels.
            Err(e) if e.info() == "recursion limit exceeded" => return too_deep(e.marker().line()),
            Err(e) => {
                return Err(format!(
                    "output is not valid YAML: line {}, column {}: {}",
                    e.marker().line(),
                    e.marker().col() + 1,
                    e.info()
                ));
            }
        };
        let height = match ev {
            Event::StreamEnd => return Ok(()),
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, 0));
                if open.len() > MAX_DEPTH {
                    return too_deep(mark.line());
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((anchor, h)) = open.pop() else {
                    continue;
                };
                if anchor > 0 {
                    heights.insert(anchor, h + 1);
                }
                h + 1
            }
            Event::Scalar(_, _, anchor, _) => {
                if anchor > 0 {
                    heights.insert(anchor, 0);
                }
                0
            }
            Event::Alias(id) => heights.get(&id).copied().unwrap_or(0),
            _ => continue,
        };
        if open.len() + height > MAX_DEPTH {
            return too_deep(mark.line());
        }
        if let Some(top) = open.last_mut() {
            top.1 = top.1.max(height);
        }
    }
}

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
    Node::Scalar(Scalar::new(tag, value))
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
    fn yaml_output_aliases_count_against_the_builds_budget() {
        let out = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- &a {apiVersion: v1, kind: A, metadata: {name: a}}\n- *a\n- *a\n";
        assert_eq!(decode_in(out, None).map(|o| o.items.len()), Ok(3));
        let roomy = AliasBudget::default();
        assert_eq!(decode_in(out, Some(&roomy)).map(|o| o.items.len()), Ok(3));
        // A budget of 20 nodes lasts a few outputs, then the build is refused.
        let tight = AliasBudget::new(20);
        let fits = (0..100)
            .take_while(|_| decode_in(out, Some(&tight)).is_ok())
            .count();
        assert!((1..20).contains(&fits), "{fits}");
        let e = decode_in(out, Some(&tight)).unwrap_err();
        assert!(e.contains("aliases"), "{e}");
    }

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
    fn items_passed_on_unchanged_are_recognised_not_parsed() {
        let a = parse_one("kind: A\nmetadata:\n  name: x\n").unwrap();
        let b = parse_one("kind: B\nmetadata:\n  name: y\n").unwrap();
        let c = parse_one("kind: C\nmetadata:\n  name: z\n").unwrap();
        let enc = encode_spans(&[&a, &b, &c], &Node::map()).unwrap();
        let text = |r: &std::ops::Range<usize>| String::from_utf8(enc.bytes[r.clone()].to_vec());
        let (ta, tc) = (text(&enc.spans[0]).unwrap(), text(&enc.spans[2]).unwrap());
        // Item 0 unchanged, item 1 dropped, a new item, item 2 unchanged, whitespace.
        let out = format!(
            "{{\"kind\": \"ResourceList\", \"items\": [ {ta} ,{{\"kind\":\"D\"}},{tc}], \"results\":[{{\"severity\":\"info\",\"message\":\"m\"}}]}}\n"
        );
        let o = decode_against(out.as_bytes(), &enc, None).unwrap();
        assert_eq!(o.same, vec![Some(0), None, Some(2)]);
        assert_eq!(o.items[1].str_at(&["kind"]), Some("D"));
        assert_eq!(o.results.len(), 1);
        // A changed item is parsed; its tag still says where it came from.
        let changed = ta.replace("\"x\"", "\"x2\"");
        let out = format!("{{\"kind\":\"ResourceList\",\"items\":[{changed},{tc}]}}");
        let o = decode_against(out.as_bytes(), &enc, None).unwrap();
        assert_eq!(o.same, vec![None, Some(2)]);
        assert_eq!(o.items[0].str_at(&["metadata", "name"]), Some("x2"));
        // The same text twice is matched once.
        let out = format!("{{\"kind\":\"ResourceList\",\"items\":[{ta},{ta}]}}");
        let o = decode_against(out.as_bytes(), &enc, None).unwrap();
        assert_eq!(o.same, vec![Some(0), None]);
        // Errors and YAML get the general decoder.
        let bad = format!("{{\"kind\":\"ResourceList\",\"items\":[{ta}");
        assert_eq!(
            decode_against(bad.as_bytes(), &enc, None).unwrap_err(),
            decode(bad.as_bytes()).unwrap_err()
        );
        let dup = "{\"kind\":\"ResourceList\",\"kind\":\"X\"}";
        assert!(decode_against(dup.as_bytes(), &enc, None).is_err());
        let yaml = "kind: ResourceList\nitems:\n- kind: A\n";
        let o = decode_against(yaml.as_bytes(), &enc, None).unwrap();
        assert_eq!((o.items.len(), o.same.len()), (1, 0));
    }

    /// Found by fuzz/plugin_output: the fast path took a key holding a raw control
    /// character, which the general decoder (and JSON) refuses.
    #[test]
    fn fast_path_refuses_what_the_general_decoder_refuses() {
        let enc = encode_spans(&[], &Node::map()).unwrap();
        let out = b"{\"kind\":\"ResourceList\",\"\x01\":{}}";
        assert!(decode(out).is_err());
        assert!(decode_against(out, &enc, None).is_err());
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

    #[test]
    fn deep_output_is_refused_not_recursed_into() {
        let deep = |open: &str, close: &str, n: usize| -> Vec<u8> {
            format!(
                "{{\"kind\":\"ResourceList\",\"items\":[{{\"a\":{}{}}}]}}",
                open.repeat(n),
                close.repeat(n)
            )
            .into_bytes()
        };
        assert!(decode(&deep("[", "]", 100)).is_ok());
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let e = decode(&deep(open, close, 100_000)).unwrap_err();
            assert!(e.contains("recursion limit"), "{e}");
        }
        let yaml = format!("kind: ResourceList\nitems:\n- a: {}\n", "[".repeat(100_000));
        let e = decode(yaml.as_bytes()).unwrap_err();
        assert!(e.contains("deeper than 128"), "{e}");
        let block: String = (0..200)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let e = decode(format!("kind: ResourceList\nitems:\n{block}").as_bytes()).unwrap_err();
        assert!(e.contains("deeper than 128"), "{e}");
        // Aliases count as deep as what they name: 200 anchors, each wrapping the last.
        let mut chain = String::from("kind: ResourceList\nx0: &a0 [1]\n");
        for i in 1..200 {
            chain.push_str(&format!("x{i}: &a{i} [*a{}]\n", i - 1));
        }
        let e = decode(chain.as_bytes()).unwrap_err();
        assert!(e.contains("deeper than 128"), "{e}");
        let ok = "kind: ResourceList\nitems:\n- a: [[[1]]]\n  b: &x {c: [d]}\n  e: *x\n";
        assert!(decode(ok.as_bytes()).is_ok());
    }
}

//! YAML to JSON as `sigs.k8s.io/yaml.YAMLToJSON` does it (go-yaml v2, YAML 1.1), for
//! JSON 6902 patches written in YAML and for the kustomization fields kustomize decodes
//! that way.
//!
//! kustomize reads such patches with YAML 1.1 rules, unlike resources: plain `yes`, `on`,
//! `y` are `true` and `no`, `off`, `n` are `false` (keys too, which become "true" and
//! "false"), leading-zero integers are octal. Only the first document counts.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::parse::{AliasBudget, MAX_ALIAS_NODES_PER_FILE, UnterminatedEnd};
use super::resolve::{GoInt, parse_go_int, parse_timestamp, timestamp_json};

/// The most values aliases may expand to before the patch is refused ("billion laughs"):
/// the per-file bound resources have (yaml::parse).
const MAX_ALIAS_EXPANSION: usize = MAX_ALIAS_NODES_PER_FILE;

/// Anchored values with their sizes, and the values aliases have expanded to so far.
#[derive(Default)]
struct Anchors {
    values: HashMap<usize, (Value, usize)>,
    expanded: usize,
    limit: usize,
}

/// Converts the first document of `text` to JSON. `Err` is the parser's message.
pub fn to_json(text: &str) -> Result<Value, String> {
    to_json_within(text, MAX_ALIAS_EXPANSION)
}

/// [`to_json`] for a file of a build: what its aliases expand to also counts against
/// the build's `budget`.
pub fn to_json_in(text: &str, budget: &AliasBudget) -> Result<Value, String> {
    let mut anchors = Anchors {
        limit: MAX_ALIAS_EXPANSION,
        ..Anchors::default()
    };
    let v = first_document(text, &mut anchors)?;
    if anchors.expanded > 0 && !budget.take(anchors.expanded) {
        return Err(format!(
            "the patch's aliases expand to too many values: the files of this build together may expand to {}",
            super::parse::MAX_ALIAS_NODES_PER_BUILD
        ));
    }
    Ok(v)
}

fn to_json_within(text: &str, limit: usize) -> Result<Value, String> {
    let mut anchors = Anchors {
        limit,
        ..Anchors::default()
    };
    first_document(text, &mut anchors)
}

fn first_document(text: &str, anchors: &mut Anchors) -> Result<Value, String> {
    let text = super::parse::without_unterminated_spaces(text);
    let mut p = Parser::new_from_str(text);
    let end = UnterminatedEnd::new(text);
    loop {
        let (ev, mark) = p.next_token().map_err(|e| e.to_string())?;
        match ev {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => {}
            Event::StreamEnd | Event::DocumentEnd => return Ok(Value::Null),
            other => return node(&mut p, other, mark, &mut Reader { anchors, end: &end }),
        }
    }
}

/// What reading a document needs besides the parser.
struct Reader<'a> {
    anchors: &'a mut Anchors,
    end: &'a UnterminatedEnd,
}

fn size(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(size).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

fn node(
    p: &mut Parser<std::str::Chars<'_>>,
    ev: Event,
    mark: yaml_rust2::scanner::Marker,
    r: &mut Reader<'_>,
) -> Result<Value, String> {
    let (v, anchor) = match ev {
        Event::Scalar(mut value, style, anchor, tag) => {
            if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
                value = r.end.trim(value, mark.line().saturating_sub(1), mark.col());
            }
            let explicit = tag.as_ref().map(|t| t.suffix.as_str());
            (scalar(&value, style, explicit), anchor)
        }
        Event::Alias(id) => {
            let anchors = &mut *r.anchors;
            let (v, n) = anchors.values.get(&id).ok_or("unknown anchor")?;
            anchors.expanded += n;
            if anchors.expanded > anchors.limit {
                return Err("the patch's aliases expand to too many values".into());
            }
            return Ok(v.clone());
        }
        Event::SequenceStart(anchor, _) => {
            let mut items = Vec::new();
            loop {
                let (ev, m) = p.next_token().map_err(|e| e.to_string())?;
                if matches!(ev, Event::SequenceEnd) {
                    break;
                }
                items.push(node(p, ev, m, r)?);
            }
            (Value::Array(items), anchor)
        }
        Event::MappingStart(anchor, _) => {
            let mut m = Map::new();
            loop {
                let (ev, km) = p.next_token().map_err(|e| e.to_string())?;
                if matches!(ev, Event::MappingEnd) {
                    break;
                }
                let k = node(p, ev, km, r)?;
                let (vev, vm) = p.next_token().map_err(|e| e.to_string())?;
                let v = node(p, vev, vm, r)?;
                m.insert(key_string(k)?, v);
            }
            (Value::Object(m), anchor)
        }
        other => return Err(format!("unexpected YAML event {other:?}")),
    };
    if anchor > 0 {
        r.anchors.values.insert(anchor, (v.clone(), size(&v)));
    }
    Ok(v)
}

/// A mapping key as JSON has it; sigs.k8s.io/yaml refuses a mapping or sequence key.
fn key_string(k: Value) -> Result<String, String> {
    match k {
        Value::String(s) => Ok(s),
        Value::Null => Ok("null".into()),
        Value::Array(_) | Value::Object(_) => {
            Err("a mapping or sequence cannot be a mapping key in a JSON patch".into())
        }
        other => Ok(other.to_string()),
    }
}

/// The JSON value go-yaml v2 gives a plain scalar of this text (YAML 1.1: `yes` is
/// `true`, `0777` is 511, `1.20` a number).
pub fn plain_json(text: &str) -> Value {
    scalar(text, TScalarStyle::Plain, None)
}

fn scalar(value: &str, style: TScalarStyle, explicit: Option<&str>) -> Value {
    match explicit {
        Some("str") => return Value::String(value.to_string()),
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != TScalarStyle::Plain && explicit.is_none() {
        return Value::String(value.to_string());
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let plain: String = value.chars().filter(|&c| c != '_').collect();
    if let Some(n) = int_v2(&plain) {
        return n;
    }
    if is_v2_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Value::Number(n);
    }
    if let Some(t) = parse_timestamp(value) {
        return Value::String(timestamp_json(&t));
    }
    Value::String(value.to_string())
}

/// go-yaml v2 integers: Go's base-0 rules (leading 0 is octal), then unsigned.
fn int_v2(s: &str) -> Option<Value> {
    let first = s.as_bytes().first()?;
    if !(first.is_ascii_digit() || *first == b'-' || *first == b'+') {
        return None;
    }
    match parse_go_int(s)? {
        GoInt::I(i) => Some(Value::Number(Number::from(i))),
        GoInt::U(u) => Some(Value::Number(Number::from(u))),
    }
}

/// go-yaml v2's `yamlStyleFloat`: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_v2_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    } else {
        if !digits(&mut i) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_and_numbers() {
        let v = to_json(
            "a: yes\non: off\nq: \"yes\"\nn: 1e3\no: 010\nb: 12345678901234567890\nx: 1.5\n",
        )
        .unwrap_or_default();
        assert_eq!(v["a"], Value::Bool(true));
        assert_eq!(v["true"], Value::Bool(false));
        assert_eq!(v["q"], Value::String("yes".into()));
        assert_eq!(v["false"].as_f64(), Some(1000.0));
        assert_eq!(v["o"], serde_json::json!(8));
        assert_eq!(v["b"], serde_json::json!(12345678901234567890u64));
        assert_eq!(v["x"], serde_json::json!(1.5));
    }

    /// Found by fuzz/json6902: nested flow mappings as keys were spelled as JSON text,
    /// doubling the escapes at each level (minutes and gigabytes for 300 bytes).
    #[test]
    fn collection_keys_are_refused() {
        assert!(to_json("{[a]: 1}").is_err());
        let deep = format!("{}{}", "{".repeat(80), "}".repeat(80));
        assert!(to_json(&deep).is_err());
    }

    #[test]
    fn a_block_scalar_at_an_unterminated_end_has_no_final_break() {
        // kustomize trims an inline patch, so its last block scalar ends the text; go-yaml
        // reads no line break after it (checked with the oracle: `r: e`, not `r: |` e).
        let v = |text: &str| to_json(text).unwrap()[0]["value"].clone();
        assert_eq!(v("- op: add\n  value: |\n    e\n    f"), "e\nf");
        assert_eq!(v("- op: add\n  value: >+\n    e\n    f"), "e f");
        assert_eq!(v("- op: add\n  value: |\n    e\n"), "e\n");
        assert_eq!(v("- value: |\n    e\n  op: add"), "e\n");
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = to_json_within(&text, 100_000).err().unwrap_or_default();
        assert!(e.contains("too many"), "{e}");
        let small = "a: &a [x, x]\nb: [*a, *a]\n";
        assert_eq!(
            to_json_within(small, 6).ok(),
            Some(serde_json::json!({"a": ["x", "x"], "b": [["x", "x"], ["x", "x"]]}))
        );
    }

    #[test]
    fn the_files_of_a_build_share_one_alias_budget() {
        // Each text expands its aliases to 6 values; a budget of 10 takes one of them.
        let small = "a: &a [x, x]\nb: [*a, *a]\n";
        let budget = AliasBudget::new(10);
        assert!(to_json_in(small, &budget).is_ok());
        let e = to_json_in(small, &budget).unwrap_err();
        assert!(e.contains("files of this build together"), "{e}");
        assert!(
            to_json_in("a: [x]\n", &budget).is_ok(),
            "no alias, no charge"
        );
    }
}

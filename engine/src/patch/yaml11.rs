//! YAML to JSON as `sigs.k8s.io/yaml.YAMLToJSON` does it (go-yaml v2, YAML 1.1), for
//! JSON 6902 patches written in YAML.
//!
//! kustomize reads such patches with YAML 1.1 rules, unlike resources: plain `yes`, `on`,
//! `y` are `true` and `no`, `off`, `n` are `false` (keys too, which become "true" and
//! "false"), leading-zero integers are octal. Only the first document counts.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use crate::yaml::resolve::{GoInt, parse_go_int, parse_timestamp, timestamp_json};

/// Converts the first document of `text` to JSON. `Err` is the parser's message.
pub fn to_json(text: &str) -> Result<Value, String> {
    let mut p = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, Value> = HashMap::new();
    loop {
        let (ev, _) = p.next_token().map_err(|e| e.to_string())?;
        match ev {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => {}
            Event::StreamEnd | Event::DocumentEnd => return Ok(Value::Null),
            other => return node(&mut p, other, &mut anchors),
        }
    }
}

fn node(
    p: &mut Parser<std::str::Chars<'_>>,
    ev: Event,
    anchors: &mut HashMap<usize, Value>,
) -> Result<Value, String> {
    let (v, anchor) = match ev {
        Event::Scalar(value, style, anchor, tag) => {
            let explicit = tag.as_ref().map(|t| t.suffix.as_str());
            (scalar(&value, style, explicit), anchor)
        }
        Event::Alias(id) => {
            return anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| "unknown anchor".to_string());
        }
        Event::SequenceStart(anchor, _) => {
            let mut items = Vec::new();
            loop {
                let (ev, _) = p.next_token().map_err(|e| e.to_string())?;
                if matches!(ev, Event::SequenceEnd) {
                    break;
                }
                items.push(node(p, ev, anchors)?);
            }
            (Value::Array(items), anchor)
        }
        Event::MappingStart(anchor, _) => {
            let mut m = Map::new();
            loop {
                let (ev, _) = p.next_token().map_err(|e| e.to_string())?;
                if matches!(ev, Event::MappingEnd) {
                    break;
                }
                let k = node(p, ev, anchors)?;
                let (vev, _) = p.next_token().map_err(|e| e.to_string())?;
                let v = node(p, vev, anchors)?;
                m.insert(key_string(&k), v);
            }
            (Value::Object(m), anchor)
        }
        other => return Err(format!("unexpected YAML event {other:?}")),
    };
    if anchor > 0 {
        anchors.insert(anchor, v.clone());
    }
    Ok(v)
}

fn key_string(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
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
}

//! Conversions between [`Node`] and `serde_json::Value`.
//!
//! kustomize applies JSON 6902 patches by marshalling a resource to JSON, patching the
//! JSON and reading it back, so scalars take their JSON types on the way: integers and
//! floats become numbers (spelled as kustomize's JSON round trip spells them),
//! timestamps become strings, and everything read back from JSON gets the matching tag.

use serde_json::{Map as JsonMap, Number, Value};

use super::emit::{EmitError, JsonScalar, json_scalar};
use super::node::{Map, Node, Scalar, Tag};
use super::resolve::{go_g, resolve_plain};

/// Deserializes a node to a serde type as kustomize reads configs (sigs.k8s.io/yaml:
/// YAML to JSON, then Go's `encoding/json`): through [`to_json`], so a scalar brings its
/// JSON type (`1` is a number, refused where a string belongs). The one conversion from
/// a node to a serde type. `Err` is the message.
pub fn from_node<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, String> {
    let v = to_json(node).map_err(|e| e.to_string())?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Converts a node to JSON. Fails only for values JSON cannot carry (NaN, infinities).
pub fn to_json(node: &Node) -> Result<Value, EmitError> {
    Ok(match node {
        Node::Scalar(s) => scalar_to_json(s)?,
        Node::Seq(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Node::Map(m) => {
            let mut out = JsonMap::new();
            for (k, v) in m {
                out.insert(k.clone(), to_json(v)?);
            }
            Value::Object(out)
        }
    })
}

fn scalar_to_json(s: &Scalar) -> Result<Value, EmitError> {
    Ok(match json_scalar(s)? {
        JsonScalar::Null => Value::Null,
        JsonScalar::Bool(b) => Value::Bool(b),
        JsonScalar::Str(t) => Value::String(t.into_owned()),
        JsonScalar::Number(n) => match serde_json::from_str::<Number>(&n) {
            Ok(num) => Value::Number(num),
            Err(_) => Value::String(n),
        },
    })
}

/// Converts JSON to a node, tagging scalars by their JSON type.
pub fn from_json(value: &Value) -> Node {
    match value {
        Value::Null => Node::null(),
        Value::Bool(b) => Node::bool(*b),
        Value::Number(n) => {
            let tag = if n.is_i64() || n.is_u64() {
                Tag::Int
            } else {
                Tag::Float
            };
            Node::Scalar(Scalar::new(tag, n.to_string()))
        }
        Value::String(s) => Node::str(s.clone()),
        Value::Array(items) => Node::Seq(items.iter().map(from_json).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), from_json(v));
            }
            Node::Map(out)
        }
    }
}

/// Converts JSON to a node as kustomize reads JSON back into a resource (Go's
/// `encoding/json` into `interface{}`, then go-yaml v3): every number is a float64,
/// written in Go's shortest `%g` form and re-resolved, so `3` stays an integer while
/// integers beyond 2^53 lose precision exactly as they do in kustomize.
pub fn from_json_go(value: &Value) -> Node {
    match value {
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            let text = go_g(f);
            Node::Scalar(Scalar::new(resolve_plain(&text), text))
        }
        Value::Array(items) => Node::Seq(items.iter().map(from_json_go).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), from_json_go(v));
            }
            Node::Map(out)
        }
        other => from_json(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    #[test]
    fn round_trip_keeps_scalar_types() {
        let n = parse_one("a: 1\nb: \"1\"\nc: true\nd: 1.5\ne: null\nf: [x, 0x10]\n")
            .unwrap_or_default();
        let j = to_json(&n).unwrap_or_default();
        assert_eq!(j["a"], serde_json::json!(1));
        assert_eq!(j["b"], serde_json::json!("1"));
        assert_eq!(j["f"][1], serde_json::json!(16));
        let back = from_json(&j);
        assert_eq!(
            back.get("a").and_then(Node::as_scalar).map(|s| s.tag),
            Some(Tag::Int)
        );
        assert_eq!(
            back.get("b").and_then(Node::as_scalar).map(|s| s.tag),
            Some(Tag::Str)
        );
        assert_eq!(
            back.get("d").and_then(Node::as_scalar).map(|s| s.tag),
            Some(Tag::Float)
        );
        assert!(back.get("e").is_some_and(Node::is_null));
        let go =
            from_json_go(&serde_json::json!({"i": 3, "f": 1.5, "big": 12345678901234567890u64}));
        assert_eq!(
            go.get("i").and_then(Node::as_scalar).map(|s| s.tag),
            Some(Tag::Int)
        );
        assert_eq!(go.str_at(&["big"]), Some("1.2345678901234567e+19"));
    }
}

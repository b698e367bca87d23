//! Conversions between [`Node`] and `serde_json::Value`.
//!
//! kustomize applies JSON 6902 patches by marshalling a resource to JSON, patching the
//! JSON and reading it back, so scalars take their JSON types on the way: integers and
//! floats become numbers (spelled as kustomize's JSON round trip spells them),
//! timestamps become strings, and everything read back from JSON gets the matching tag.

use serde_json::{Map as JsonMap, Number, Value};

use super::emit::{EmitError, JsonScalar, json_scalar};
use super::node::{Map, Node, Scalar, Tag};
use super::resolve::{go_g, go_g32, resolve_plain};

/// Deserializes a node to a serde type as kustomize reads configs (sigs.k8s.io/yaml:
/// YAML to JSON, then Go's `encoding/json`): through [`to_json`], so a scalar brings its
/// JSON type, except that a number or boolean where the target is a string becomes the
/// string sigs.k8s.io/yaml makes of it (`newTag: 1.20` is the tag `1.2`, `true` is
/// `"true"`), as its YAML-to-JSON step converts toward the target's types. A number
/// where a list or map belongs is still refused. The one conversion from a node to a
/// serde type. `Err` is the message.
pub fn from_node<T: serde::de::DeserializeOwned>(node: &Node) -> Result<T, String> {
    let v = to_json(node).map_err(|e| e.to_string())?;
    T::deserialize(GoTarget(v)).map_err(|e| e.to_string())
}

/// A JSON value read toward a target type as sigs.k8s.io/yaml reads YAML: where the
/// target asks for a string, a number or boolean gives its Go spelling.
struct GoTarget(Value);

/// The string sigs.k8s.io/yaml makes of a number (`strconv.FormatInt`, or
/// `FormatFloat(f, 'g', -1, 32)` for a float).
fn go_number_string(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        go_g32(n.as_f64().unwrap_or_default())
    }
}

impl<'de> serde::Deserializer<'de> for GoTarget {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => v.visit_seq(GoSeq(items.into_iter())),
            Value::Object(m) => v.visit_map(GoMap {
                entries: m.into_iter(),
                value: None,
            }),
            other => other.deserialize_any(v),
        }
    }

    fn deserialize_str<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Number(n) => v.visit_string(go_number_string(&n)),
            Value::Bool(b) => v.visit_string(b.to_string()),
            Value::Null => v.visit_string(String::new()),
            other => GoTarget(other).deserialize_any(v),
        }
    }

    fn deserialize_seq<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_seq(GoSeq(Vec::new().into_iter())),
            other => GoTarget(other).deserialize_any(v),
        }
    }

    fn deserialize_map<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_map(GoMap {
                entries: JsonMap::new().into_iter(),
                value: None,
            }),
            other => GoTarget(other).deserialize_any(v),
        }
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.deserialize_map(v)
    }

    fn deserialize_bool<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_bool(false),
            other => other.deserialize_bool(v),
        }
    }

    fn deserialize_i64<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_i64(0),
            other => other.deserialize_i64(v),
        }
    }

    fn deserialize_u64<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_u64(0),
            other => other.deserialize_u64(v),
        }
    }

    fn deserialize_f64<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_f64(0.0),
            other => other.deserialize_f64(v),
        }
    }

    fn deserialize_string<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => v.visit_none(),
            other => v.visit_some(GoTarget(other)),
        }
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.deserialize_enum(name, variants, v)
    }

    // Go's encoding/json leaves a field it reads null from at its zero value, so a null
    // where a string, list, map, struct, boolean or number belongs gives that zero.
    // Narrower integer and float targets come through the 64-bit ones.
    fn deserialize_i8<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_i16<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_i32<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_i64(v)
    }
    fn deserialize_u8<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u16<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_u32<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_u64(v)
    }
    fn deserialize_f32<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        self.deserialize_f64(v)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct tuple tuple_struct identifier
        ignored_any
    }
}

struct GoSeq(std::vec::IntoIter<Value>);

impl<'de> serde::de::SeqAccess<'de> for GoSeq {
    type Error = serde_json::Error;

    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(GoTarget(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct GoMap {
    entries: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> serde::de::MapAccess<'de> for GoMap {
    type Error = serde_json::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(v);
        seed.deserialize(serde::de::value::StringDeserializer::<serde_json::Error>::new(k))
            .map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let v = self.value.take().ok_or_else(|| {
            <serde_json::Error as serde::de::Error>::custom("a value without its key")
        })?;
        seed.deserialize(GoTarget(v))
    }
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
    fn from_node_reads_numbers_and_booleans_into_strings_as_sigs_yaml_does() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(deny_unknown_fields)]
        struct Cfg {
            tag: String,
            on: String,
            n: String,
            list: Vec<String>,
            opt: Option<String>,
            count: i64,
        }
        let n = crate::yaml::parse_one(
            "tag: 1.20\non: true\nn: 5\nlist: [1, x, 2.50]\nopt: 1.5e-7\ncount: 3\n",
        )
        .unwrap();
        assert_eq!(
            from_node::<Cfg>(&n),
            Ok(Cfg {
                tag: "1.2".into(),
                on: "true".into(),
                n: "5".into(),
                list: vec!["1".into(), "x".into(), "2.5".into()],
                opt: Some("1.5e-07".into()),
                count: 3,
            })
        );
        let bad = crate::yaml::parse_one("tag: a\non: b\nn: c\nlist: 3\ncount: 1\n").unwrap();
        assert!(from_node::<Cfg>(&bad).is_err(), "a number is no list");
        let unknown = crate::yaml::parse_one("tag: a\nextra: 1\n").unwrap();
        assert!(from_node::<Cfg>(&unknown).unwrap_err().contains("extra"));
    }

    #[test]
    fn from_node_reads_null_as_the_zero_value_as_go_does() {
        #[derive(serde::Deserialize, Debug, PartialEq, Default)]
        #[serde(default)]
        struct Inner {
            a: String,
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Cfg {
            s: String,
            list: Vec<String>,
            map: std::collections::BTreeMap<String, String>,
            inner: Inner,
            on: bool,
            n: u32,
            f: f32,
            opt: Option<String>,
            any: serde_json::Value,
        }
        let n = parse_one(
            "s: null\nlist: ~\nmap: {k: ~}\ninner: null\non: ~\nn: ~\nf: ~\nopt: ~\nany: ~\n",
        )
        .unwrap();
        assert_eq!(
            from_node::<Cfg>(&n),
            Ok(Cfg {
                s: String::new(),
                list: vec![],
                map: [("k".to_string(), String::new())].into(),
                inner: Inner::default(),
                on: false,
                n: 0,
                f: 0.0,
                opt: None,
                any: serde_json::Value::Null,
            })
        );
    }

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

//! Tekton documents against the API schema of their apiVersion, as a chosen Tekton
//! release admits them: unknown fields, types, required fields, enumerations, patterns.
//!
//! The schemas are ../shared/schemas/tekton, embedded as `tekton-schemas.txt` (generated
//! by `cargo xtask codegen`, provenance included; see xtask/src/codegen_tekton.rs). They
//! are applied as the reference validator there (check.py) applies them:
//! - v1 and v1beta1 are the current release's CRD schemas, enforced as the apiserver does
//!   with strict field validation (a null member is pruned first);
//! - v1alpha1 is Tekton v0.8.0's or v0.9.0's Go types and validation as JSON Schema, and
//!   the document is first decoded as Go's `encoding/json` would: keys match fields
//!   case-insensitively (several keys on one field merge, the last winning), a null member
//!   is the zero value (dropped) and a null list item the item type's zero value; a null
//!   *unknown* field is still an unknown field.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json::{Map, Value};

use super::Problem;
use crate::resource::Resource;

/// The embedded schemas (see the module documentation).
const TABLE: &str = include_str!("tekton-schemas.txt");

/// How deep a document is walked; deeper parts are reported, not recursed into.
const MAX_DEPTH: usize = 512;
/// How many `$ref`s may follow one another without reaching a document field.
const MAX_REFS: usize = 64;

/// The Tekton release whose API a check holds documents to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Tekton v0.8.0 (v1alpha1 only).
    V0_8,
    /// Tekton v0.9.0 (v1alpha1 only).
    V0_9,
    /// The current release (v1 and v1beta1).
    Current,
}

impl Release {
    /// Parses `v0.8`, `v0.9` or `current` (`v0.8.0` and `v0.9.0` too).
    pub fn parse(s: &str) -> Option<Release> {
        match s {
            "v0.8" | "v0.8.0" => Some(Release::V0_8),
            "v0.9" | "v0.9.0" => Some(Release::V0_9),
            "current" => Some(Release::Current),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Release::V0_8 => "v0.8",
            Release::V0_9 => "v0.9",
            Release::Current => "current",
        }
    }
}

/// One folder of the shared schemas: the kinds of one apiVersion in one release.
struct Set {
    name: String,
    api_version: String,
    release: String,
    defs: HashMap<String, Value>,
    kinds: HashMap<String, Value>,
}

fn sets() -> &'static [Set] {
    static SETS: OnceLock<Vec<Set>> = OnceLock::new();
    SETS.get_or_init(|| {
        let mut out: Vec<Set> = Vec::new();
        for line in TABLE.lines() {
            let mut parts = line.splitn(3, ' ');
            let (Some(tag), Some(a), rest) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            let json = |t: Option<&str>| t.and_then(|t| serde_json::from_str::<Value>(t).ok());
            match tag {
                "set" => {
                    let mut f = rest.unwrap_or("").splitn(3, ' ');
                    out.push(Set {
                        name: a.to_string(),
                        api_version: f.next().unwrap_or("").to_string(),
                        release: f.next().unwrap_or("").to_string(),
                        defs: HashMap::new(),
                        kinds: HashMap::new(),
                    });
                }
                "def" | "kind" => {
                    if let (Some(set), Some(v)) = (out.last_mut(), json(rest)) {
                        let map = if tag == "def" {
                            &mut set.defs
                        } else {
                            &mut set.kinds
                        };
                        map.insert(a.to_string(), v);
                    }
                }
                _ => {}
            }
        }
        out
    })
}

/// Returns the embedded schema sets as `(folder, apiVersion, release)`, for messages and
/// tests.
pub fn embedded() -> Vec<(&'static str, &'static str, &'static str)> {
    sets()
        .iter()
        .map(|s| (s.name.as_str(), s.api_version.as_str(), s.release.as_str()))
        .collect()
}

/// Chooses the set for a document: `release` when given, else v0.8 for v1alpha1 and the
/// current release for the others.
fn set_for(api_version: &str, release: Option<Release>) -> Result<&'static Set, String> {
    let version = api_version.split_once('/').map_or("", |(_, v)| v);
    let want = release.unwrap_or(if version == "v1alpha1" {
        Release::V0_8
    } else {
        Release::Current
    });
    sets()
        .iter()
        .find(|s| s.api_version == api_version && s.release == want.label())
        .ok_or_else(|| {
            let served: Vec<&str> = sets()
                .iter()
                .filter(|s| s.release == want.label())
                .map(|s| s.api_version.as_str())
                .collect();
            format!(
                "{api_version} is not served by Tekton {} (it serves {})",
                want.label(),
                served.join(", ")
            )
        })
}

/// Validates every `tekton.dev` document among `resources` against its schema; returns
/// the findings in document order.
pub fn validate(resources: &[Resource], release: Option<Release>) -> Vec<Problem> {
    let mut out = Vec::new();
    for r in resources {
        let api = r.api_version();
        if !api.starts_with("tekton.dev/") {
            continue;
        }
        let object = super::label_of(r);
        let doc = match crate::yaml::json::to_json(&r.node) {
            Ok(d) => d,
            Err(e) => {
                out.push(Problem {
                    object,
                    field: "(root)".into(),
                    message: format!("not representable as JSON: {e}"),
                });
                continue;
            }
        };
        for (field, message) in validate_json(doc, release) {
            out.push(Problem {
                object: object.clone(),
                field,
                message,
            });
        }
    }
    out
}

/// Validates one document (already JSON); returns `(path, message)` findings, each once.
pub fn validate_json(mut doc: Value, release: Option<Release>) -> Vec<(String, String)> {
    let api = doc
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = doc
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let set = match set_for(&api, release) {
        Ok(s) => s,
        Err(m) => return vec![("apiVersion".into(), m)],
    };
    let Some(schema) = set.kinds.get(&kind) else {
        return vec![(
            "kind".into(),
            format!("no {} schema for kind {kind:?} ({})", api, set.name),
        )];
    };
    let v = Validator { set };
    let go = api.ends_with("/v1alpha1");
    let mut found = Vec::new();
    if go {
        v.fold_keys(schema, &mut doc, 0);
    }
    v.null_unknowns(schema, &doc, &mut Vec::new(), &mut found, 0);
    drop_nulls(&mut doc);
    if go {
        v.zero_fill(schema, &mut doc, 0);
    }
    v.walk(schema, &doc, &mut Vec::new(), &mut found, 0);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(String, String)> = Vec::new();
    for f in found {
        let line = (fmt_path(&f.path), f.message);
        if seen.insert(line.clone()) {
            out.push(line);
        }
    }
    out
}

/// A step of a field path.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn fmt_path(p: &[Seg]) -> String {
    let mut out = String::new();
    for s in p {
        match s {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    if out.is_empty() { "(root)".into() } else { out }
}

struct Finding {
    path: Vec<Seg>,
    message: String,
}

/// `encoding/json` decodes a null member as the zero value, and the apiserver prunes it.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Go's merge of a later value for the same field into an earlier one.
fn go_merge(old: Value, new: Value) -> Value {
    match (old, new) {
        (old, Value::Null) => {
            if old.is_array() {
                Value::Null
            } else {
                old
            }
        }
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(o) => go_merge(o, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Value::Object(a)
        }
        (_, new) => new,
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() <= 60 {
        s
    } else {
        let mut t: String = s.chars().take(57).collect();
        t.push_str("...");
        t
    }
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A text equal for values [`json_eq`] holds equal (numbers by value, keys sorted), so
/// duplicates are found through a hash set instead of pairwise.
fn canonical(v: &Value) -> String {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or_else(|| n.to_string(), |f| format!("{f:?}")),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        Value::Object(m) => {
            let mut items: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{}:{}", Value::String(k.clone()), canonical(x)))
                .collect();
            items.sort();
            format!("{{{}}}", items.join(","))
        }
        other => other.to_string(),
    }
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => true,
    }
}

fn types_of(t: &Value) -> Vec<&str> {
    match t {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn regex(p: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
    c.entry(p.to_string())
        .or_insert_with(|| Regex::new(p).ok())
        .clone()
}

struct Validator {
    set: &'static Set,
}

impl Validator {
    /// Follows `$ref`s to the schema that holds a type's shape.
    fn deref<'s>(&self, mut s: &'s Value) -> &'s Value {
        for _ in 0..MAX_REFS {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.resolve(r) {
                    Some(t) => s = t,
                    None => return s,
                },
                None => return s,
            }
        }
        s
    }

    fn resolve(&self, r: &str) -> Option<&'static Value> {
        self.set.defs.get(r.strip_prefix("#/$defs/")?)
    }

    /// The declared fields of a struct schema (one that refuses other fields).
    fn struct_fields<'s>(&self, s: &'s Value) -> Option<&'s Map<String, Value>> {
        let d = self.deref(s);
        if d.get("additionalProperties") == Some(&Value::Bool(false)) {
            d.get("properties").and_then(Value::as_object)
        } else {
            None
        }
    }

    /// Renames keys that match a declared field only case-insensitively, as Go does.
    fn fold_keys(&self, s: &Value, v: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = self.deref(s);
        match v {
            Value::Object(m) => {
                if let Some(props) = self.struct_fields(s) {
                    let target = |k: &str| -> String {
                        if props.contains_key(k) {
                            return k.to_string();
                        }
                        let lower = k.to_lowercase();
                        props
                            .keys()
                            .find(|p| p.to_lowercase() == lower)
                            .cloned()
                            .unwrap_or_else(|| k.to_string())
                    };
                    if m.keys().any(|k| target(k) != *k) {
                        let mut rebuilt: Map<String, Value> = Map::new();
                        for (k, x) in std::mem::take(m) {
                            let t = target(&k);
                            let merged = match rebuilt.remove(&t) {
                                Some(old) => go_merge(old, x),
                                None => x,
                            };
                            rebuilt.insert(t, merged);
                        }
                        *m = rebuilt;
                    }
                    for (k, x) in m.iter_mut() {
                        if let Some(ps) = props.get(k) {
                            self.fold_keys(ps, x, depth + 1);
                        }
                    }
                } else if let Some(ap) = d.get("additionalProperties").filter(|a| a.is_object()) {
                    m.values_mut()
                        .for_each(|x| self.fold_keys(ap, x, depth + 1));
                }
            }
            Value::Array(a) => {
                if let Some(items) = d.get("items") {
                    a.iter_mut()
                        .for_each(|x| self.fold_keys(items, x, depth + 1));
                }
            }
            _ => {}
        }
    }

    /// Reports unknown fields whose value is null (dropping nulls would hide them).
    fn null_unknowns(
        &self,
        s: &Value,
        v: &Value,
        path: &mut Vec<Seg>,
        out: &mut Vec<Finding>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = self.deref(s);
        match v {
            Value::Object(m) => {
                let props = self.struct_fields(s);
                for (k, x) in m {
                    let sub = match props {
                        Some(p) => p.get(k),
                        None => d.get("additionalProperties").filter(|a| a.is_object()),
                    };
                    path.push(Seg::Key(k.clone()));
                    match sub {
                        Some(ps) => self.null_unknowns(ps, x, path, out, depth + 1),
                        None if props.is_some() && x.is_null() => out.push(Finding {
                            path: path.clone(),
                            message: format!("unknown field {k:?}"),
                        }),
                        None => {}
                    }
                    path.pop();
                }
            }
            Value::Array(a) => {
                if let Some(items) = d.get("items") {
                    for (i, x) in a.iter().enumerate() {
                        path.push(Seg::Index(i));
                        self.null_unknowns(items, x, path, out, depth + 1);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    /// Replaces null list items by the zero value of the item type, as Go decodes them.
    fn zero_fill(&self, s: &Value, v: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let d = self.deref(s);
        match v {
            Value::Object(m) => {
                let props = d.get("properties").and_then(Value::as_object);
                let ap = d.get("additionalProperties").filter(|a| a.is_object());
                for (k, x) in m.iter_mut() {
                    if let Some(ps) = props.and_then(|p| p.get(k)).or(ap) {
                        self.zero_fill(ps, x, depth + 1);
                    }
                }
            }
            Value::Array(a) => {
                let Some(items) = d.get("items") else {
                    return;
                };
                let it = self.deref(items);
                for x in a.iter_mut() {
                    if x.is_null() {
                        if let Some(z) = zero_of(it) {
                            *x = z;
                        }
                    } else {
                        self.zero_fill(items, x, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn valid(&self, s: &Value, v: &Value, depth: usize) -> bool {
        let mut scratch = Vec::new();
        self.walk(s, v, &mut Vec::new(), &mut scratch, depth);
        scratch.is_empty()
    }

    /// Collects every violation of `s` by `v`, as jsonschema's `iter_errors` reports them.
    fn walk(
        &self,
        s: &Value,
        v: &Value,
        path: &mut Vec<Seg>,
        out: &mut Vec<Finding>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            out.push(Finding {
                path: path.clone(),
                message: format!("nested deeper than {MAX_DEPTH} levels"),
            });
            return;
        }
        let m = match s {
            Value::Bool(true) => return,
            Value::Object(m) => m,
            _ => {
                out.push(Finding {
                    path: path.clone(),
                    message: "no value is allowed here".into(),
                });
                return;
            }
        };
        let fail =
            |out: &mut Vec<Finding>, path: &[Seg], kw: &str, plain: String, no_context: bool| {
                let comment = m.get("$comment").and_then(Value::as_str);
                let message = match comment {
                    Some(c) if !(kw == "type" && m.contains_key("properties")) => {
                        if kw == "oneOf" && no_context {
                            format!("{c}: more than one is given")
                        } else if v.is_object() || v.is_array() {
                            c.to_string()
                        } else {
                            format!("{c}; got {}", short(v))
                        }
                    }
                    _ => plain,
                };
                out.push(Finding {
                    path: path.to_vec(),
                    message,
                });
            };
        let num = |k: &str| m.get(k).and_then(Value::as_f64);
        for (k, kv) in m {
            match k.as_str() {
                "$ref" => {
                    if let Some(t) = kv.as_str().and_then(|r| self.resolve(r)) {
                        // A chain of refs reaches no field: count it against the depth.
                        self.walk(t, v, path, out, depth + MAX_DEPTH / MAX_REFS);
                    }
                }
                "type" => {
                    let ts = types_of(kv);
                    if !ts.iter().any(|t| type_ok(t, v)) {
                        fail(
                            out,
                            path,
                            k,
                            format!("must be of type {}, not {}", ts.join(" or "), short(v)),
                            false,
                        );
                    }
                }
                "enum" => {
                    let opts = kv.as_array().map_or(&[][..], Vec::as_slice);
                    if !opts.iter().any(|o| json_eq(o, v)) {
                        let list: Vec<String> = opts.iter().map(Value::to_string).collect();
                        fail(
                            out,
                            path,
                            k,
                            format!("must be one of {}, not {}", list.join(", "), short(v)),
                            false,
                        );
                    }
                }
                "const" if !json_eq(kv, v) => {
                    fail(
                        out,
                        path,
                        k,
                        format!("must be {kv}, not {}", short(v)),
                        false,
                    );
                }
                "properties" => {
                    if let (Some(props), Value::Object(obj)) = (kv.as_object(), v) {
                        for (pk, ps) in props {
                            if let Some(x) = obj.get(pk) {
                                path.push(Seg::Key(pk.clone()));
                                self.walk(ps, x, path, out, depth + 1);
                                path.pop();
                            }
                        }
                    }
                }
                "additionalProperties" => {
                    if let Value::Object(obj) = v {
                        let props = m.get("properties").and_then(Value::as_object);
                        let extra = obj
                            .iter()
                            .filter(|(ok, _)| !props.is_some_and(|p| p.contains_key(*ok)));
                        for (ok, x) in extra {
                            path.push(Seg::Key(ok.clone()));
                            if *kv == Value::Bool(false) {
                                out.push(Finding {
                                    path: path.clone(),
                                    message: format!("unknown field {ok:?}"),
                                });
                            } else {
                                self.walk(kv, x, path, out, depth + 1);
                            }
                            path.pop();
                        }
                    }
                }
                "required" => {
                    if let (Some(req), Value::Object(obj)) = (kv.as_array(), v) {
                        for r in req.iter().filter_map(Value::as_str) {
                            if !obj.contains_key(r) {
                                path.push(Seg::Key(r.to_string()));
                                out.push(Finding {
                                    path: path.clone(),
                                    message: "required field is missing".into(),
                                });
                                path.pop();
                            }
                        }
                    }
                }
                "items" => {
                    if let Value::Array(a) = v {
                        for (i, x) in a.iter().enumerate() {
                            path.push(Seg::Index(i));
                            self.walk(kv, x, path, out, depth + 1);
                            path.pop();
                        }
                    }
                }
                "contains" => {
                    if let Value::Array(a) = v
                        && !a.iter().any(|x| self.valid(kv, x, depth + 1))
                    {
                        fail(
                            out,
                            path,
                            k,
                            "contains no item that is allowed here".into(),
                            false,
                        );
                    }
                }
                "minItems" | "maxItems" => {
                    if let (Value::Array(a), Some(n)) = (v, num(k))
                        && let Some(plain) = size_bound(k, a.len(), n, "items")
                    {
                        fail(out, path, k, plain, false);
                    }
                }
                "uniqueItems" => {
                    if let Value::Array(a) = v
                        && *kv == Value::Bool(true)
                    {
                        let mut seen = std::collections::HashSet::new();
                        if !a.iter().all(|x| seen.insert(canonical(x))) {
                            fail(out, path, k, "has items that are not unique".into(), false);
                        }
                    }
                }
                "minLength" | "maxLength" => {
                    if let (Value::String(t), Some(n)) = (v, num(k))
                        && let Some(plain) = size_bound(k, t.chars().count(), n, "characters")
                    {
                        fail(out, path, k, plain, false);
                    }
                }
                "pattern" => {
                    if let (Value::String(t), Some(p)) = (v, kv.as_str())
                        && regex(p).is_some_and(|re| !re.is_match(t))
                    {
                        fail(
                            out,
                            path,
                            k,
                            format!("{} does not match {p}", short(v)),
                            false,
                        );
                    }
                }
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" => {
                    if let (Some(x), Some(n)) = (v.as_f64().filter(|_| v.is_number()), num(k)) {
                        let bad = match k.as_str() {
                            "minimum" => x < n,
                            "maximum" => x > n,
                            "exclusiveMinimum" => x <= n,
                            _ => x >= n,
                        };
                        if bad {
                            let op = match k.as_str() {
                                "minimum" => ">=",
                                "maximum" => "<=",
                                "exclusiveMinimum" => ">",
                                _ => "<",
                            };
                            fail(out, path, k, format!("must be {op} {n}"), false);
                        }
                    }
                }
                "multipleOf" => {
                    if let (Some(x), Some(n)) = (v.as_f64().filter(|_| v.is_number()), num(k))
                        && n != 0.0
                        && (x / n).fract() != 0.0
                    {
                        fail(out, path, k, format!("must be a multiple of {n}"), false);
                    }
                }
                "minProperties" | "maxProperties" => {
                    if let (Value::Object(o), Some(n)) = (v, num(k)) {
                        let len = o.len() as f64;
                        if (k == "minProperties" && len < n) || (k == "maxProperties" && len > n) {
                            fail(
                                out,
                                path,
                                k,
                                format!("has {} fields ({k} {n})", o.len()),
                                false,
                            );
                        }
                    }
                }
                "allOf" => {
                    for sub in kv.as_array().into_iter().flatten() {
                        self.walk(sub, v, path, out, depth + 1);
                    }
                }
                "anyOf" | "oneOf" => {
                    let subs = kv.as_array().map_or(&[][..], Vec::as_slice);
                    let n = subs.iter().filter(|s| self.valid(s, v, depth + 1)).count();
                    let int_or_string = subs
                        .iter()
                        .any(|s| s.get("type") == Some(&"integer".into()))
                        && subs.iter().any(|s| s.get("type") == Some(&"string".into()));
                    let plain = if int_or_string {
                        format!("must be an integer or a string, not {}", short(v))
                    } else {
                        format!("{} is not valid under any of the given schemas", short(v))
                    };
                    if n == 0 {
                        fail(out, path, k, plain, false);
                    } else if k == "oneOf" && n > 1 {
                        fail(
                            out,
                            path,
                            k,
                            format!(
                                "{} is valid under more than one of the given schemas",
                                short(v)
                            ),
                            true,
                        );
                    }
                }
                "not" if self.valid(kv, v, depth + 1) => {
                    fail(
                        out,
                        path,
                        k,
                        format!("{} is not allowed here", short(v)),
                        false,
                    );
                }
                "if" => {
                    let branch = if self.valid(kv, v, depth + 1) {
                        m.get("then")
                    } else {
                        m.get("else")
                    };
                    if let Some(b) = branch {
                        self.walk(b, v, path, out, depth + 1);
                    }
                }
                "x-list-map-keys" => {
                    if let Value::Array(a) = v {
                        self.list_map_keys(kv, a, path, out);
                    }
                }
                _ => {}
            }
        }
    }

    /// No two items of a list-map with the same keys (defaults filled in first).
    fn list_map_keys(
        &self,
        keys: &Value,
        items: &[Value],
        path: &mut Vec<Seg>,
        out: &mut Vec<Finding>,
    ) {
        let keys: Vec<(&str, &Value)> = keys
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| Some((k.get(0)?.as_str()?, k.get(1)?)))
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            let Value::Object(o) = item else { continue };
            let vals: Vec<Value> = keys
                .iter()
                .map(|(k, d)| o.get(*k).cloned().unwrap_or_else(|| (*d).clone()))
                .collect();
            let key = canonical(&Value::Array(vals.clone()));
            match seen.get(&key).copied() {
                Some(j) => {
                    let desc: Vec<String> = keys
                        .iter()
                        .zip(&vals)
                        .map(|((k, _), v)| format!("{k}={v}"))
                        .collect();
                    path.push(Seg::Index(i));
                    out.push(Finding {
                        path: path.clone(),
                        message: format!(
                            "duplicate entry with {} (also at [{j}])",
                            desc.join(", ")
                        ),
                    });
                    path.pop();
                }
                None => {
                    seen.insert(key, i);
                }
            }
        }
    }
}

/// The message for a `min*`/`max*` keyword `k` that `len` breaks, if it does.
fn size_bound(k: &str, len: usize, n: f64, unit: &str) -> Option<String> {
    let len = len as f64;
    let min = k.starts_with("min");
    if (min && len >= n) || (!min && len <= n) {
        return None;
    }
    Some(if min && n == 1.0 {
        "must not be empty".to_string()
    } else if min {
        format!("must be at least {n} {unit}")
    } else {
        format!("must be at most {n} {unit}")
    })
}

/// The zero value Go decodes a null list item of this schema's type as.
fn zero_of(s: &Value) -> Option<Value> {
    let t = match s.get("type") {
        Some(t) => types_of(t).first().map(|t| t.to_string()),
        None => {
            let types: Vec<&str> = s
                .get("anyOf")
                .or_else(|| s.get("oneOf"))?
                .as_array()?
                .iter()
                .filter_map(|b| b.get("type").and_then(Value::as_str))
                .collect();
            if types.is_empty() {
                None
            } else if types.contains(&"array") {
                Some("array".into())
            } else if types.contains(&"integer") {
                Some("integer".into())
            } else {
                Some("string".into())
            }
        }
    }?;
    Some(match t.as_str() {
        "object" => Value::Object(Map::new()),
        "array" => Value::Array(Vec::new()),
        "integer" | "number" => Value::from(0),
        "boolean" => Value::Bool(false),
        _ => Value::String(String::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(api: &str, step: Value) -> Value {
        json!({"apiVersion": api, "kind": "Task", "metadata": {"name": "t"},
               "spec": {"steps": [step]}})
    }

    #[test]
    fn every_shared_folder_is_embedded() {
        let names: Vec<&str> = embedded().iter().map(|e| e.0).collect();
        assert_eq!(
            names,
            ["v1", "v1beta1", "v1alpha1-v0.8.0", "v1alpha1-v0.9.0"]
        );
        assert!(sets().iter().all(|s| !s.kinds.is_empty()));
    }

    #[test]
    fn script_is_v0_9_and_service_account_v0_8() {
        let t = task(
            "tekton.dev/v1alpha1",
            json!({"image": "x", "script": "#!/bin/sh\n"}),
        );
        let v08 = validate_json(t.clone(), None);
        assert_eq!(
            v08,
            vec![(
                "spec.steps[0].script".to_string(),
                "unknown field \"script\"".to_string()
            )]
        );
        assert_eq!(validate_json(t, Some(Release::V0_9)), vec![]);
        let run = json!({"apiVersion": "tekton.dev/v1alpha1", "kind": "PipelineRun",
            "metadata": {"name": "r"}, "spec": {"pipelineRef": {"name": "p"}, "serviceAccount": "sa"}});
        assert_eq!(validate_json(run.clone(), None), vec![]);
        let v09 = validate_json(run, Some(Release::V0_9));
        assert_eq!(v09.len(), 1, "{v09:?}");
        assert_eq!(v09[0].0, "spec.serviceAccount");
    }

    #[test]
    fn go_decoding_folds_case_and_drops_nulls() {
        // `Image` is `image`; a null member is the zero value; a null unknown field is not.
        let t = task(
            "tekton.dev/v1alpha1",
            json!({"Image": "x", "args": null, "bogus": null}),
        );
        let got = validate_json(t, None);
        assert_eq!(
            got,
            vec![(
                "spec.steps[0].bogus".to_string(),
                "unknown field \"bogus\"".to_string()
            )]
        );
        // v1 keys are case-sensitive.
        let t = task("tekton.dev/v1", json!({"Image": "x"}));
        let got = validate_json(t, None);
        assert!(
            got.iter().any(|(p, _)| p == "spec.steps[0].Image"),
            "{got:?}"
        );
    }

    #[test]
    fn types_required_enums_and_patterns() {
        let t = json!({"apiVersion": "tekton.dev/v1alpha1", "kind": "Task", "metadata": {"name": "a.b"},
            "spec": {"steps": [{"image": 3, "name": "Bad_Name"}], "inputs": {"resources": [{"name": "r", "type": "nope"}]}}});
        let got: Vec<String> = validate_json(t, None).into_iter().map(|(p, _)| p).collect();
        for want in [
            "metadata.name",
            "spec.steps[0].image",
            "spec.steps[0].name",
            "spec.inputs.resources[0].type",
        ] {
            assert!(got.iter().any(|p| p == want), "{want} missing from {got:?}");
        }
        let empty =
            json!({"apiVersion": "tekton.dev/v1alpha1", "kind": "Task", "metadata": {"name": "a"}});
        assert_eq!(validate_json(empty, None)[0].0, "spec");
    }

    #[test]
    fn list_map_keys_are_unique_with_defaults_filled_in() {
        let ports = |second: Value| {
            json!({"apiVersion": "tekton.dev/v1", "kind": "Task", "metadata": {"name": "t"},
                "spec": {"steps": [{"name": "s", "image": "x"}],
                         "sidecars": [{"name": "c", "image": "x",
                                       "ports": [{"containerPort": 80}, second]}]}})
        };
        assert_eq!(
            validate_json(ports(json!({"containerPort": 80, "protocol": "UDP"})), None),
            vec![]
        );
        let got = validate_json(
            ports(json!({"containerPort": 80.0, "protocol": "TCP"})),
            None,
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "spec.sidecars[0].ports[1]");
        assert!(got[0].1.contains("also at [0]"), "{got:?}");
        assert_eq!(
            canonical(&json!({"b": 1, "a": [2.0]})),
            canonical(&json!({"a": [2], "b": 1.0}))
        );
    }

    #[test]
    fn releases_serve_their_api_versions() {
        let t = task("tekton.dev/v1alpha1", json!({"image": "x"}));
        let got = validate_json(t, Some(Release::Current));
        assert_eq!(got[0].0, "apiVersion");
        assert!(got[0].1.contains("not served by Tekton current"), "{got:?}");
        let t = task("tekton.dev/v1", json!({"name": "s", "image": "x"}));
        assert_eq!(validate_json(t.clone(), None), vec![]);
        assert_eq!(validate_json(t, Some(Release::V0_8))[0].0, "apiVersion");
        let odd =
            json!({"apiVersion": "tekton.dev/v1", "kind": "Widget", "metadata": {"name": "w"}});
        assert_eq!(validate_json(odd, None)[0].0, "kind");
    }
}

//! Strata plugin SDK: write a KRM function in Rust, compile it to `wasm32-wasip1`, and
//! Strata runs it in its sandbox.
//!
//! A plugin is a WASI command: it reads a `ResourceList` (items + functionConfig) on
//! stdin, and writes a `ResourceList` on stdout (see `plugins/ABI.md`). This crate does
//! the reading and writing, gives typed access to the items and the function config,
//! walks string fields, and collects results. The logic is plain Rust, so it can be
//! unit-tested natively with [`ResourceList::from_json`] and [`process`].
//!
//! ```no_run
//! strata_plugin_sdk::main(|list| {
//!     for item in list.items.iter_mut() {
//!         strata_plugin_sdk::walk_strings_mut(item, &mut |s| s.replace("old", "new"));
//!     }
//!     Ok(())
//! })
//! ```

use std::io::{Read, Write};

pub use serde_json::{Map, Value, json};

/// The ABI version this SDK speaks (`plugins/ABI.md`).
pub const ABI_VERSION: &str = "strata.dev/plugin-abi/v1";

/// Annotations under this prefix belong to the host (item tracking); plugins keep them
/// as they are and leave them out of content hashes.
pub const INTERNAL_ANNOTATION_PREFIX: &str = "internal.config.kubernetes.io/";

/// How serious a result is. `Error` fails the build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Printed, does not fail.
    Warning,
    /// Informational.
    Info,
}

impl Severity {
    /// The KRM spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One entry of the output `results:` list.
#[derive(Clone, Debug, PartialEq)]
pub struct KrmResult {
    /// Severity.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// The resource concerned, as `kind/name` (optional).
    pub resource: Option<(String, String, String)>,
    /// The field concerned, as a dotted path (optional).
    pub field: Option<String>,
}

impl KrmResult {
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("message".into(), Value::String(self.message.clone()));
        m.insert(
            "severity".into(),
            Value::String(self.severity.as_str().into()),
        );
        if let Some((api, kind, name)) = &self.resource {
            m.insert(
                "resourceRef".into(),
                json!({"apiVersion": api, "kind": kind, "name": name}),
            );
        }
        if let Some(f) = &self.field {
            m.insert("field".into(), json!({ "path": f }));
        }
        Value::Object(m)
    }
}

/// The `ResourceList` a plugin receives and returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceList {
    /// The resources.
    pub items: Vec<Value>,
    /// The plugin's configuration (the kustomization's transformer/generator entry).
    pub function_config: Value,
    /// Results to report.
    pub results: Vec<KrmResult>,
}

impl ResourceList {
    /// Parses a JSON `ResourceList` (what Strata sends).
    pub fn from_json(text: &[u8]) -> Result<ResourceList, String> {
        let v: Value = serde_json::from_slice(text)
            .map_err(|e| format!("input is not a JSON ResourceList: {e}"))?;
        let Value::Object(mut m) = v else {
            return Err("input is not a ResourceList object".into());
        };
        let items = match m.remove("items") {
            Some(Value::Array(a)) => a,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err("ResourceList.items must be a list".into()),
        };
        let function_config = m.remove("functionConfig").unwrap_or(Value::Null);
        Ok(ResourceList {
            items,
            function_config,
            results: Vec::new(),
        })
    }

    /// Serialises the output `ResourceList` as JSON (a YAML subset, as the ABI allows).
    pub fn to_json(&self) -> Vec<u8> {
        let mut m = Map::new();
        m.insert(
            "apiVersion".into(),
            Value::String("config.kubernetes.io/v1".into()),
        );
        m.insert("kind".into(), Value::String("ResourceList".into()));
        m.insert("items".into(), Value::Array(self.items.clone()));
        if !self.results.is_empty() {
            m.insert(
                "results".into(),
                Value::Array(self.results.iter().map(KrmResult::to_value).collect()),
            );
        }
        let mut out = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Reports an error (fails the build).
    pub fn error(&mut self, message: impl Into<String>) {
        self.push(Severity::Error, message.into(), None);
    }

    /// Reports a warning.
    pub fn warning(&mut self, message: impl Into<String>) {
        self.push(Severity::Warning, message.into(), None);
    }

    /// Reports an informational message.
    pub fn info(&mut self, message: impl Into<String>) {
        self.push(Severity::Info, message.into(), None);
    }

    /// Reports a result about one item.
    pub fn result_for(&mut self, severity: Severity, item: &Value, message: impl Into<String>) {
        let r = (
            str_at(item, &["apiVersion"]).to_string(),
            str_at(item, &["kind"]).to_string(),
            str_at(item, &["metadata", "name"]).to_string(),
        );
        self.push(severity, message.into(), Some(r));
    }

    fn push(
        &mut self,
        severity: Severity,
        message: String,
        resource: Option<(String, String, String)>,
    ) {
        self.results.push(KrmResult {
            severity,
            message,
            resource,
            field: None,
        });
    }

    /// Returns true when an error was reported.
    pub fn has_errors(&self) -> bool {
        self.results.iter().any(|r| r.severity == Severity::Error)
    }

    /// Returns a field of the function config by path.
    pub fn config(&self, path: &[&str]) -> Option<&Value> {
        get(&self.function_config, path)
    }
}

/// Typed views of one resource (an item of the list).
pub trait Item {
    /// `apiVersion`.
    fn api_version(&self) -> &str;
    /// `kind`.
    fn kind(&self) -> &str;
    /// `metadata.name`.
    fn name(&self) -> &str;
    /// `metadata.namespace`.
    fn namespace(&self) -> &str;
    /// One annotation.
    fn annotation(&self, key: &str) -> Option<&str>;
    /// One label.
    fn label(&self, key: &str) -> Option<&str>;
    /// Sets `metadata.name`.
    fn set_name(&mut self, name: &str);
    /// Sets one annotation, creating `metadata.annotations` if needed.
    fn set_annotation(&mut self, key: &str, value: &str);
    /// Sets one label, creating `metadata.labels` if needed.
    fn set_label(&mut self, key: &str, value: &str);
}

fn meta_mut<'a>(v: &'a mut Value, field: Option<&str>) -> Option<&'a mut Map<String, Value>> {
    let root = match v {
        Value::Object(m) => m,
        _ => return None,
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if meta.is_null() {
        *meta = Value::Object(Map::new());
    }
    let meta = meta.as_object_mut()?;
    match field {
        None => Some(meta),
        Some(f) => {
            let m = meta.entry(f).or_insert_with(|| Value::Object(Map::new()));
            if m.is_null() {
                *m = Value::Object(Map::new());
            }
            m.as_object_mut()
        }
    }
}

impl Item for Value {
    fn api_version(&self) -> &str {
        str_at(self, &["apiVersion"])
    }
    fn kind(&self) -> &str {
        str_at(self, &["kind"])
    }
    fn name(&self) -> &str {
        str_at(self, &["metadata", "name"])
    }
    fn namespace(&self) -> &str {
        str_at(self, &["metadata", "namespace"])
    }
    fn annotation(&self, key: &str) -> Option<&str> {
        get(self, &["metadata", "annotations", key]).and_then(Value::as_str)
    }
    fn label(&self, key: &str) -> Option<&str> {
        get(self, &["metadata", "labels", key]).and_then(Value::as_str)
    }
    fn set_name(&mut self, name: &str) {
        if let Some(m) = meta_mut(self, None) {
            m.insert("name".into(), Value::String(name.into()));
        }
    }
    fn set_annotation(&mut self, key: &str, value: &str) {
        if let Some(m) = meta_mut(self, Some("annotations")) {
            m.insert(key.into(), Value::String(value.into()));
        }
    }
    fn set_label(&mut self, key: &str, value: &str) {
        if let Some(m) = meta_mut(self, Some("labels")) {
            m.insert(key.into(), Value::String(value.into()));
        }
    }
}

/// Returns the value at a path of object keys.
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// Returns the string at a path of object keys, or "".
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    get(v, path).and_then(Value::as_str).unwrap_or("")
}

/// Calls `f` on every string value (not keys) under `v`, replacing it with what `f` returns.
pub fn walk_strings_mut(v: &mut Value, f: &mut dyn FnMut(&str) -> String) {
    match v {
        Value::String(s) => {
            let new = f(s);
            if new != *s {
                *s = new;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk_strings_mut(x, f)),
        Value::Object(m) => m.values_mut().for_each(|x| walk_strings_mut(x, f)),
        _ => {}
    }
}

/// Calls `f` on every string value under `v` with its path (keys and indices).
pub fn walk_strings(v: &Value, f: &mut dyn FnMut(&[String], &str)) {
    fn go(v: &Value, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
        match v {
            Value::String(s) => f(path, s),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(i.to_string());
                    go(x, path, f);
                    path.pop();
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    path.push(k.clone());
                    go(x, path, f);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    go(v, &mut Vec::new(), f)
}

/// A canonical JSON text of a resource: keys sorted, no whitespace, host-internal
/// annotations removed. Equal content gives equal text whatever the key order.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    canonical_into(v, &mut out, 0);
    out
}

fn canonical_into(v: &Value, out: &mut String, depth: usize) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            let mut first = true;
            for k in keys {
                let x = &m[k.as_str()];
                if depth == 2 && k.starts_with(INTERNAL_ANNOTATION_PREFIX) {
                    continue;
                }
                // An annotations map holding only host-internal keys counts as absent.
                if depth == 1
                    && k == "annotations"
                    && x.as_object().is_some_and(|a| {
                        a.keys().all(|k| k.starts_with(INTERNAL_ANNOTATION_PREFIX))
                    })
                {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                // Depth counts metadata.annotations: item (0) → metadata (1) → annotations (2).
                let next = match (depth, k.as_str()) {
                    (0, "metadata") => 1,
                    (1, "annotations") => 2,
                    _ => 3,
                };
                canonical_into(x, out, next);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_into(x, out, 3);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Runs `f` over a JSON `ResourceList` and returns the output bytes, or the message
/// that ends the plugin with a failure.
pub fn process(
    input: &[u8],
    f: impl FnOnce(&mut ResourceList) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let mut list = ResourceList::from_json(input)?;
    f(&mut list)?;
    Ok(list.to_json())
}

/// The plugin's `main`: reads stdin, runs `f`, writes stdout. A returned `Err` is
/// printed on stderr and ends the plugin with exit code 1; results of severity error
/// are written to stdout and also end with exit code 1.
pub fn main(f: impl FnOnce(&mut ResourceList) -> Result<(), String>) {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        fail(&format!("reading stdin: {e}"));
    }
    let mut failed = false;
    let out = process(&input, |list| {
        f(list)?;
        failed = list.has_errors();
        Ok(())
    });
    match out {
        Ok(bytes) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(&bytes)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                fail("writing stdout failed");
            }
            if failed {
                std::process::exit(1);
            }
        }
        Err(msg) => fail(&msg),
    }
}

fn fail(msg: &str) -> ! {
    let _ = writeln!(std::io::stderr(), "{msg}");
    std::process::exit(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_items_and_reports_results() {
        let input = br#"{"kind":"ResourceList","items":[{"kind":"A","metadata":{"name":"x"}}],"functionConfig":{"a":1}}"#;
        let out = process(input, |l| {
            assert_eq!(l.config(&["a"]), Some(&json!(1)));
            l.warning("careful");
            Ok(())
        })
        .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["items"][0]["metadata"]["name"], "x");
        assert_eq!(v["results"][0]["severity"], "warning");
    }

    #[test]
    fn canonical_json_sorts_keys_and_skips_internal_annotations() {
        let a = json!({"b":1,"a":{"y":[1,"x"]},"metadata":{"annotations":{"internal.config.kubernetes.io/id":"3","k":"v"}}});
        let b = json!({"metadata":{"annotations":{"k":"v"}},"a":{"y":[1,"x"]},"b":1});
        assert_eq!(canonical_json(&a), canonical_json(&b));
        let c =
            json!({"metadata":{"name":"n","annotations":{"internal.config.kubernetes.io/id":"3"}}});
        assert_eq!(canonical_json(&c), r#"{"metadata":{"name":"n"}}"#);
        assert_eq!(
            canonical_json(&b),
            r#"{"a":{"y":[1,"x"]},"b":1,"metadata":{"annotations":{"k":"v"}}}"#
        );
    }

    #[test]
    fn walk_strings_visits_values_not_keys() {
        let mut v = json!({"k": ["a", {"k2": "b"}, 3]});
        walk_strings_mut(&mut v, &mut |s| s.to_uppercase());
        assert_eq!(v, json!({"k": ["A", {"k2": "B"}, 3]}));
        let mut paths = Vec::new();
        walk_strings(&v, &mut |p, s| paths.push(format!("{}={s}", p.join("."))));
        assert_eq!(paths, vec!["k.0=A", "k.1.k2=B"]);
    }

    #[test]
    fn typed_item_access() {
        let mut v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": null}});
        assert_eq!(
            (v.api_version(), v.kind(), v.name(), v.namespace()),
            ("v1", "ConfigMap", "a", "")
        );
        v.set_label("l", "1");
        v.set_annotation("k", "v");
        v.set_name("b");
        assert_eq!(
            (v.label("l"), v.annotation("k"), v.name()),
            (Some("1"), Some("v"), "b")
        );
        let mut bare = json!({"kind": "X"});
        bare.set_annotation("k", "v");
        assert_eq!(bare.annotation("k"), Some("v"));
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(ResourceList::from_json(b"not json").is_err());
        assert!(ResourceList::from_json(br#"{"items": 3}"#).is_err());
    }
}

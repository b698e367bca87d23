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

use std::cell::OnceCell;
use std::io::{Read, Write};

use serde_json::value::RawValue;
pub use serde_json::{Map, Value, json};

/// The ABI version this SDK speaks (`plugins/ABI.md`).
pub const ABI_VERSION: &str = "strata.dev/plugin-abi/v2";

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

/// One item of a `ResourceList`: kept as the JSON text it arrived as until the plugin
/// looks inside it, parsed on first read, and written back byte for byte unless the
/// plugin took it mutably. Reads and writes go through `Deref`/`DerefMut` to [`Value`],
/// so `walk_strings_mut(item, ..)` and `item.kind()` work as on a plain value.
#[derive(Clone, Debug, Default)]
pub struct Resource {
    /// The input text, while the item is unchanged.
    raw: Option<Box<RawValue>>,
    /// The parsed input, for shared reads.
    cache: OnceCell<Value>,
    /// The value once taken mutably (or built by the plugin).
    value: Option<Value>,
    /// Why the input text could not be parsed, if it could not.
    error: OnceCell<String>,
}

impl Resource {
    /// An item built by the plugin.
    pub fn new(value: Value) -> Resource {
        Resource {
            value: Some(value),
            ..Resource::default()
        }
    }

    fn from_raw(raw: Box<RawValue>) -> Resource {
        Resource {
            raw: Some(raw),
            ..Resource::default()
        }
    }

    /// The JSON text the item arrived as, while the plugin has not taken it mutably.
    pub fn raw(&self) -> Option<&str> {
        if self.value.is_some() {
            return None;
        }
        self.raw.as_deref().map(RawValue::get)
    }

    /// False only when `needle` cannot occur in any key or string of the item: a cheap
    /// test on the raw text that lets a plugin pass an item on without parsing it.
    /// Escapes are accounted for (an item whose text has an escape that could spell
    /// part of the needle counts as a maybe); a parsed or built item is always a maybe.
    pub fn may_contain(&self, needle: &str) -> bool {
        let Some(raw) = self.raw() else {
            return true;
        };
        found(raw, needle) || escape_could_spell(raw, needle)
    }

    /// False only when no mapping in the item can have the key `key`: like
    /// [`Resource::may_contain`] but looking for `"key"`, so prose that merely mentions
    /// the word (a CRD's descriptions) does not count.
    pub fn may_contain_key(&self, key: &str) -> bool {
        let Some(raw) = self.raw() else {
            return true;
        };
        found(raw, &format!("\"{key}\"")) || escape_could_spell(raw, key)
    }

    /// Takes the value out (parsing the input text if needed).
    pub fn into_value(mut self) -> Value {
        std::mem::take(&mut *self)
    }

    /// Why the input text of this item could not be parsed, once it was read.
    pub fn parse_error(&self) -> Option<&str> {
        self.error.get().map(String::as_str)
    }

    fn parse(&self) -> Value {
        let text = self.raw.as_deref().map_or("null", RawValue::get);
        serde_json::from_str(text).unwrap_or_else(|e| {
            let _ = self.error.set(format!("input item is not valid JSON: {e}"));
            Value::Null
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        match (self.raw(), &self.value) {
            (Some(raw), _) => out.extend_from_slice(raw.as_bytes()),
            (None, Some(v)) => write_value(out, v),
            (None, None) => write_value(out, self.cache.get_or_init(|| self.parse())),
        }
    }
}

/// Whether `needle` occurs in `hay` (memchr's searcher: word-at-a-time on wasm, far
/// faster than `str::contains` on the long texts items are).
fn found(hay: &str, needle: &str) -> bool {
    memchr::memmem::find(hay.as_bytes(), needle.as_bytes()).is_some()
}

/// Whether an escape in the JSON text `raw` could spell part of `needle`: `\uXXXX`
/// spells anything; the other escapes only `"`, `\`, `/` and control characters.
fn escape_could_spell(raw: &str, needle: &str) -> bool {
    let special = needle
        .chars()
        .any(|c| matches!(c, '"' | '\\' | '/') || (c as u32) < 0x20);
    let mut at = memchr::memchr_iter(b'\\', raw.as_bytes());
    if special {
        return at.next().is_some();
    }
    at.any(|i| raw.as_bytes().get(i + 1) == Some(&b'u'))
}

#[cfg(feature = "yaml")]
fn yaml_value(text: &[u8]) -> Result<Value, String> {
    serde_yaml_ng::from_slice(text).map_err(|e| format!("input is not a YAML ResourceList: {e}"))
}

#[cfg(not(feature = "yaml"))]
fn yaml_value(_: &[u8]) -> Result<Value, String> {
    Err("input is not a JSON ResourceList (this plugin was built without YAML support)".into())
}

#[cfg(feature = "yaml")]
fn yaml_text(v: &Value) -> Result<Vec<u8>, String> {
    serde_yaml_ng::to_string(v)
        .map(String::into_bytes)
        .map_err(|e| format!("writing YAML output: {e}"))
}

#[cfg(not(feature = "yaml"))]
fn yaml_text(_: &Value) -> Result<Vec<u8>, String> {
    Err("this plugin was built without YAML support".into())
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    // Writing a Value to a Vec cannot fail (its keys are strings).
    let _ = serde_json::to_writer(&mut *out, v);
}

impl From<Value> for Resource {
    fn from(v: Value) -> Resource {
        Resource::new(v)
    }
}

impl std::ops::Deref for Resource {
    type Target = Value;
    fn deref(&self) -> &Value {
        match &self.value {
            Some(v) => v,
            None => self.cache.get_or_init(|| self.parse()),
        }
    }
}

impl std::ops::DerefMut for Resource {
    fn deref_mut(&mut self) -> &mut Value {
        let v = match self.value.take() {
            Some(v) => v,
            None => match self.cache.take() {
                Some(v) => v,
                None => self.parse(),
            },
        };
        self.raw = None;
        self.value.insert(v)
    }
}

impl PartialEq for Resource {
    fn eq(&self, other: &Resource) -> bool {
        **self == **other
    }
}

/// The `ResourceList` a plugin receives and returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceList {
    /// The resources.
    pub items: Vec<Resource>,
    /// The plugin's configuration (the kustomization's transformer/generator entry).
    pub function_config: Value,
    /// Results to report.
    pub results: Vec<KrmResult>,
    /// The format the input came in; the output is written in the same one.
    pub format: Format,
}

/// The text format of a `ResourceList`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// JSON (what Strata sends; the fast path).
    #[default]
    Json,
    /// YAML (what other KRM function runners send).
    Yaml,
}

/// The input document, items left as raw JSON text.
#[derive(serde::Deserialize)]
struct Input {
    #[serde(default)]
    items: Option<Vec<Box<RawValue>>>,
    #[serde(default, rename = "functionConfig")]
    function_config: Option<Value>,
}

impl ResourceList {
    /// Parses a JSON `ResourceList` (what Strata sends). Items are checked to be valid
    /// JSON but parsed only when the plugin reads them.
    pub fn from_json(text: &[u8]) -> Result<ResourceList, String> {
        let input: Input = serde_json::from_slice(text)
            .map_err(|e| format!("input is not a JSON ResourceList: {e}"))?;
        let items = input.items.unwrap_or_default();
        for (i, it) in items.iter().enumerate() {
            if !it.get().starts_with('{') {
                return Err(format!("input items[{i}] is not a mapping"));
            }
        }
        Ok(ResourceList {
            items: items.into_iter().map(Resource::from_raw).collect(),
            function_config: input.function_config.unwrap_or(Value::Null),
            results: Vec::new(),
            format: Format::Json,
        })
    }

    /// Parses a `ResourceList` in JSON (input starting with `{`, the fast path) or YAML
    /// (one document, as the KRM Functions spec exchanges it).
    pub fn parse(text: &[u8]) -> Result<ResourceList, String> {
        let first = text.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            return ResourceList::from_json(text);
        }
        ResourceList::from_yaml(text)
    }

    /// Parses a YAML `ResourceList` (with the `yaml` feature, on by default).
    pub fn from_yaml(text: &[u8]) -> Result<ResourceList, String> {
        let v = yaml_value(text)?;
        let Value::Object(mut m) = v else {
            return Err("input is not a ResourceList mapping".into());
        };
        let items = match m.remove("items") {
            Some(Value::Array(a)) => a,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err("ResourceList.items must be a list".into()),
        };
        if let Some(i) = items.iter().position(|it| !it.is_object()) {
            return Err(format!("input items[{i}] is not a mapping"));
        }
        Ok(ResourceList {
            items: items.into_iter().map(Resource::new).collect(),
            function_config: m.remove("functionConfig").unwrap_or(Value::Null),
            results: Vec::new(),
            format: Format::Yaml,
        })
    }

    /// Serialises the output `ResourceList` as YAML.
    pub fn to_yaml(&self) -> Result<Vec<u8>, String> {
        let mut m = Map::new();
        m.insert("apiVersion".into(), json!("config.kubernetes.io/v1"));
        m.insert("kind".into(), json!("ResourceList"));
        let items: Vec<&Value> = self.items.iter().map(|i| &**i).collect();
        m.insert(
            "items".into(),
            serde_json::to_value(items).map_err(|e| e.to_string())?,
        );
        if !self.results.is_empty() {
            let rs = self.results.iter().map(KrmResult::to_value).collect();
            m.insert("results".into(), Value::Array(rs));
        }
        yaml_text(&Value::Object(m))
    }

    /// Serialises the output in the input's format.
    pub fn to_output(&self) -> Result<Vec<u8>, String> {
        match self.format {
            Format::Json => Ok(self.to_json()),
            Format::Yaml => self.to_yaml(),
        }
    }

    /// Serialises the output `ResourceList` as JSON (a YAML subset, as the ABI allows);
    /// items the plugin did not take mutably are written exactly as they came.
    pub fn to_json(&self) -> Vec<u8> {
        let raw: usize = self
            .items
            .iter()
            .filter_map(|i| i.raw())
            .map(str::len)
            .sum();
        let mut out = Vec::with_capacity(raw + 1024);
        out.extend_from_slice(
            br#"{"apiVersion":"config.kubernetes.io/v1","kind":"ResourceList","items":["#,
        );
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            item.write(&mut out);
        }
        out.push(b']');
        if !self.results.is_empty() {
            out.extend_from_slice(br#","results":"#);
            let results = Value::Array(self.results.iter().map(KrmResult::to_value).collect());
            write_value(&mut out, &results);
        }
        out.extend_from_slice(b"}\n");
        out
    }

    /// The first item whose input text could not be parsed, as an error message.
    pub fn parse_error(&self) -> Option<String> {
        self.items
            .iter()
            .enumerate()
            .find_map(|(i, it)| it.parse_error().map(|e| format!("items[{i}]: {e}")))
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

/// Returns true when `f` returns true for some string value (not key) under `v`;
/// stops at the first. Lets a plugin find out whether an item needs changing before it
/// takes the item mutably (which costs its re-serialisation).
pub fn any_string(v: &Value, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().any(|x| any_string(x, f)),
        Value::Object(m) => m.values().any(|x| any_string(x, f)),
        _ => false,
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

/// Runs `f` over a `ResourceList` (JSON or YAML) and returns the output bytes, in the
/// input's format, or the message that ends the plugin with a failure.
pub fn process(
    input: &[u8],
    f: impl FnOnce(&mut ResourceList) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let mut list = ResourceList::parse(input)?;
    f(&mut list)?;
    if let Some(e) = list.parse_error() {
        return Err(e);
    }
    list.to_output()
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
    fn untouched_items_are_written_as_they_came() {
        let input = br#"{"items":[{"b": 1,  "a":"x"},{"k":"$(p)"}],"functionConfig":{}}"#;
        let out = process(input, |l| {
            assert_eq!(l.items[0].raw(), Some(r#"{"b": 1,  "a":"x"}"#));
            assert_eq!(l.items[0].kind(), "");
            assert!(
                l.items[0].raw().is_some(),
                "a shared read keeps the raw text"
            );
            assert!(!l.items[0].may_contain("$("));
            assert!(l.items[1].may_contain("$("));
            l.items[1]["k"] = json!("v");
            assert!(l.items[1].raw().is_none());
            l.items.push(Resource::new(json!({"kind": "New"})));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":[{\"b\": 1,  \"a\":\"x\"},{\"k\":\"v\"},{\"kind\":\"New\"}]}\n"
        );
    }

    #[test]
    fn may_contain_sees_through_escapes() {
        let list = ResourceList::from_json(
            br#"{"items":[{"a":"\u0024(x)"},{"a":"x\ny"},{"a":"a\/b"},{"a":"x"}]}"#,
        )
        .unwrap();
        assert!(list.items[0].may_contain("$("));
        assert!(!list.items[1].may_contain("$("));
        assert!(list.items[2].may_contain("a/b"));
        assert!(!list.items[3].may_contain("a/b"));
        assert!(list.items.iter().all(|i| i.raw().is_some()));
        assert!(any_string(&list.items[3], &mut |s| s == "x"));
        assert!(!any_string(&list.items[3], &mut |s| s == "a"));
        let list = ResourceList::from_json(
            br#"{"items":[{"d":"the generateName field"},{"m":{"generateName" :"x"}},{"\u0067enerateName":1}]}"#,
        )
        .unwrap();
        assert!(!list.items[0].may_contain_key("generateName"));
        assert!(list.items[0].may_contain("generateName"));
        assert!(list.items[1].may_contain_key("generateName"));
        assert!(list.items[2].may_contain_key("generateName"));
    }

    #[test]
    fn an_item_that_cannot_be_parsed_fails_when_read() {
        let input = br#"{"items":[{"n":1e999}]}"#;
        assert!(process(input, |_| Ok(())).is_ok(), "an unread item passes");
        let err = process(input, |l| {
            let _ = l.items[0].kind();
            Ok(())
        })
        .unwrap_err();
        assert!(err.contains("items[0]"), "{err}");
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn yaml_input_gives_yaml_output() {
        let input = b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n  metadata:\n    name: x\n  n: 0x1F\nfunctionConfig:\n  a: 1\n";
        let out = process(input, |l| {
            assert_eq!(l.format, Format::Yaml);
            assert_eq!(l.config(&["a"]), Some(&json!(1)));
            assert_eq!(l.items[0].name(), "x");
            l.items[0].set_name("y");
            l.warning("w");
            Ok(())
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- kind: A\n"
            ),
            "{text}"
        );
        let back: Value = serde_yaml_ng::from_str(&text).unwrap();
        assert_eq!(back["items"][0]["metadata"]["name"], "y");
        assert_eq!(back["results"][0]["severity"], "warning");
        // JSON stays JSON, even with leading whitespace.
        let out = process(b"  {\"items\":[]}", |l| {
            assert_eq!(l.format, Format::Json);
            Ok(())
        })
        .unwrap();
        assert!(out.starts_with(b"{"));
        assert!(ResourceList::parse(b"items: 3\n").is_err());
        assert!(ResourceList::parse(b"items: [3]\n").is_err());
        assert!(ResourceList::parse(b"- a\n").is_err());
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(ResourceList::from_json(br#"{"items": [3]}"#).is_err());
        assert!(ResourceList::from_json(b"not json").is_err());
        assert!(ResourceList::from_json(br#"{"items": 3}"#).is_err());
    }
}

//! Helpers the built-in transformers share: applying a list of field specs to a
//! resource, string-map setters, and reading plugin-config fields.

use crate::error::Error;
use crate::fieldspec::{Create, FieldSpec, RawSpec, apply};
use crate::resource::Resource;
use crate::yaml::Node;

/// Applies `set` at every field a selected spec reaches in `res` (specs are matched
/// against the resource's current group/version/kind). `Err` is the message.
pub(crate) fn apply_specs(
    res: &mut Resource,
    specs: &[FieldSpec],
    create: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    let gvk = res.id().gvk;
    for fs in specs {
        if fs.selects(&gvk) {
            apply(&mut res.node, fs, create, set)?;
        }
    }
    Ok(())
}

/// Sets string entries on a mapping node (labels, annotations, selectors).
pub(crate) fn set_entries<'a>(
    node: &mut Node,
    pairs: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<(), String> {
    if node.is_null() {
        *node = Node::map();
    }
    let Some(m) = node.as_map_mut() else {
        return Err(format!("expected a mapping, found a {}", node.kind_name()));
    };
    for (k, v) in pairs {
        m.insert(k.clone(), Node::str(v.clone()));
    }
    Ok(())
}

/// Builds a transform error naming the declaring file and, if known, the resource.
pub(crate) fn terr(
    file: &std::path::Path,
    what: &str,
    res: Option<&Resource>,
    msg: impl Into<String>,
) -> Error {
    Error::Transform {
        path: file.to_path_buf(),
        what: what.to_string(),
        resource: res.map(Resource::id),
        msg: msg.into(),
    }
}

/// Reads a plugin config's `fieldSpecs` (or another list of specs) field.
pub(crate) fn specs_field(config: &Node, key: &str) -> Result<Vec<FieldSpec>, String> {
    match config.get(key) {
        None => Ok(Vec::new()),
        Some(n) if n.is_null() => Ok(Vec::new()),
        Some(n) => {
            let v: Vec<RawSpec> = from_node(n).map_err(|e| format!("{key}: {e}"))?;
            Ok(v.into_iter().map(RawSpec::into_spec).collect())
        }
    }
}

/// Deserializes a node through its YAML text.
pub(crate) fn from_node<T: serde::de::DeserializeOwned>(n: &Node) -> Result<T, String> {
    let text = crate::yaml::emit(n).map_err(|e| e.to_string())?;
    serde_yaml_ng::from_str(&text).map_err(|e| e.to_string())
}

/// Reads a string field of a plugin config (empty when absent).
pub(crate) fn str_field<'a>(config: &'a Node, key: &str) -> &'a str {
    config.get(key).and_then(Node::as_str).unwrap_or("")
}

/// Deserializes a plugin-config mapping as Go's `encoding/json` reads it: keys match the
/// `known` field names case-insensitively and unknown keys are ignored.
pub(crate) fn from_node_lenient<T: serde::de::DeserializeOwned>(
    n: &Node,
    known: &[&str],
) -> Result<T, String> {
    let mut m = crate::yaml::Map::new();
    if let Some(src) = n.as_map() {
        for (k, v) in src {
            if let Some(name) = known.iter().find(|f| f.eq_ignore_ascii_case(k)) {
                m.insert((*name).to_string(), v.clone());
            }
        }
    }
    from_node(&Node::Map(m))
}

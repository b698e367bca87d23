//! Helpers the built-in transformers share: applying a list of field specs to a
//! resource, string-map setters, and reading plugin-config fields.

use std::sync::Arc;

use crate::error::Error;
use crate::fieldspec::walk::apply_traced;
use crate::fieldspec::{Create, FieldSpec, apply};
use crate::kustomization::{LenientSpecs, StrMap};
use crate::resource::{Alias, Resource, Step};
use crate::yaml::Node;
use crate::yaml::json::from_node;

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

/// The steps to the mapping each spec of one transformer reaches when no list is in the
/// way (the same for every resource), shared by the [`Alias`] groups of all resources.
pub(crate) type SpecSteps = Vec<Option<Arc<[Step]>>>;

/// Sets string entries at every mapping the selected specs reach in `res`, as kustomize's
/// labels and annotations filters do: per key, one node goes into every mapping that
/// lacks the key (those become one [`Alias`] group), and a mapping that has the key
/// takes the value in place, so every field sharing that node takes it too.
pub(crate) fn set_shared_entries(
    res: &mut Resource,
    specs: &[FieldSpec],
    pairs: &[(Arc<str>, Arc<str>)],
    steps: &mut SpecSteps,
) -> Result<(), String> {
    let gvk = res.id().gvk;
    steps.resize(specs.len(), None);
    let mut created: Vec<Vec<Arc<[Step]>>> = vec![Vec::new(); pairs.len()];
    let mut existing: Vec<(Arc<[Step]>, usize)> = Vec::new();
    for (fs, cached) in specs.iter().zip(steps.iter_mut()) {
        if !fs.selects(&gvk) {
            continue;
        }
        apply_traced(&mut res.node, fs, Create::Map, &mut |n, trace| {
            if n.is_null() {
                *n = Node::map();
            }
            let Some(m) = n.as_map_mut() else {
                return Err(format!("expected a mapping, found a {}", n.kind_name()));
            };
            let owned = || -> Arc<[Step]> {
                trace
                    .iter()
                    .map(|s| match s {
                        Step::Key(k) => Step::Key((*k).to_string()),
                        Step::Index(i) => Step::Index(*i),
                    })
                    .collect()
            };
            let at = if trace.iter().any(|s| matches!(s, Step::Index(_))) {
                owned()
            } else {
                cached.get_or_insert_with(owned).clone()
            };
            for (i, (k, v)) in pairs.iter().enumerate() {
                if m.insert(k.to_string(), Node::str(v.to_string())).is_some() {
                    existing.push((at.clone(), i));
                } else if let Some(c) = created.get_mut(i) {
                    c.push(at.clone());
                }
            }
            Ok(())
        })?;
    }
    for (map, i) in existing {
        if let Some((k, v)) = pairs.get(i) {
            res.write_through(&map, k, &Node::str(v.to_string()));
        }
    }
    for ((key, value), maps) in pairs.iter().zip(created) {
        if maps.len() > 1 {
            res.aliases.push(Alias {
                key: key.clone(),
                maps,
                value: value.clone(),
            });
        }
    }
    Ok(())
}

/// A string map as shared pairs, for [`set_shared_entries`].
pub(crate) fn shared_pairs(map: &StrMap) -> Vec<(Arc<str>, Arc<str>)> {
    map.iter()
        .map(|(k, v)| (Arc::from(k.as_str()), Arc::from(v.as_str())))
        .collect()
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
            let v: LenientSpecs = from_node(n).map_err(|e| format!("{key}: {e}"))?;
            Ok(v.0.iter().map(FieldSpec::from).collect())
        }
    }
}

/// Reads a string field of a plugin config (empty when absent). A number or boolean
/// there reads as sigs.k8s.io/yaml reads it into a string field (`prefix: 1.50` is
/// `1.5`: [`crate::yaml::json::from_node`]).
pub(crate) fn str_field(config: &Node, key: &str) -> String {
    config
        .get(key)
        .and_then(|n| crate::yaml::json::from_node::<String>(n).ok())
        .unwrap_or_default()
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
            if let Some(name) = crate::kustomization::go_field(known, k) {
                m.insert(name.to_string(), v.clone());
            }
        }
    }
    from_node(&Node::Map(m))
}

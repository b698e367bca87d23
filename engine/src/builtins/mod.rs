//! Built-in transformers and generators, one module each, all behind [`Transformer`] and
//! [`Generator`].
//!
//! The same type serves a kustomization field (`namePrefix: x`) and a `transformers:`
//! entry with `apiVersion: builtin` and its kustomize kind (`PrefixSuffixTransformer`).
//! `registry` builds them from either and fixes kustomize's order of application; this
//! module reads no file.

pub mod annotations;
pub mod build_metadata;
mod common;
pub mod configmap_generator;
pub mod hash_suffix;
pub mod iam_policy_generator;
pub mod images;
pub mod kv;
pub mod labels;
pub mod name_reference;
pub mod namespace;
pub mod prefix_suffix;
pub mod replicas;
pub mod secret_generator;
pub mod sort_order;
pub mod value_add;

pub use crate::transform::{Context, Generator, Transformer};

use crate::resource::{Behavior, Resource};
use crate::yaml::Node;

/// Combines a generated resource with the existing one it names (`behavior: merge` or
/// `replace`). `Err` is the message.
pub fn merge_generated(
    old: Resource,
    new: Resource,
    behavior: Behavior,
) -> std::result::Result<Resource, String> {
    let mut res = new;
    // Labels and annotations: the old ones, overridden by the new ones.
    for field in ["labels", "annotations"] {
        let mut merged = crate::yaml::Map::new();
        for src in [&old.node, &res.node] {
            if let Some(Node::Map(m)) = src.get_path(&["metadata", field]) {
                for (k, v) in m {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(meta) = res.node.get_mut("metadata").and_then(Node::as_map_mut) {
            if merged.is_empty() {
                meta.shift_remove(field);
            } else {
                meta.insert(field.to_string(), Node::Map(merged));
            }
        }
    }
    res.set_name(old.name());
    if old.namespace().is_empty() {
        if let Some(meta) = res.node.get_mut("metadata").and_then(Node::as_map_mut) {
            meta.shift_remove("namespace");
        }
    } else {
        res.set_namespace(old.namespace());
    }
    if behavior == Behavior::Merge {
        for field in ["data", "binaryData"] {
            let mut merged = crate::yaml::Map::new();
            for src in [&old.node, &res.node] {
                if let Some(Node::Map(m)) = src.get(field) {
                    for (k, v) in m {
                        merged.insert(k.clone(), v.clone());
                    }
                }
            }
            if let Some(m) = res.node.as_map_mut()
                && !merged.is_empty()
            {
                m.insert(field.to_string(), Node::Map(merged));
            }
        }
    }
    // Build bookkeeping (previous ids, prefixes, behaviour) stays the old one's.
    res.previous = old.previous;
    res.prefixes = old.prefixes;
    res.suffixes = old.suffixes;
    res.behavior = old.behavior;
    // A hash suffix only when both the existing resource and the new one want it: a
    // plain resource never gets one, and `disableNameSuffixHash` on either side wins.
    res.needs_hash = old.needs_hash && res.needs_hash;
    if behavior == Behavior::Merge {
        res.origin = old.origin;
        res.source = old.source;
    }
    Ok(res)
}

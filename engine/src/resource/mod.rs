//! The resource model: ids, resources and the ordered, indexed resource map.
//!
//! Vocabulary follows kustomize (`ResId`, `ResMap`) so both code bases read side by side.
//! Nothing here reads files or knows about kustomizations.

mod id;
mod resmap;
pub mod selector;

pub use id::{Gvk, ResId};
pub use resmap::ResMap;

use std::sync::Arc;

use crate::yaml::{Map, Node};

/// How a generated resource combines with an existing one of the same id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Behavior {
    /// Must not exist yet.
    #[default]
    Create,
    /// Replaces the existing resource.
    Replace,
    /// Merges data into the existing resource.
    Merge,
}

impl Behavior {
    /// Parses kustomize's spelling (`""`, `create`, `replace`, `merge`).
    pub fn parse(s: &str) -> Option<Behavior> {
        match s {
            "" | "create" => Some(Behavior::Create),
            "replace" => Some(Behavior::Replace),
            "merge" => Some(Behavior::Merge),
            _ => None,
        }
    }
}

/// One Kubernetes object plus the bookkeeping kustomize keeps beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The object itself (a mapping).
    pub node: Node,
    /// Ids this resource had before renames (prefix, suffix, hash, patches), oldest first;
    /// name references are resolved against these.
    pub previous: Vec<ResId>,
    /// Set on generated ConfigMaps and Secrets that still need their content hash suffix.
    pub needs_hash: bool,
    /// Generator behaviour, for resources produced by generators.
    pub behavior: Behavior,
    /// The file the resource came from, relative to the build root, for messages.
    pub source: Option<String>,
    /// Name prefixes applied so far, innermost first (kustomize's `prefixes` build
    /// annotation); name references only follow referrers with the same ending.
    pub prefixes: Vec<String>,
    /// Name suffixes applied so far, innermost first.
    pub suffixes: Vec<String>,
    /// For generated resources: the generator that made them (`buildMetadata` origins).
    pub origin: Option<Origin>,
    /// Transformers that ran while this resource was in the map
    /// (`buildMetadata: [transformerAnnotations]`), in order.
    pub transformations: Vec<Origin>,
    /// Fields kustomize holds as one shared YAML node (see [`Alias`]).
    pub aliases: Vec<Alias>,
}

/// Label or annotation fields that kustomize holds as one YAML node: its labels and
/// annotations transformers create a key with the same node in every field they write of
/// a resource (`metadata/labels`, selectors, templates), and a later in-place write to
/// one of them (another labels entry, a strategic merge patch, a replacement) shows in
/// all; a JSON patch or a plugin, which work on copies, unshares them.
#[derive(Clone, Debug, PartialEq)]
pub struct Alias {
    /// The key in each mapping.
    pub key: Arc<str>,
    /// The mappings holding it, as steps from the resource's root.
    pub maps: Vec<Arc<[Step]>>,
    /// The text every member holds, to tell which one an in-place edit changed.
    pub value: Arc<str>,
}

/// One step from a resource's root towards a field: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<K = String> {
    /// A mapping key.
    Key(K),
    /// A sequence index.
    Index(usize),
}

/// The generator config a resource came from, as kustomize's `resource.Origin`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// The file that configured the generator (kustomization or plugin config).
    pub configured_in: std::path::PathBuf,
    /// `apiVersion` of the generator (`builtin` for built-ins).
    pub api_version: String,
    /// Its kind.
    pub kind: String,
    /// Its `metadata.name`, if any.
    pub name: String,
    /// Its `metadata.namespace`, if any.
    pub namespace: String,
}

impl Resource {
    /// Wraps a node as a resource.
    pub fn new(node: Node) -> Resource {
        Resource {
            node,
            previous: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            source: None,
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            origin: None,
            transformations: Vec::new(),
            aliases: Vec::new(),
        }
    }

    /// Sets every member of the alias groups holding `key` in the mapping at `map` (one
    /// in-place write to a shared node).
    pub fn write_through(&mut self, map: &[Step], key: &str, value: &Node) {
        let Resource { node, aliases, .. } = self;
        for a in aliases.iter_mut() {
            if &*a.key == key && a.maps.iter().any(|m| **m == *map) {
                for m in &a.maps {
                    if let Some(slot) = alias_slot(node, m, key) {
                        *slot = value.clone();
                    }
                }
                a.value = value.as_str().unwrap_or("").into();
            }
        }
    }

    /// After an edit that may have written one member of an alias group in place: gives
    /// every member the changed value, forgets members that are gone, and drops groups
    /// left with one member.
    pub fn reconcile_aliases(&mut self) {
        let Resource { node, aliases, .. } = self;
        for a in aliases.iter_mut() {
            a.maps
                .retain(|m| alias_slot(node, m, &a.key).is_some_and(|n| n.as_str().is_some()));
            let changed = a.maps.iter().find_map(|m| {
                alias_slot(node, m, &a.key)
                    .filter(|n| n.as_str() != Some(&*a.value))
                    .map(|n| n.clone())
            });
            if let Some(v) = changed {
                for m in &a.maps {
                    if let Some(slot) = alias_slot(node, m, &a.key) {
                        *slot = v.clone();
                    }
                }
                a.value = v.as_str().unwrap_or("").into();
            }
        }
        aliases.retain(|a| a.maps.len() > 1);
    }

    /// Returns the current id (group, version, kind, namespace, name).
    pub fn id(&self) -> ResId {
        ResId::of(&self.node)
    }

    /// Returns the original id: the first one this resource had.
    pub fn orig_id(&self) -> ResId {
        self.previous.first().cloned().unwrap_or_else(|| self.id())
    }

    /// Returns every id the resource has had, oldest first, ending with the current one.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut v = self.previous.clone();
        v.push(self.id());
        v
    }

    /// Records the current id as a previous one before a rename.
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.previous.last() != Some(&id) {
            self.previous.push(id);
        }
    }

    /// Returns `apiVersion`.
    pub fn api_version(&self) -> &str {
        self.node.str_at(&["apiVersion"]).unwrap_or("")
    }

    /// Returns `kind`.
    pub fn kind(&self) -> &str {
        self.node.str_at(&["kind"]).unwrap_or("")
    }

    /// Returns `metadata.name`.
    pub fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or("")
    }

    /// Returns `metadata.namespace`.
    pub fn namespace(&self) -> &str {
        self.node.str_at(&["metadata", "namespace"]).unwrap_or("")
    }

    /// Sets `metadata.name`.
    pub fn set_name(&mut self, name: &str) {
        if let Some(n) = self.node.ensure_path(&["metadata", "name"]) {
            *n = Node::str(name);
        }
    }

    /// Sets `metadata.namespace`.
    pub fn set_namespace(&mut self, ns: &str) {
        if let Some(n) = self.node.ensure_path(&["metadata", "namespace"]) {
            *n = Node::str(ns);
        }
    }

    /// Returns `metadata.labels` as string pairs.
    pub fn labels(&self) -> Vec<(String, String)> {
        string_map(self.node.get_path(&["metadata", "labels"]))
    }

    /// Returns `metadata.annotations` as string pairs.
    pub fn annotations(&self) -> Vec<(String, String)> {
        string_map(self.node.get_path(&["metadata", "annotations"]))
    }

    /// Returns one annotation.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.node.str_at(&["metadata", "annotations", key])
    }

    /// Sets one annotation, creating `metadata.annotations` if needed.
    pub fn set_annotation(&mut self, key: &str, value: &str) {
        if let Some(Node::Map(m)) = self.node.ensure_path(&["metadata", "annotations"]) {
            m.insert(key.to_string(), Node::str(value));
        }
    }

    /// Removes one annotation, and the annotations map when it becomes empty.
    pub fn remove_annotation(&mut self, key: &str) {
        remove_meta_key(&mut self.node, "annotations", key);
    }

    /// Removes `metadata.annotations` when it is empty or null, as kustomize leaves it
    /// after rewriting a resource's annotations.
    pub fn drop_empty_annotations(&mut self) {
        if let Some(meta) = self.node.get_mut("metadata").and_then(Node::as_map_mut) {
            let empty = match meta.get("annotations") {
                Some(Node::Map(m)) => m.is_empty(),
                Some(n) => n.is_null(),
                None => false,
            };
            if empty {
                meta.shift_remove("annotations");
            }
        }
    }

    /// Removes one label, and the labels map when it becomes empty.
    pub fn remove_label(&mut self, key: &str) {
        remove_meta_key(&mut self.node, "labels", key);
    }

    /// Returns true for `kind: List` style wrappers and other kinds whose name ends in `List`
    /// and which carry `items`.
    pub fn is_list(&self) -> bool {
        self.kind().ends_with("List") && self.node.get("items").is_some()
    }
}

fn string_map(n: Option<&Node>) -> Vec<(String, String)> {
    match n.and_then(Node::as_map) {
        Some(m) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        None => Vec::new(),
    }
}

fn remove_meta_key(node: &mut Node, field: &str, key: &str) {
    let Some(meta) = node.get_mut("metadata").and_then(Node::as_map_mut) else {
        return;
    };
    let empty = match meta.get_mut(field).and_then(Node::as_map_mut) {
        Some(m) => {
            m.shift_remove(key);
            m.is_empty()
        }
        None => false,
    };
    if empty {
        meta.shift_remove(field);
    }
}

/// Returns a mapping with the given string entries, in order.
pub fn string_pairs_node<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Node {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), Node::str(v));
    }
    Node::Map(m)
}

/// The value of `key` in the mapping `map` leads to.
fn alias_slot<'n>(node: &'n mut Node, map: &[Step], key: &str) -> Option<&'n mut Node> {
    let mut cur = node;
    for step in map {
        cur = match (step, cur) {
            (Step::Key(k), Node::Map(m)) => m.get_mut(k)?,
            (Step::Index(i), Node::Seq(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    cur.as_map_mut()?.get_mut(key)
}

/// kustomize reads annotations back as strings after patches and replacements
/// (`GetAnnotations`/`SetAnnotations` round trips), so their values print quoted:
/// `a: 1` becomes `a: "1"`. Labels keep their type.
pub fn stringify_annotations(node: &mut Node) {
    if let Some(Node::Map(m)) = node.get_path_mut(&["metadata", "annotations"]) {
        for v in m.values_mut() {
            if let Node::Scalar(s) = v
                && s.tag != crate::yaml::Tag::Null
            {
                s.tag = crate::yaml::Tag::Str;
            }
        }
    }
}

//! kustomize's ReplacementTransformer: copy a value from one resource's field into
//! fields of other resources (`replacements:`, inline or from files).
//!
//! Follows `api/filters/replacement`: exactly one source resource (matched by exact id,
//! current or previous), a field path with list selectors, optional delimiter/index
//! refinement; targets selected by regular expressions (and labels/annotations),
//! `reject` selectors, every matching field (an error when none), `options.create`.
//! Scalars keep their type and take only the new text; other targets are replaced.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::fieldspec::Create;
use crate::kustomization::{ReplacementField, Selector};
use crate::loader::Root;
use crate::resource::selector::Target;
use crate::resource::{Gvk, ResId, ResMap, Resource};
use crate::transform::{Context, Transformer};
use crate::yaml::json::from_node;
use crate::yaml::{Node, Scalar, Tag};

use super::path::{for_each_match, lookup, split};

const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// `options` of a source or target.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldOptions {
    /// Split the value on this string.
    #[serde(default)]
    pub delimiter: String,
    /// Which part (with a delimiter).
    #[serde(default)]
    pub index: i64,
    /// Unused by built-ins (kept for compatibility).
    #[serde(default)]
    pub encoding: String,
    /// Create missing target fields.
    #[serde(default)]
    pub create: bool,
}

/// Where the value comes from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceSelector {
    /// Group.
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
    /// Dotted path; `metadata.name` by default.
    #[serde(default)]
    pub field_path: String,
    /// Delimiter / index.
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

/// Where the value goes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TargetSelector {
    /// Which resources.
    #[serde(default)]
    pub select: Option<Selector>,
    /// Which resources to leave alone.
    #[serde(default)]
    pub reject: Vec<Selector>,
    /// Dotted paths; `metadata.name` by default.
    #[serde(default)]
    pub field_paths: Vec<String>,
    /// Delimiter / index / create.
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

/// One replacement.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replacement {
    /// The source.
    #[serde(default)]
    pub source: Option<SourceSelector>,
    /// The targets.
    #[serde(default)]
    pub targets: Option<Vec<TargetSelector>>,
}

/// A file entry of `replacements:` (`path:`) or an inline replacement.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    path: String,
    #[serde(default)]
    source: Option<SourceSelector>,
    #[serde(default)]
    targets: Option<Vec<TargetSelector>>,
}

/// The transformer: replacements in order.
pub struct ReplacementTransformer {
    replacements: Vec<Replacement>,
    file: PathBuf,
}

fn load_file(root: &Root<'_>, path: &str) -> Result<Vec<Replacement>> {
    let full = root.resolve(path)?;
    let text = root.loader.read_text(&full)?;
    let docs = root.loader.parse_yaml(&text, &full)?;
    let mut out = Vec::new();
    for d in docs.iter().filter(|d| !d.is_null()) {
        match d {
            Node::Seq(_) => {
                out.extend(from_node::<Vec<Replacement>>(d).map_err(|m| Error::config(&full, m))?)
            }
            _ => out.push(from_node::<Replacement>(d).map_err(|m| Error::config(&full, m))?),
        }
    }
    Ok(out)
}

fn entries_to_replacements(
    entries: Vec<Entry>,
    root: &Root<'_>,
    file: &Path,
) -> Result<Vec<Replacement>> {
    let mut out = Vec::new();
    for e in entries {
        if !e.path.is_empty() {
            if e.source.is_some() || e.targets.is_some() {
                return Err(Error::config(
                    file,
                    "cannot specify both path and inline replacement",
                ));
            }
            out.extend(load_file(root, &e.path)?);
        } else {
            out.push(Replacement {
                source: e.source,
                targets: e.targets,
            });
        }
    }
    Ok(out)
}

impl ReplacementTransformer {
    /// From a kustomization's `replacements:` field.
    pub fn from_fields(
        fields: &[ReplacementField],
        root: &Root<'_>,
        file: &Path,
    ) -> Result<ReplacementTransformer> {
        let mut entries = Vec::new();
        for f in fields {
            let v = serde_json::to_value(f).map_err(|e| Error::config(file, e.to_string()))?;
            entries.push(
                serde_json::from_value::<Entry>(v)
                    .map_err(|e| e.to_string())
                    .map_err(|m| Error::config(file, format!("replacements: {m}")))?,
            );
        }
        Ok(ReplacementTransformer {
            replacements: entries_to_replacements(entries, root, file)?,
            file: file.to_path_buf(),
        })
    }

    /// From a `transformers:` entry of kind ReplacementTransformer.
    pub fn from_config(
        node: &Node,
        root: &Root<'_>,
        file: &Path,
    ) -> Result<ReplacementTransformer> {
        #[derive(Deserialize)]
        struct C {
            #[serde(default)]
            replacements: Vec<Entry>,
        }
        let c: C = crate::kustomization::config_fields(node).map_err(|m| {
            Error::config(
                file,
                format!("plugin {} fails configuration: {m}", ResId::of(node)),
            )
        })?;
        Ok(ReplacementTransformer {
            replacements: entries_to_replacements(c.replacements, root, file)?,
            file: file.to_path_buf(),
        })
    }
}

impl Transformer for ReplacementTransformer {
    fn name(&self) -> &str {
        "ReplacementTransformer"
    }

    fn transform(&self, resources: &mut ResMap, _cx: &Context<'_>) -> Result<()> {
        let err = |m: String| Error::transform(&self.file, "replacements", m);
        for r in &self.replacements {
            let (Some(src), Some(targets)) = (&r.source, &r.targets) else {
                return Err(err(
                    "replacements must specify a source and at least one target".into(),
                ));
            };
            let value = source_value(resources, src).map_err(err)?;
            for t in targets {
                apply_target(resources, &value, t).map_err(err)?;
            }
            resources.fresh();
        }
        Ok(())
    }
}

fn source_id(s: &SourceSelector) -> ResId {
    ResId {
        gvk: Gvk {
            group: s.group.clone(),
            version: s.version.clone(),
            kind: s.kind.clone(),
        },
        name: s.name.clone(),
        namespace: s.namespace.clone(),
    }
}

fn selected_by(id: &ResId, sel: &ResId) -> bool {
    (sel.name.is_empty() || sel.name == id.name)
        && (sel.namespace.is_empty() || sel.effective_namespace() == id.effective_namespace())
        && id.gvk.matches(&sel.gvk)
}

fn source_value(resources: &ResMap, s: &SourceSelector) -> std::result::Result<Node, String> {
    let sel = source_id(s);
    let mut found: Option<&Resource> = None;
    for r in resources.iter() {
        if r.all_ids().iter().any(|id| selected_by(id, &sel)) {
            if found.is_some() {
                return Err(format!("multiple matches for selector {sel}"));
            }
            found = Some(r);
        }
    }
    let Some(res) = found else {
        return Err(format!("nothing selected by {sel}"));
    };
    let fp = if s.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &s.field_path
    };
    let v = lookup(&res.node, &split(fp))
        .filter(|n| {
            !n.is_null()
                && !matches!(n, Node::Map(m) if m.is_empty())
                && !matches!(n, Node::Seq(v) if v.is_empty())
        })
        .ok_or_else(|| format!("fieldPath `{fp}` is missing for replacement source {sel}"))?;
    refine(s.options.as_ref(), v)
}

fn refine(options: Option<&FieldOptions>, v: &Node) -> std::result::Result<Node, String> {
    let Some(o) = options.filter(|o| !o.delimiter.is_empty()) else {
        return Ok(v.clone());
    };
    let Node::Scalar(s) = v else {
        return Err("delimiter option can only be used with scalar nodes".into());
    };
    let parts: Vec<&str> = s.value.split(o.delimiter.as_str()).collect();
    let part = usize::try_from(o.index).ok().and_then(|i| parts.get(i));
    match part {
        Some(p) => Ok(Node::Scalar(Scalar::new(s.tag, (*p).to_string()))),
        None => Err(format!(
            "options.index {} is out of bounds for value {}",
            o.index, s.value
        )),
    }
}

fn compile(s: &Selector) -> std::result::Result<Target, String> {
    Target::new(s)
}

fn apply_target(
    resources: &mut ResMap,
    value: &Node,
    t: &TargetSelector,
) -> std::result::Result<(), String> {
    let Some(sel) = &t.select else {
        return Err("target must specify resources to select".into());
    };
    let select = compile(sel)?;
    let rejects: Vec<Target> = t
        .reject
        .iter()
        .map(compile)
        .collect::<std::result::Result<_, _>>()?;
    let default_paths = [DEFAULT_FIELD_PATH.to_string()];
    let paths: &[String] = if t.field_paths.is_empty() {
        &default_paths
    } else {
        &t.field_paths
    };
    let create = match (t.options.as_ref().is_some_and(|o| o.create), value) {
        (false, _) => Create::No,
        (true, Node::Map(_)) => Create::Map,
        (true, Node::Seq(_)) => Create::Seq,
        (true, Node::Scalar(_)) => Create::Scalar,
    };
    for r in resources.iter_mut() {
        if !select.matches_meta(r) {
            continue;
        }
        let ids = r.all_ids();
        let rejected = rejects
            .iter()
            .any(|rj| rj.matches_meta(r) && ids.iter().any(|id| rj.matches_id(id)));
        if rejected || !ids.iter().any(|id| select.matches_id(id)) {
            continue;
        }
        for fp in paths {
            let n = for_each_match(&mut r.node, &split(fp), create, &mut |target, made| {
                set_value(t.options.as_ref(), target, value, made)
            })?;
            if n == 0 {
                return Err(if create == Create::No {
                    format!("unable to find field \"{fp}\" in replacement target")
                } else {
                    format!("unable to find or create field \"{fp}\" in replacement target")
                });
            }
        }
        r.reconcile_aliases();
        crate::resource::stringify_annotations(&mut r.node);
    }
    Ok(())
}

fn set_value(
    options: Option<&FieldOptions>,
    target: &mut Node,
    value: &Node,
    created: bool,
) -> std::result::Result<(), String> {
    let mut value = value.clone();
    if let Some(o) = options.filter(|o| !o.delimiter.is_empty()) {
        let Node::Scalar(ts) = &*target else {
            return Err("delimiter option can only be used with scalar nodes".into());
        };
        let mut parts: Vec<String> = ts
            .value
            .split(o.delimiter.as_str())
            .map(str::to_string)
            .collect();
        let v = value.as_str().unwrap_or("").to_string();
        if o.index < 0 {
            parts.insert(0, v);
        } else if let Some(slot) = usize::try_from(o.index).ok().filter(|i| *i < parts.len()) {
            parts[slot] = v;
        } else {
            parts.push(v);
        }
        let joined = parts.join(&o.delimiter);
        value = match value {
            Node::Scalar(s) => Node::Scalar(Scalar::new(s.tag, joined)),
            _ => Node::str(joined),
        };
    }
    match (&mut *target, &value) {
        (Node::Scalar(ts), Node::Scalar(vs)) if created => {
            // A created field is an untagged scalar: its type follows the new text.
            ts.tag = crate::yaml::resolve::resolve_plain(&vs.value);
            ts.value = vs.value.clone();
        }
        (Node::Scalar(ts), _) => {
            // Scalars keep their type (as kustomize: an int target stays an int); only the
            // text changes, and a mapping or sequence has none (kyaml's node value is "").
            let text = value.as_str().unwrap_or("");
            keeps_type(ts.tag, text)?;
            ts.value = text.to_string();
        }
        _ => *target = value,
    }
    Ok(())
}

/// go-yaml's check when a scalar keeps its tag but takes new text: the text must resolve
/// to that type (an int may be read as a float), else kustomize fails to print it.
fn keeps_type(tag: Tag, text: &str) -> std::result::Result<(), String> {
    let resolved = crate::yaml::resolve::resolve_plain(text);
    if tag == Tag::Str || tag == resolved || (tag == Tag::Float && resolved == Tag::Int) {
        return Ok(());
    }
    Err(format!(
        "yaml: cannot decode {} `{text}` as a {}",
        tag_name(resolved),
        tag_name(tag)
    ))
}

fn tag_name(tag: Tag) -> &'static str {
    match tag {
        Tag::Null => "!!null",
        Tag::Bool => "!!bool",
        Tag::Int => "!!int",
        Tag::Float => "!!float",
        Tag::Timestamp => "!!timestamp",
        Tag::Str => "!!str",
    }
}

//! `edit fix --vars`: legacy `vars` converted to `replacements`, as kustomize's
//! `ConvertVarsToReplacements` does.
//!
//! Each var becomes a replacement whose source is the var's object and field, and whose
//! targets are every field of the files the kustomization reaches (its resources, the
//! resources of kustomizations it includes, its patch files) that holds `$(VAR)`: the
//! whole value, or one part of it split by the character around the reference (a
//! `delimiter` and `index`). The reference itself becomes `VAR_PLACEHOLDER`.

use std::path::{Component, Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use crate::fs::{Fs, Kind};
use crate::kustomization::{FILE_NAMES, Kustomization, Patch, ReplacementField};
use crate::yaml::Node;

/// How deep kustomizations may include each other here.
const MAX_DEPTH: usize = 100;

/// Converts `k.vars`; returns the files to rewrite (relative to `dir`, with new text).
pub(super) fn convert(
    fs: &dyn Fs,
    dir: &Path,
    k: &mut Kustomization,
) -> Result<Vec<(PathBuf, String)>, String> {
    if k.vars.is_empty() {
        return Ok(Vec::new());
    }
    k.resources.append(&mut k.bases);
    let mut files: Vec<(String, Option<Patch>)> = Vec::new();
    touched(fs, dir, k, "", &mut files, 0)?;
    // Each file's text as read, then as rewritten var by var.
    let mut texts: Vec<(String, Option<Patch>, String)> = Vec::new();
    for (f, patch) in files {
        if let Ok(bytes) = fs.read(&dir.join(&f))
            && let Ok(text) = String::from_utf8(bytes)
        {
            texts.push((f, patch, text));
        }
    }
    let originals: Vec<String> = texts.iter().map(|t| t.2.clone()).collect();
    let mut replacements = Vec::new();
    for v in std::mem::take(&mut k.vars) {
        let mut targets: Vec<Value> = Vec::new();
        for (file, patch, text) in &texts {
            let Ok(docs) = crate::yaml::parse::parse_documents(text) else {
                continue;
            };
            for doc in docs.iter().filter(|d| !d.is_null()) {
                let mut found = Vec::new();
                find(doc, &format!("$({})", v.name), &mut Vec::new(), &mut found)
                    .map_err(|e| format!("error with {file}: {e}"))?;
                for (path, options) in found {
                    targets.push(target(doc, patch.as_ref(), path, options));
                }
            }
        }
        let (group, version) = split_api_version(&v.objref.api_version);
        let mut source = Mapping::new();
        for (key, val) in [
            ("group", group.to_string()),
            ("version", version.to_string()),
            ("kind", v.objref.kind.clone()),
            ("name", v.objref.name.clone()),
            ("namespace", v.objref.namespace.clone()),
            (
                "fieldPath",
                v.fieldref
                    .as_ref()
                    .map(|f| f.field_path.clone())
                    .unwrap_or_default(),
            ),
        ] {
            if !val.is_empty() {
                source.insert(key.into(), Value::String(val));
            }
        }
        replacements.push(ReplacementField {
            path: String::new(),
            source: Some(Value::Mapping(source)),
            targets: (!targets.is_empty()).then_some(Value::Sequence(targets)),
        });
        let (from, to) = (format!("$({})", v.name), format!("{}_PLACEHOLDER", v.name));
        for t in &mut texts {
            t.2 = t.2.replace(&from, &to);
        }
    }
    k.replacements = replacements;
    let mut out = Vec::new();
    for ((file, _, text), original) in texts.into_iter().zip(originals) {
        if text == original {
            continue;
        }
        let rel = PathBuf::from(&file);
        if rel.is_absolute() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(format!(
                "fix --vars would rewrite {file}, outside this kustomization's directory; run it where that file's kustomization can be rewritten too"
            ));
        }
        out.push((rel, text));
    }
    Ok(out)
}

/// The files a kustomization reaches, as kustomize's `filesTouchedByKustomize` lists
/// them: each resource (a directory's kustomization first), then its patch files.
fn touched(
    fs: &dyn Fs,
    dir: &Path,
    k: &Kustomization,
    prefix: &str,
    out: &mut Vec<(String, Option<Patch>)>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "kustomizations include each other more than {MAX_DEPTH} deep"
        ));
    }
    let join = |p: &str| {
        if prefix.is_empty() {
            p.to_string()
        } else {
            format!("{prefix}/{p}")
        }
    };
    for r in &k.resources {
        let rel = join(r);
        let at = dir.join(&rel);
        if fs.kind(&at) == Some(Kind::Dir) {
            for name in FILE_NAMES {
                let Ok(bytes) = fs.read(&at.join(name)) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                let sub = Kustomization::parse(&text).map_err(|e| format!("{rel}/{name}: {e}"))?;
                touched(fs, dir, &sub, &rel, out, depth + 1)?;
            }
        }
        out.push((rel, None));
    }
    for p in &k.patches {
        if !p.path.is_empty() {
            out.push((join(&p.path), Some(p.clone())));
        }
    }
    Ok(())
}

/// The delimiter and index a reference inside a longer value needs.
type Options = Option<(String, usize)>;

/// Finds the fields of `node` whose value holds `var`: kustomize's path syntax (keys
/// holding a dot in brackets, list positions as numbers).
fn find(
    node: &Node,
    var: &str,
    path: &mut Vec<String>,
    out: &mut Vec<(String, Options)>,
) -> Result<(), String> {
    match node {
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                find(item, var, path, out)?;
                path.pop();
            }
        }
        Node::Map(m) => {
            for (key, value) in m.iter() {
                let key = key.trim();
                path.push(if key.contains('.') {
                    format!("[{key}]")
                } else {
                    key.to_string()
                });
                find(value, var, path, out)?;
                path.pop();
            }
        }
        Node::Scalar(s) => {
            if s.value.contains(var) {
                out.push((path.join("."), options(&s.value, var)?));
            }
        }
    }
    Ok(())
}

/// kustomize's `constructFieldOptions`: a value that is the reference needs none; one
/// that starts or ends with it splits on the character next to it; one that holds it in
/// the middle needs the same character on both sides.
fn options(value: &str, var: &str) -> Result<Options, String> {
    if value == var {
        return Ok(None);
    }
    let Some(i) = value.find(var) else {
        return Ok(None);
    };
    let end = i + var.len();
    let char_at = |at: usize| value[at..].chars().next().map(String::from);
    let char_before = |at: usize| value[..at].chars().next_back().map(String::from);
    let (delimiter, index) = if i == 0 {
        let d = char_at(end).unwrap_or_default();
        (d, 0)
    } else if end >= value.len() {
        let d = char_before(i).unwrap_or_default();
        let n = value.split(d.as_str()).count();
        (d, n.saturating_sub(1))
    } else {
        let pre = char_before(i).unwrap_or_default();
        let post = char_at(end).unwrap_or_default();
        if pre != post {
            return Err(format!(
                "cannot convert all vars to replacements; {var} is not delimited"
            ));
        }
        let index = value
            .split(pre.as_str())
            .position(|p| p == var)
            .ok_or_else(|| format!("internal error: could not get index of var {var}"))?;
        (pre, index)
    };
    Ok(Some((delimiter, index)))
}

/// One replacement target: the resource the field is in (or, for a patch file, the
/// patch's target), the field, and the split options.
fn target(doc: &Node, patch: Option<&Patch>, path: String, options: Options) -> Value {
    let get = |k: &[&str]| {
        doc.get_path(k)
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut select = Mapping::new();
    let put = |m: &mut Mapping, k: &str, v: String| {
        if !v.is_empty() {
            m.insert(k.into(), Value::String(v));
        }
    };
    let api_version = get(&["apiVersion"]);
    let (group, version) = split_api_version(&api_version);
    let from_patch = patch.and_then(|p| {
        let opts = p.options.clone().unwrap_or_default();
        let name_change = opts.get("allowNameChange").copied().unwrap_or(false);
        let kind_change = opts.get("allowKindChange").copied().unwrap_or(false);
        (!name_change || !kind_change).then(|| {
            (
                p.target.clone().unwrap_or_default(),
                name_change,
                kind_change,
            )
        })
    });
    match from_patch {
        Some((t, name_change, kind_change)) => {
            put(&mut select, "group", t.group);
            put(&mut select, "version", t.version);
            put(
                &mut select,
                "kind",
                if kind_change { get(&["kind"]) } else { t.kind },
            );
            put(
                &mut select,
                "name",
                if name_change {
                    get(&["metadata", "name"])
                } else {
                    t.name
                },
            );
            let ns = get(&["metadata", "namespace"]);
            put(
                &mut select,
                "namespace",
                if ns.is_empty() { t.namespace } else { ns },
            );
            put(&mut select, "labelSelector", t.label_selector);
            put(&mut select, "annotationSelector", t.annotation_selector);
        }
        None => {
            put(&mut select, "group", group.to_string());
            put(&mut select, "version", version.to_string());
            put(&mut select, "kind", get(&["kind"]));
            put(&mut select, "name", get(&["metadata", "name"]));
            put(&mut select, "namespace", get(&["metadata", "namespace"]));
        }
    }
    let mut t = Mapping::new();
    t.insert("select".into(), Value::Mapping(select));
    t.insert(
        "fieldPaths".into(),
        Value::Sequence(vec![Value::String(path)]),
    );
    if let Some((delimiter, index)) = options {
        let mut o = Mapping::new();
        o.insert("delimiter".into(), Value::String(delimiter));
        if index != 0 {
            o.insert("index".into(), Value::Number(index.into()));
        }
        t.insert("options".into(), Value::Mapping(o));
    }
    Value::Mapping(t)
}

/// `group/version` (or a core `version`) as its two parts.
fn split_api_version(av: &str) -> (&str, &str) {
    match av.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", av),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_follow_kustomize() {
        let v = "$(X)";
        assert_eq!(options("$(X)", v), Ok(None));
        assert_eq!(options("$(X).svc", v), Ok(Some((".".into(), 0))));
        assert_eq!(options("http://$(X)", v), Ok(Some(("/".into(), 2))));
        assert_eq!(options("a-$(X)-b", v), Ok(Some(("-".into(), 1))));
        assert!(options("a-$(X).b", v).is_err());
    }
}

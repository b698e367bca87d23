//! `create` (alias `init`): a new kustomization file, as kustomize's `create` writes it.

use std::path::{Path, PathBuf};

use super::{EditOp, Meta, expand, find_kustomization, parse_meta_text, render, text::Doc};
use crate::error::{Error, Result};
use crate::fs::{self, Fs, Kind};
use crate::kustomization::{FILE_NAMES, Kustomization};

/// The flags of `create`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateOptions {
    /// `--resources`: comma-separated paths (globs and remote references allowed).
    pub resources: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--nameprefix`.
    pub prefix: String,
    /// `--namesuffix`.
    pub suffix: String,
    /// `--labels`: comma-separated `key:value`.
    pub labels: String,
    /// `--annotations`: comma-separated `key:value`.
    pub annotations: String,
    /// `--autodetect`: add the Kubernetes resource files found in the directory.
    pub autodetect: bool,
    /// `--recursive`: autodetect in subdirectories too (a directory holding a
    /// kustomization is added as a whole).
    pub recursive: bool,
}

/// Creates `kustomization.yaml` in `dir`; refuses when a kustomization file exists.
pub fn create(fs: &dyn Fs, dir: &Path, o: &CreateOptions) -> Result<PathBuf> {
    let path = dir.join(FILE_NAMES[0]);
    let config = |msg: String| Error::Config {
        path: path.clone(),
        msg,
    };
    let mut resources: Vec<String> = Vec::new();
    if !o.resources.is_empty() {
        let patterns: Vec<String> = o.resources.split(',').map(str::to_string).collect();
        resources = expand(fs, dir, &patterns, true).map_err(config)?;
    }
    if find_kustomization(fs, dir).is_ok() {
        return Err(config("kustomization file already exists".into()));
    }
    if o.autodetect {
        for r in detect(fs, dir, "", o.recursive) {
            if !resources.contains(&r) {
                resources.push(r);
            }
        }
    }
    let mut k = Kustomization {
        api_version: super::API_VERSION.to_string(),
        kind: "Kustomization".to_string(),
        resources,
        namespace: o.namespace.clone(),
        name_prefix: o.prefix.clone(),
        name_suffix: o.suffix.clone(),
        ..Kustomization::default()
    };
    let labels = parse_meta_text(Meta::Label, &o.labels).map_err(config)?;
    let annotations = parse_meta_text(Meta::Annotation, &o.annotations).map_err(config)?;
    k.common_labels = (!labels.is_empty()).then_some(labels);
    k.common_annotations = (!annotations.is_empty()).then_some(annotations);
    if !o.namespace.is_empty() {
        // The same check `edit set namespace` makes.
        super::edit_value(&mut k.clone(), &EditOp::SetNamespace(o.namespace.clone()))
            .map_err(config)?;
    }
    let mut doc = Doc::parse("");
    let empty = serde_yaml_ng::Value::Mapping(serde_yaml_ng::Mapping::new());
    render::rewrite(&mut doc, &empty, &render::to_value(&k).map_err(config)?);
    fs::write_atomic(&path, doc.render().as_bytes()).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The resource files (and, recursively, kustomization directories) under `dir/rel`, in
/// the order Go's `filepath.Walk` visits them (lexical).
fn detect(fs: &dyn Fs, dir: &Path, rel: &str, recursive: bool) -> Vec<String> {
    let mut out = Vec::new();
    let at = if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    };
    let Ok(entries) = fs.read_dir(&at) else {
        return out;
    };
    for e in entries {
        let Some(name) = e.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let child = if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        match fs.kind(&e) {
            Some(Kind::Dir) if recursive => {
                if FILE_NAMES
                    .iter()
                    .any(|f| fs.kind(&e.join(f)) == Some(Kind::File))
                {
                    out.push(child);
                } else {
                    out.extend(detect(fs, dir, &child, recursive));
                }
            }
            Some(Kind::File) if is_resource_file(fs, &e) => out.push(child),
            _ => {}
        }
    }
    out
}

/// True when a file reads as Kubernetes objects: every YAML document a mapping with a
/// `kind` (an empty file holds none, and counts, as in kustomize).
fn is_resource_file(fs: &dyn Fs, path: &Path) -> bool {
    let Ok(bytes) = fs.read(path) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    let Ok(docs) = crate::yaml::parse::parse_documents(&text) else {
        return false;
    };
    docs.iter().filter(|d| !d.is_null()).all(|d| {
        d.as_map().is_some()
            && d.get_path(&["kind"])
                .and_then(crate::yaml::Node::as_str)
                .is_some_and(|k| !k.is_empty())
    })
}

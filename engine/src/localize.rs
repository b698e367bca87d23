//! `localize`: a copy of a kustomization tree that builds with nothing outside it, as
//! `kustomize localize` makes for local files.
//!
//! Every kustomization reachable from the target (resources and components that are
//! directories) and every local file they name is copied under the destination, at its
//! path relative to the scope (the target by default), so the relative references in the
//! copied kustomization files stay true and those files are copied unchanged, comments
//! included. A reference leaving the scope is refused, as kustomize refuses it; a remote
//! reference is refused because Strata builds local trees only (kustomize would download
//! it). The destination must not exist; it appears whole or not at all.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::edit::find_kustomization;
use crate::error::{Error, Result};
use crate::fs::{self, Fs, Kind};
use crate::kustomization::Kustomization;

/// How deep kustomizations may nest through directory references.
const MAX_DEPTH: usize = 200;

/// Copies the kustomization tree at `target` into the new directory `dest`; returns the
/// files written (relative to `dest`).
pub fn localize(
    fs: &dyn Fs,
    target: &Path,
    scope: Option<&Path>,
    dest: &Path,
) -> Result<Vec<PathBuf>> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let target = fs.canonicalize(target).map_err(io(target))?;
    let scope = match scope {
        Some(s) => fs.canonicalize(s).map_err(io(s))?,
        None => target.clone(),
    };
    if !target.starts_with(&scope) {
        return Err(Error::Config {
            path: target.clone(),
            msg: format!(
                "root {} is not within scope {}",
                target.display(),
                scope.display()
            ),
        });
    }
    if fs.kind(dest).is_some() {
        return Err(Error::Config {
            path: dest.to_path_buf(),
            msg: "localize destination already exists".into(),
        });
    }
    let mut files: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    walk(fs, &target, &scope, &mut files, &mut seen, 0)?;
    let mut copies: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for f in &files {
        let bytes = fs.read(f).map_err(io(f))?;
        let rel = f.strip_prefix(&scope).unwrap_or(f).to_path_buf();
        copies.push((rel, bytes));
    }
    fs::create_dir_atomic(dest, |tmp| {
        for (rel, bytes) in &copies {
            let p = tmp.join(rel);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write_file(&p, bytes)?;
        }
        Ok(())
    })
    .map_err(io(dest))?;
    Ok(copies.into_iter().map(|(r, _)| r).collect())
}

/// Adds the kustomization in `dir` and everything it names to `files`.
fn walk(
    fs: &dyn Fs,
    dir: &Path,
    scope: &Path,
    files: &mut BTreeSet<PathBuf>,
    seen: &mut BTreeSet<PathBuf>,
    depth: usize,
) -> Result<()> {
    if !seen.insert(dir.to_path_buf()) {
        return Ok(());
    }
    let kfile = find_kustomization(fs, dir)?;
    if depth > MAX_DEPTH {
        return Err(Error::Config {
            path: kfile,
            msg: format!("kustomizations nest more than {MAX_DEPTH} deep"),
        });
    }
    let bytes = fs.read(&kfile).map_err(|source| Error::Io {
        path: kfile.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let k = Kustomization::parse(&text).map_err(|msg| Error::Config {
        path: kfile.clone(),
        msg,
    })?;
    files.insert(kfile.clone());
    let refuse = |entry: &str, msg: &str| Error::Config {
        path: kfile.clone(),
        msg: format!("{entry:?}: {msg}"),
    };
    // Entries that may be a file or a kustomization directory.
    let mut trees: Vec<&str> = Vec::new();
    trees.extend(k.resources.iter().map(String::as_str));
    trees.extend(k.components.iter().map(String::as_str));
    trees.extend(k.bases.iter().map(String::as_str));
    // Entries that are files (or inline YAML, which travels inside the kustomization).
    let mut plain: Vec<String> = Vec::new();
    plain.extend(k.crds.iter().cloned());
    plain.extend(k.configurations.iter().cloned());
    for list in [
        &k.generators,
        &k.transformers,
        &k.validators,
        &k.patches_strategic_merge,
    ] {
        plain.extend(list.iter().filter(|e| !is_inline(e)).cloned());
    }
    for p in k.patches.iter().chain(&k.patches_json6902) {
        if !p.path.is_empty() {
            plain.push(p.path.clone());
        }
    }
    plain.extend(
        k.replacements
            .iter()
            .filter(|r| !r.path.is_empty())
            .map(|r| r.path.clone()),
    );
    if let Some(path) = k.openapi.as_ref().and_then(|o| o.get("path")) {
        plain.push(path.clone());
    }
    for g in k.config_map_generator.iter().chain(&k.secret_generator) {
        for f in &g.files {
            plain.push(f.split_once('=').map_or(f.as_str(), |(_, p)| p).to_string());
        }
        plain.extend(g.envs.iter().cloned());
        if !g.env.is_empty() {
            plain.push(g.env.clone());
        }
    }
    if !k.helm_charts.is_empty() || !k.helm_chart_inflation_generator.is_empty() {
        return Err(refuse(
            "helmCharts",
            "helm charts are fetched from repositories; Strata localizes local files only",
        ));
    }
    for entry in trees {
        if crate::loader::looks_remote(entry) {
            return Err(refuse(
                entry,
                "a remote reference; Strata localizes local trees only (kustomize would download it)",
            ));
        }
        let p = inside(fs, dir, entry, scope).map_err(|m| refuse(entry, &m))?;
        match fs.kind(&p) {
            Some(Kind::Dir) => walk(fs, &p, scope, files, seen, depth + 1)?,
            Some(Kind::File) => {
                files.insert(p);
            }
            None => return Err(refuse(entry, "does not exist")),
        }
    }
    for entry in plain {
        if crate::loader::looks_remote(&entry) {
            return Err(refuse(
                &entry,
                "a remote reference; Strata localizes local trees only",
            ));
        }
        let p = inside(fs, dir, &entry, scope).map_err(|m| refuse(&entry, &m))?;
        match fs.kind(&p) {
            Some(Kind::File) => {
                files.insert(p);
            }
            Some(Kind::Dir) => {
                // A directory of plugin configs (generators, transformers) is a kustomization.
                walk(fs, &p, scope, files, seen, depth + 1)?;
            }
            None => return Err(refuse(&entry, "does not exist")),
        }
    }
    Ok(())
}

/// Resolves `entry` against `dir`; Err unless it exists and lies inside `scope`.
fn inside(
    fs: &dyn Fs,
    dir: &Path,
    entry: &str,
    scope: &Path,
) -> std::result::Result<PathBuf, String> {
    let p = fs
        .canonicalize(&dir.join(entry))
        .map_err(|_| "does not exist".to_string())?;
    if !p.starts_with(scope) {
        return Err(format!("is not within scope {}", scope.display()));
    }
    Ok(p)
}

/// An entry holding YAML itself rather than naming a file.
fn is_inline(entry: &str) -> bool {
    entry.contains('\n')
}

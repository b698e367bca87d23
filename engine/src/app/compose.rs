//! One application: its base plus the chosen overlays, composed in memory.
//!
//! # The choice: one synthesised kustomization, overlays as Components
//!
//! kfctl composed an application by merging the base's and each overlay's
//! `kustomization.yaml` into one generated file on disk (`MergeKustomizations`), rewriting
//! every path and de-duplicating `bases`, so that the base came in once. Strata keeps that
//! outcome (the base is built once, each chosen overlay adds to it, in the order listed)
//! but lets kustomize's own semantics do the merging, in memory, through
//! [`OverlayFs`]:
//!
//! - A synthesised `Kustomization` is placed in a virtual directory beside the
//!   application (`.strata-app-NAME`). It lists the base under `resources:` and every
//!   chosen overlay under `components:`, in the KfDef's order.
//! - An overlay that is already a `Component` (the modern way) is listed as it is.
//! - A kfctl-era overlay (a `Kustomization` that names the base again, through `bases:`
//!   or `resources:` such as `../../base`) is presented as a `Component`: its file is
//!   shadowed in memory by the same kustomization with `kind: Component` and without the
//!   entries that lead back to the base. Everything else in it (resources, patches,
//!   labels, generators, and the paths they name, relative to the overlay) is untouched,
//!   so no path is rewritten and every field kustomize knows works.
//! - A kfctl-era overlay that does not name the base is built on its own and added under
//!   `resources:`, as kfctl added it as one more base.
//!
//! One difference from kfctl remains, and it is deliberate: kfctl applied the merged
//! transformers (labels, prefixes, patches) of all overlays to everything, while here an
//! overlay's transformers see the base and the overlays listed before it, as kustomize
//! Components do. List an overlay that patches another one after it.
//!
//! Parameters: kfctl wrote the KfDef's values into the `params.env` files of the base and
//! the overlays. Strata does the same in memory (shadowing `params.env`), treats the names
//! found there as the application's declared parameters (an unknown name is an error when
//! any are declared), sets `namespace` as kfctl did, and hands the parameters to the
//! param-subst plugin step ([`super::steps`]).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::Kind;
use crate::fs::overlay::OverlayFs;
use crate::kustomization::{FILE_NAMES, Kustomization};
use crate::loader::{Loader, relative_to};

use super::kfdef::NameValue;

/// The file name of kfctl's parameter files.
pub const PARAMS_FILE: &str = "params.env";

/// What to compose: one application, resolved against its repo.
pub struct AppSpec<'a> {
    /// The application's name.
    pub name: &'a str,
    /// The application's directory (canonical).
    pub app_dir: &'a Path,
    /// The overlay names, in order.
    pub overlays: &'a [String],
    /// The parameters, in order.
    pub parameters: &'a [NameValue],
    /// The KfDef file, for messages.
    pub file: &'a Path,
}

/// The result of composing: the virtual root to build and what was decided.
#[derive(Debug)]
pub struct Composed {
    /// The virtual directory holding the synthesised kustomization.
    pub root: PathBuf,
    /// The base directory (canonical).
    pub base: PathBuf,
    /// Parameter names the application declares in its `params.env` files, sorted.
    pub declared: Vec<String>,
    /// The `params.env` values, base first then each overlay, a later one overriding.
    pub defaults: Vec<NameValue>,
}

/// Composes `spec` into `ov` (adding the synthesised and shadowed files), reading the
/// application's kustomizations through `loader`.
pub fn compose(
    loader: &Loader<'_>,
    ov: &mut OverlayFs<'_>,
    spec: &AppSpec<'_>,
) -> Result<Composed> {
    let app_dir = spec.app_dir;
    let cfg = |msg: String| Error::config(spec.file, format!("application {}: {msg}", spec.name));
    let base_candidate = app_dir.join("base");
    let base = if loader.kind(&base_candidate) == Some(Kind::Dir)
        && loader.kustomization_file(&base_candidate)?.is_some()
    {
        base_candidate
    } else if loader.kustomization_file(app_dir)?.is_some() {
        app_dir.to_path_buf()
    } else {
        return Err(cfg(format!(
            "no kustomization in {}/base or in {} itself",
            app_dir.display(),
            app_dir.display()
        )));
    };

    let vdir = virtual_root(app_dir, spec.name);
    let mut root = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1".into(),
        kind: "Kustomization".into(),
        ..Kustomization::default()
    };
    root.resources.push(rel(&base, &vdir));

    let mut param_dirs: Vec<PathBuf> = vec![base.clone()];
    let mut seen: Vec<&str> = Vec::new();
    for name in spec.overlays {
        if seen.contains(&name.as_str()) {
            return Err(cfg(format!("overlay {name:?} is listed twice")));
        }
        seen.push(name);
        if name.is_empty() || name.contains("..") || Path::new(name).is_absolute() {
            return Err(cfg(format!(
                "overlay {name:?} is not a directory name under overlays/"
            )));
        }
        let dir = app_dir.join("overlays").join(name);
        let file = match loader.kind(&dir) {
            Some(Kind::Dir) => loader.kustomization_file(&dir)?,
            _ => None,
        };
        if file.is_none() {
            return Err(cfg(format!(
                "overlay {name:?} not found: no kustomization in {}",
                relative_to(&dir, app_dir).join("").display()
            )));
        }
        let dir = loader.canonical_dir(&dir)?;
        let (file, mut k) = loader.kustomization(&dir)?;
        let before = k.resources.len();
        k.resources
            .retain(|entry| !leads_to(loader, &dir, entry, &base));
        let names_base = k.resources.len() != before;
        if names_base || k.is_component() {
            if names_base {
                k.kind = "Component".into();
                k.api_version = "kustomize.config.k8s.io/v1alpha1".into();
                // JSON, which is YAML: every string quoted, so the YAML 1.1 reading
                // kustomization files get cannot turn a `"yes"` into a boolean.
                let text = serde_json::to_string_pretty(&k).map_err(|e| {
                    Error::config(
                        &file,
                        format!("cannot present this overlay as a Component: {e}"),
                    )
                })?;
                ov.add_file(file, text.into_bytes());
            }
            root.components.push(rel(&dir, &vdir));
        } else {
            root.resources.push(rel(&dir, &vdir));
        }
        param_dirs.push(dir);
    }

    let mut declared: Vec<String> = Vec::new();
    let mut defaults: Vec<NameValue> = Vec::new();
    let mut param_files: Vec<(PathBuf, String)> = Vec::new();
    for d in &param_dirs {
        let p = d.join(PARAMS_FILE);
        if loader.kind(&p) == Some(Kind::File) {
            let text = loader.read_text(&p)?;
            for (n, v) in env_lines(&text) {
                declared.push(n.to_string());
                set_param(&mut defaults, n, v);
            }
            param_files.push((p, text));
        }
    }
    declared.sort();
    declared.dedup();
    for nv in spec.parameters {
        if nv.name.is_empty() {
            return Err(cfg("a parameter has no name".into()));
        }
        if !declared.is_empty()
            && nv.name != "namespace"
            && declared.binary_search(&nv.name).is_err()
        {
            return Err(cfg(format!(
                "unknown parameter {:?}: the application declares {} (in its {PARAMS_FILE} files)",
                nv.name,
                declared.join(", ")
            )));
        }
        if nv.name == "namespace" {
            root.namespace = nv.value.clone();
        }
    }
    for (p, text) in param_files {
        let new = substitute_env(&text, spec.parameters);
        if new != text {
            ov.add_file(p, new.into_bytes());
        }
    }
    // JSON for the same reason as a Component overlay's text above.
    let text = serde_json::to_string_pretty(&root)
        .map_err(|e| Error::config(spec.file, format!("application {}: {e}", spec.name)))?;
    ov.add_file(vdir.join(FILE_NAMES[0]), text.into_bytes());
    Ok(Composed {
        root: vdir,
        base,
        declared,
        defaults,
    })
}

/// Sets `name` to `value` in `params`: in place when present, else appended.
pub fn set_param(params: &mut Vec<NameValue>, name: &str, value: &str) {
    match params.iter_mut().find(|p| p.name == name) {
        Some(p) => p.value = value.to_string(),
        None => params.push(NameValue {
            name: name.to_string(),
            value: value.to_string(),
        }),
    }
}

/// Returns the virtual directory for an application: a sibling of its directory, so the
/// base and overlays are reached as `../NAME/...` and never contain the root.
pub fn virtual_root(app_dir: &Path, app: &str) -> PathBuf {
    let safe: String = app
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!(".strata-app-{safe}");
    match app_dir.parent() {
        Some(p) => p.join(name),
        None => app_dir.join(name),
    }
}

fn rel(target: &Path, from: &Path) -> String {
    relative_to(target, from).to_string_lossy().into_owned()
}

/// Returns true when the `resources:` entry `entry` of the kustomization in `dir` is the
/// directory `base`.
fn leads_to(loader: &Loader<'_>, dir: &Path, entry: &str, base: &Path) -> bool {
    loader.kind(&dir.join(entry)) == Some(Kind::Dir)
        && loader.resolve_dir(dir, entry).is_ok_and(|p| p == base)
}

/// Returns the `name=value` lines of an env file (blank lines and `#` comments skipped).
pub fn env_lines(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('=').unwrap_or((l, "")))
        .collect()
}

/// Returns `text` with the value of each `name=value` line replaced by the parameter of
/// that name, as kfctl's `updateParamFiles` did; other lines are kept as they are.
pub fn substitute_env(text: &str, params: &[NameValue]) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let name = body.trim().split_once('=').map(|(n, _)| n.trim());
        match name.and_then(|n| params.iter().rev().find(|p| p.name == n)) {
            Some(p) if !body.trim_start().starts_with('#') => {
                out.push_str(&p.name);
                out.push('=');
                out.push_str(&p.value);
                out.push_str(&line[body.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_substitution_keeps_other_lines() {
        let p = vec![NameValue {
            name: "image".into(),
            value: "x:1".into(),
        }];
        let t = "# c\nimage=old\nother=1\n";
        assert_eq!(substitute_env(t, &p), "# c\nimage=x:1\nother=1\n");
        assert_eq!(env_lines(t), vec![("image", "old"), ("other", "1")]);
    }

    #[test]
    fn set_param_overrides_in_place() {
        let mut v = vec![NameValue {
            name: "a".into(),
            value: "1".into(),
        }];
        set_param(&mut v, "b", "2");
        set_param(&mut v, "a", "3");
        let got: Vec<(&str, &str)> = v
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(got, vec![("a", "3"), ("b", "2")]);
    }

    #[test]
    fn virtual_root_is_a_sibling() {
        assert_eq!(
            virtual_root(Path::new("/r/ci/p"), "a b"),
            PathBuf::from("/r/ci/.strata-app-a_b")
        );
    }
}

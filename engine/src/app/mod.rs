//! App composition: a KfDef (kfctl's config) or a kustomization directory in, the rendered
//! resources and their provenance out.
//!
//! For a KfDef, each application of `spec.applications` is composed from its base and
//! chosen overlays ([`compose`]), built with [`crate::build`], then passed through the
//! plugin steps ([`steps`]); the results are concatenated in the KfDef's order, as kfctl
//! applied them. Every file read is recorded (through [`RecordingFs`]) with its sha256,
//! with paths relative to the repo it belongs to, so the provenance names no path of the
//! build machine.

pub mod compose;
pub mod kfdef;
pub mod steps;

use std::path::{Path, PathBuf};

use crate::accumulate::BuildOptions;
use crate::error::{Error, Result};
use crate::fs::overlay::OverlayFs;
use crate::fs::record::{RecordingFs, sha256_hex};
use crate::fs::{Fs, Kind};
use crate::kustomization::FILE_NAMES;
use crate::loader::{Loader, relative_to};
use crate::resource::Resource;

pub use kfdef::{KfDef, NameValue};
pub use steps::PluginUse;

/// Rendered resources with what they were made from.
#[derive(Debug)]
pub struct Rendered {
    /// The resources, in output order.
    pub resources: Vec<Resource>,
    /// What the render read and ran.
    pub provenance: Provenance,
}

/// What a render was made from: the inputs of the lock document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    /// `KfDef` or `Kustomization`.
    pub source_kind: String,
    /// The KfDef's file name, or `.` for a directory.
    pub source: String,
    /// Every file read, sorted by (repo, path).
    pub inputs: Vec<InputFile>,
    /// Files Strata synthesised or rewrote in memory (composition), sorted.
    pub generated: Vec<InputFile>,
    /// Plugins that ran, sorted.
    pub plugins: Vec<PluginUse>,
    /// The applications, in order (empty for a directory).
    pub applications: Vec<AppRecord>,
}

/// One file and its digest.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputFile {
    /// The KfDef repo the file is in, or empty when it is not in one.
    pub repo: String,
    /// The path, relative to the repo root (or to the KfDef's or directory's location).
    pub path: String,
    /// Lowercase hex sha256 of the bytes read.
    pub sha256: String,
}

/// One application as rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRecord {
    /// Its name.
    pub name: String,
    /// Its repo.
    pub repo: String,
    /// Its path in the repo.
    pub path: String,
    /// The overlays, in order.
    pub overlays: Vec<String>,
    /// The parameters, in order.
    pub parameters: Vec<NameValue>,
}

/// Returns true when `target` is a file that is not a kustomization file (so it is an
/// app config to read as a KfDef).
pub fn is_app_file(fs: &dyn Fs, target: &Path) -> bool {
    fs.kind(target) == Some(Kind::File)
        && !target
            .file_name()
            .is_some_and(|n| FILE_NAMES.iter().any(|f| n == *f))
}

/// Renders `target`: a KfDef file, a kustomization file (its directory is built), or a
/// kustomization directory.
pub fn render(fs: &dyn Fs, target: &Path, opts: &BuildOptions) -> Result<Rendered> {
    render_with_params(fs, target, opts, &[])
}

/// Renders `target` as [`render`] does, with a KfDef's parameters overridden by
/// `[APPLICATION.]NAME=VALUE` entries ([`KfDef::apply_overrides`]); a directory takes none.
pub fn render_with_params(
    fs: &dyn Fs,
    target: &Path,
    opts: &BuildOptions,
    params: &[String],
) -> Result<Rendered> {
    let rec = RecordingFs::new(fs);
    if is_app_file(fs, target) {
        return render_kfdef(&rec, target, opts, params);
    }
    if !params.is_empty() {
        return Err(Error::config(
            target,
            "--param overrides a KfDef app config's parameters; this is a kustomization",
        ));
    }
    let dir = match fs.kind(target) {
        Some(Kind::File) => target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        _ => target.to_path_buf(),
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let resources = crate::build(&rec, &dir, opts)?.into_vec();
    let root = fs.canonicalize(&dir).map_err(|e| Error::Io {
        path: dir.clone(),
        source: e,
    })?;
    let inputs: Vec<InputFile> = rec
        .reads()
        .into_iter()
        .map(|(p, sha256)| InputFile {
            repo: String::new(),
            path: portable(&relative_to(&p, &root)),
            sha256,
        })
        .collect();
    Ok(Rendered {
        resources,
        provenance: Provenance {
            plugins: wasm_plugins(&inputs),
            source_kind: "Kustomization".into(),
            source: ".".into(),
            inputs,
            ..Provenance::default()
        },
    })
}

fn render_kfdef(
    rec: &RecordingFs<'_>,
    target: &Path,
    opts: &BuildOptions,
    params: &[String],
) -> Result<Rendered> {
    let file = rec.canonicalize(target).map_err(|e| Error::Io {
        path: target.to_path_buf(),
        source: e,
    })?;
    let loader = Loader::new(rec, opts.load_restrictor)
        .with_env(opts.env.clone())
        .with_functions(opts.functions.clone());
    let text = loader.read_text(&file)?;
    let mut kf = KfDef::parse(&text, target)?;
    kf.apply_overrides(params, target)?;
    let base = file.parent().map(Path::to_path_buf).unwrap_or_default();

    let mut repos: Vec<(String, PathBuf)> = Vec::new();
    for r in &kf.spec.repos {
        let dir = r.local_dir(&base, target)?;
        let canon = rec.canonicalize(&dir).map_err(|e| {
            Error::config(
                target,
                format!("spec.repos[{}]: {} is not readable: {e}", r.name, r.uri),
            )
        })?;
        if rec.kind(&canon) != Some(Kind::Dir) {
            return Err(Error::config(
                target,
                format!("spec.repos[{}]: {} is not a directory", r.name, r.uri),
            ));
        }
        repos.push((r.name.clone(), canon));
    }

    let mut resources = Vec::new();
    let mut plugins = Vec::new();
    let mut generated = Vec::new();
    let mut applications = Vec::new();
    for app in &kf.spec.applications {
        let cfg = |msg: String| Error::config(target, format!("application {}: {msg}", app.name));
        let Some(kc) = &app.kustomize_config else {
            return Err(cfg("has no kustomizeConfig".into()));
        };
        let Some(rr) = &kc.repo_ref else {
            return Err(cfg("kustomizeConfig has no repoRef".into()));
        };
        let Some((_, repo_dir)) = repos.iter().find(|(n, _)| *n == rr.name) else {
            let known: Vec<&str> = repos.iter().map(|(n, _)| n.as_str()).collect();
            return Err(cfg(format!(
                "unknown repo {:?} in kustomizeConfig.repoRef (spec.repos has: {})",
                rr.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        let joined = repo_dir.join(rr.path.trim_start_matches('/'));
        let app_dir = match rec.canonicalize(&joined) {
            Ok(p) if rec.kind(&p) == Some(Kind::Dir) && p.starts_with(repo_dir) => p,
            _ => {
                return Err(cfg(format!(
                    "path {:?} is not a directory in repo {:?}",
                    rr.path, rr.name
                )));
            }
        };
        let mut ov = OverlayFs::new(rec);
        let spec = compose::AppSpec {
            name: &app.name,
            app_dir: &app_dir,
            overlays: &kc.overlays,
            parameters: &kc.parameters,
            file: target,
        };
        let composed = compose::compose(&loader, &mut ov, &spec)?;
        // kfctl submitted `generateName`-only resources; name-gen names them below.
        let mut built = crate::accumulate::build_with_naming(
            &ov,
            &composed.root,
            opts,
            crate::loader::Naming::GenerateName,
        )?;
        let step = steps::StepInput {
            app: &app.name,
            namespace: &kf.metadata.namespace,
            parameters: &kc.parameters,
            defaults: &composed.defaults,
            declared: &composed.declared,
            file: target,
        };
        plugins.extend(steps::run(&step, &mut built, opts)?);
        crate::loader::check_identities(
            &built,
            crate::loader::Naming::Required,
            target,
            Some(steps::NAME_GEN),
        )?;
        for (p, bytes) in ov.virtual_files() {
            let (repo, path) = locate(p, &repos, &base);
            generated.push(InputFile {
                repo,
                path,
                sha256: sha256_hex(bytes),
            });
        }
        resources.extend(built.into_vec());
        applications.push(AppRecord {
            name: app.name.clone(),
            repo: rr.name.clone(),
            path: rr.path.clone(),
            overlays: kc.overlays.clone(),
            parameters: kc.parameters.clone(),
        });
    }
    let mut inputs: Vec<InputFile> = rec
        .reads()
        .into_iter()
        .map(|(p, sha256)| {
            let (repo, path) = locate(&p, &repos, &base);
            InputFile { repo, path, sha256 }
        })
        .collect();
    inputs.sort();
    inputs.dedup();
    generated.sort();
    generated.dedup();
    plugins.extend(wasm_plugins(&inputs));
    plugins.sort();
    plugins.dedup();
    let source = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Rendered {
        resources,
        provenance: Provenance {
            source_kind: "KfDef".into(),
            source,
            inputs,
            generated,
            plugins,
            applications,
        },
    })
}

/// Names a file by the repo holding it (the deepest one) and its path there, or by its
/// path relative to `base` when no repo holds it.
fn locate(p: &Path, repos: &[(String, PathBuf)], base: &Path) -> (String, String) {
    let mut best: Option<(&str, &Path)> = None;
    for (name, root) in repos {
        if p.starts_with(root)
            && best.is_none_or(|(_, b)| root.components().count() > b.components().count())
        {
            best = Some((name, root));
        }
    }
    match best {
        Some((name, root)) => (name.to_string(), portable(&relative_to(p, root))),
        None => (String::new(), portable(&relative_to(p, base))),
    }
}

/// Returns the wasm modules among the inputs (plugins declared by path in a
/// kustomization), named by their path, for the lock's plugin list.
fn wasm_plugins(inputs: &[InputFile]) -> Vec<PluginUse> {
    inputs
        .iter()
        .filter(|f| f.path.ends_with(".wasm"))
        .map(|f| PluginUse {
            name: if f.repo.is_empty() {
                f.path.clone()
            } else {
                format!("{}:{}", f.repo, f.path)
            },
            sha256: f.sha256.clone(),
        })
        .collect()
}

/// A path with `/` separators, whatever the platform.
fn portable(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

//! `strata build DIR`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;

use crate::accumulate::{BuildOptions, Reorder};
use crate::fs::{self, DiskFs, Fs, Kind};
use crate::loader::LoadRestrictor;
use crate::resource::Resource;
use crate::schema;
use crate::yaml;

/// Arguments of `strata build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The kustomization directory, or a KfDef app config file.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// `LoadRestrictionsRootOnly` (default) or `LoadRestrictionsNone`.
    #[arg(long = "load-restrictor", default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: String,
    /// `legacy` (kind order) or `none` (accumulation order).
    #[arg(long)]
    pub reorder: Option<String>,
    /// Write to this file, or one file per resource into this existing directory.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Plugin limits and compile cache.
    #[command(flatten)]
    pub plugin: super::plugin::LimitArgs,
}

/// Parses the build flags into library options.
pub(super) fn options(a: &BuildArgs) -> Result<BuildOptions> {
    let load_restrictor = LoadRestrictor::parse(&a.load_restrictor).with_context(|| {
        format!(
            "invalid --load-restrictor {:?}: use LoadRestrictionsRootOnly or LoadRestrictionsNone",
            a.load_restrictor
        )
    })?;
    let reorder = match a.reorder.as_deref() {
        None | Some("unspecified") => Reorder::Unspecified,
        Some("legacy") => Reorder::Legacy,
        Some("none") => Reorder::None,
        Some(other) => bail!("invalid --reorder {other:?}: use legacy or none"),
    };
    Ok(BuildOptions {
        load_restrictor,
        reorder,
        env: environment(),
    })
}

/// The process environment for env files (variables that are not UTF-8 are left out).
fn environment() -> crate::loader::Env {
    crate::loader::Env::new(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    )
}

/// Runs `strata build`.
pub(super) fn run(a: &BuildArgs, stdout: &mut dyn Write) -> Result<()> {
    let opts = options(a)?;
    super::plugin::configure(&a.plugin)?;
    let list: Vec<Resource> = if crate::app::is_app_file(&DiskFs, &a.dir) {
        crate::app::render(&DiskFs, &a.dir, &opts)?.resources
    } else {
        crate::build(&DiskFs, &a.dir, &opts)?.into_vec()
    };
    let result = write_output(a, &list, stdout);
    // The process ends right after this; freeing every node of a large build one by one
    // would cost a tenth of the run, and the OS reclaims the memory at once.
    std::mem::forget(list);
    result
}

fn write_output(a: &BuildArgs, list: &[Resource], stdout: &mut dyn Write) -> Result<()> {
    match &a.output {
        Some(out) if DiskFs.kind(out) == Some(Kind::Dir) => write_dir(out, list),
        Some(out) => {
            let text = crate::print(list)?;
            fs::write_atomic(out, text.as_bytes())
                .with_context(|| format!("writing {}", out.display()))
        }
        None => {
            // All of it is printed before any of it is written: a failure writes nothing.
            for part in crate::print_parts(list)? {
                stdout.write_all(part.as_bytes())?;
            }
            Ok(())
        }
    }
}

/// Writes one file per resource, named as kustomize names them
/// (`[namespace_]group_version_kind_name.yaml`, lower case).
fn write_dir(dir: &Path, list: &[Resource]) -> Result<()> {
    let mut namespaces: Vec<&str> = list
        .iter()
        .filter(|r| !schema::is_cluster_scoped(&r.id().gvk))
        .map(|r| r.namespace())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for r in list {
        let id = r.id();
        let gvk: Vec<&str> = [
            id.gvk.group.as_str(),
            id.gvk.version.as_str(),
            id.gvk.kind.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
        let mut name = format!("{}_{}.yaml", gvk.join("_"), r.name()).to_lowercase();
        if namespaces.len() > 1 && !schema::is_cluster_scoped(&id.gvk) {
            name = format!("{}_{name}", r.namespace().to_lowercase());
        }
        files.push((
            dir.join(name),
            yaml::emit(&r.node).map_err(|e| anyhow::anyhow!("{id}: {e}"))?,
        ));
    }
    for (path, text) in files {
        fs::write_atomic(&path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

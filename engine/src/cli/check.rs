//! `strata check TARGET`: builds a kustomization directory or app config (or reads an
//! already built stream with `--built`) and refuses Tekton objects Tekton would reject:
//! at admission, against the API schema of the chosen release (`crate::check::schema`),
//! and at run time (see `crate::check`).

use std::io::{Read as _, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;

use crate::fs::{DiskFs, Fs as _};
use crate::resource::Resource;

/// Arguments of `strata check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A kustomization directory or an app config (KfDef) file.
    #[arg(default_value = ".", conflicts_with = "built")]
    pub target: PathBuf,
    /// Check this already built YAML stream instead (`-` for standard input).
    #[arg(long)]
    pub built: Option<PathBuf>,
    /// `LoadRestrictionsRootOnly` (default) or `LoadRestrictionsNone`.
    #[arg(long = "load-restrictor", default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: String,
    /// The Tekton release to admit documents as: `v0.8`, `v0.9` or `current` (default:
    /// v0.8 for tekton.dev/v1alpha1, current for v1 and v1beta1).
    #[arg(long = "tekton-release")]
    pub tekton_release: Option<String>,
}

/// Runs `strata check`: prints each problem and fails when there is one.
pub(super) fn run(a: &CheckArgs, stdout: &mut dyn Write, base: &crate::BuildOptions) -> Result<()> {
    let release = match a.tekton_release.as_deref() {
        None => None,
        Some(r) => Some(crate::check::schema::Release::parse(r).with_context(|| {
            format!("invalid --tekton-release {r:?}: use v0.8, v0.9 or current")
        })?),
    };
    let resources = match &a.built {
        Some(path) => read_built(path)?,
        None => {
            let opts = super::bundle::build_options(&a.load_restrictor, base)?;
            crate::app::render(&DiskFs, &a.target, &opts)?.resources
        }
    };
    let mut problems = crate::check::schema::validate(&resources, release);
    problems.extend(crate::check::check(&resources));
    for p in &problems {
        writeln!(stdout, "{p}")?;
    }
    if !problems.is_empty() {
        bail!("{} problem(s) Tekton would reject", problems.len());
    }
    Ok(())
}

/// Reads a built YAML stream from a file or standard input.
fn read_built(path: &Path) -> Result<Vec<Resource>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        s
    } else {
        let bytes = DiskFs
            .read(path)
            .with_context(|| format!("reading {}", path.display()))?;
        String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8", path.display()))?
    };
    let docs = crate::yaml::parse_documents(&text)
        .with_context(|| format!("{}: invalid YAML", path.display()))?;
    Ok(docs
        .into_iter()
        .filter(|d| !d.is_null())
        .map(Resource::new)
        .collect())
}

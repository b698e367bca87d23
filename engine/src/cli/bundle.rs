//! `strata bundle APP.yaml|DIR -o OUT`: render, pack as a reproducible OCI bundle, print
//! its digest.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;

use crate::bundle::{self, BundleOptions};
use crate::fs::DiskFs;

/// Arguments of `strata bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// A KfDef app config, a kustomization file or a kustomization directory.
    pub target: PathBuf,
    /// Where to write the OCI image layout (a directory, or a file with --tar).
    #[arg(short = 'o', long)]
    pub output: PathBuf,
    /// Write the layout as one tar archive instead of a directory.
    #[arg(long)]
    pub tar: bool,
    /// Also write the Tekton part as a Tekton Bundle (to OUT with `-tekton` added to its
    /// name, or to --tekton-out).
    #[arg(long)]
    pub tekton: bool,
    /// Where to write the Tekton Bundle (implies --tekton).
    #[arg(long, value_name = "PATH")]
    pub tekton_out: Option<PathBuf>,
    /// Pin tekton.dev/v1 PipelineRuns to the Tekton Bundle at REGISTRY/REPO, by digest
    /// (implies --tekton).
    #[arg(long, value_name = "REGISTRY/REPO")]
    pub pin: Option<String>,
    /// `LoadRestrictionsRootOnly` (default) or `LoadRestrictionsNone`.
    #[arg(long = "load-restrictor", default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: String,
}

/// Returns `base` (the default order and plugin settings, the run's warnings list and
/// thread budget) with the given `--load-restrictor`.
pub(super) fn build_options(
    load_restrictor: &str,
    base: &crate::BuildOptions,
) -> Result<crate::BuildOptions> {
    Ok(crate::BuildOptions {
        load_restrictor: parse_load_restrictor(load_restrictor)?,
        ..base.clone()
    })
}

/// Reads a `--load-restrictor` value (every command that builds takes the flag).
pub(super) fn parse_load_restrictor(s: &str) -> Result<crate::loader::LoadRestrictor> {
    crate::loader::LoadRestrictor::parse(s).with_context(|| {
        format!(
            "invalid --load-restrictor {s:?}: use LoadRestrictionsRootOnly or LoadRestrictionsNone"
        )
    })
}

/// Reads `SOURCE_DATE_EPOCH` (unset or empty means zero).
pub(super) fn source_date_epoch() -> Result<u64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse::<u64>()
            .with_context(|| format!("SOURCE_DATE_EPOCH={v:?} is not a whole number of seconds")),
        _ => Ok(0),
    }
}

/// Returns the Tekton bundle's path: the one given, or OUT with `-tekton` before its
/// extension.
fn tekton_path(a: &BundleArgs) -> PathBuf {
    match &a.tekton_out {
        Some(p) => p.clone(),
        None => {
            let stem = a
                .output
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match a.output.extension() {
                Some(ext) => format!("{stem}-tekton.{}", ext.to_string_lossy()),
                None => format!("{stem}-tekton"),
            };
            a.output.with_file_name(name)
        }
    }
}

/// Runs `strata bundle`.
pub(super) fn run(
    a: &BundleArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    base: &crate::BuildOptions,
) -> Result<()> {
    let build = build_options(&a.load_restrictor, base)?;
    let opts = BundleOptions {
        source_date_epoch: source_date_epoch()?,
        tekton: a.tekton || a.tekton_out.is_some() || a.pin.is_some(),
        pin: a.pin.clone(),
    };
    let tekton_out = opts.tekton.then(|| tekton_path(a));
    // Both outputs are checked before either is written: a refused one writes nothing.
    for out in std::iter::once(&a.output).chain(&tekton_out) {
        bundle::check_output(out, a.tar)?;
        super::build::warn_leftovers(out, stderr);
    }
    if tekton_out.as_ref() == Some(&a.output) {
        bail!(
            "{}: the Tekton bundle and the bundle cannot both be written there",
            a.output.display()
        );
    }
    let rendered = crate::app::render(&DiskFs, &a.target, &build)?;
    let b = bundle::make(rendered, &opts)?;
    // The Tekton bundle is written first: a main bundle that pins it is only useful with it.
    if let (Some(t), Some(path)) = (&b.tekton, &tekton_out) {
        bundle::write(t, path, a.tar, opts.source_date_epoch)?;
        write_line(stdout, t.digest(), path, "tekton")?;
    }
    bundle::write(&b.main, &a.output, a.tar, opts.source_date_epoch)?;
    write_line(stdout, b.main.digest(), &a.output, "bundle")?;
    Ok(())
}

fn write_line(out: &mut dyn Write, digest: &str, path: &Path, what: &str) -> Result<()> {
    writeln!(out, "{digest} {what} {}", path.display())?;
    Ok(())
}

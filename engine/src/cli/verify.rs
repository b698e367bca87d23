//! `strata verify OUT [--rebuild APP.yaml|DIR]`: check a bundle's digests, and that a
//! rebuild gives the same bundle.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::bundle;
use crate::fs::DiskFs;

/// Arguments of `strata verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle: an OCI image layout directory or a tar archive of one.
    pub bundle: PathBuf,
    /// Rebuild this app config or directory and compare with the bundle.
    #[arg(long, value_name = "APP.yaml|DIR")]
    pub rebuild: Option<PathBuf>,
    /// `LoadRestrictionsRootOnly` (default) or `LoadRestrictionsNone`, for --rebuild.
    #[arg(long = "load-restrictor", default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: String,
}

/// Runs `strata verify`.
pub(super) fn run(
    a: &VerifyArgs,
    stdout: &mut dyn Write,
    base: &crate::BuildOptions,
) -> Result<()> {
    let report = bundle::verify(&DiskFs, &a.bundle)?;
    let digest = report.manifests.first().cloned().unwrap_or_default();
    writeln!(
        stdout,
        "ok {digest}: {} blobs, every digest checked, {} pins checked",
        report.blobs, report.pins
    )?;
    if let Some(target) = &a.rebuild {
        let build = super::bundle::build_options(&a.load_restrictor, base)?;
        let d = bundle::verify_rebuild(&DiskFs, &a.bundle, target, &build)?;
        writeln!(
            stdout,
            "ok {d}: the rebuild of {} is identical",
            target.display()
        )?;
    }
    Ok(())
}

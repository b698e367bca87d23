//! `strata version`: kustomize's forms (plain, `--short`, `-o yaml|json`).
//!
//! Tools that drive kustomize read its version to decide which features to use (Argo CD
//! turns components off below v3.7.0), so the version printed is the kustomize release
//! Strata matches; Strata's own version rides along as semver build metadata, which
//! version comparisons ignore: `v5.8.1+strata.0.1.0`.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;

use crate::compat::KUSTOMIZE_VERSION;

/// Arguments of `strata version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Short form (deprecated in kustomize, kept for the tools that still ask for it).
    #[arg(long)]
    pub short: bool,
    /// One of 'yaml' or 'json'.
    #[arg(short = 'o', long, default_value = "")]
    pub output: String,
}

/// The version string: kustomize's, with Strata's as build metadata.
pub(super) fn version_string() -> String {
    format!("{KUSTOMIZE_VERSION}+strata.{}", env!("CARGO_PKG_VERSION"))
}

/// Runs `strata version`.
pub(super) fn run(a: &VersionArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<()> {
    if a.short && !a.output.is_empty() {
        bail!("--short and --output are mutually exclusive");
    }
    let v = version_string();
    let (os, arch) = (std::env::consts::OS, go_arch());
    match a.output.as_str() {
        "" if a.short => {
            writeln!(
                stderr,
                "Flag --short has been deprecated, and will be removed in the future."
            )?;
            // kustomize prints Go's `%v` of its provenance struct holding the version and
            // the build date only; the empty fields leave their separating blanks.
            writeln!(stdout, "{{{v}      }}")?;
        }
        "" => writeln!(stdout, "{v}")?,
        "yaml" => writeln!(stdout, "version: {v}\ngoOs: {os}\ngoArch: {arch}\n")?,
        "json" => {
            let doc = serde_json::json!({"version": v, "goOs": os, "goArch": arch});
            writeln!(stdout, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        _ => bail!("--output must be 'yaml' or 'json'"),
    }
    Ok(())
}

/// The architecture as Go names it (kustomize reports `GOARCH`).
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(short: bool, output: &str) -> (String, String) {
        let (mut o, mut e) = (Vec::new(), Vec::new());
        let a = VersionArgs {
            short,
            output: output.into(),
        };
        if let Err(err) = run(&a, &mut o, &mut e) {
            e.extend_from_slice(err.to_string().as_bytes());
        }
        (
            String::from_utf8_lossy(&o).into_owned(),
            String::from_utf8_lossy(&e).into_owned(),
        )
    }

    /// Argo CD's reading of `version --short`: trim, drop the braces, collapse double
    /// blanks, strip `kustomize/`, then take the first semver.
    fn argo_reads(s: &str) -> String {
        let v = s.trim();
        let v = v.strip_prefix('{').unwrap_or(v);
        let v = v.strip_suffix('}').unwrap_or(v).trim().replace("  ", " ");
        let v = v.strip_prefix("kustomize/").unwrap_or(&v).to_string();
        let re =
            regex::Regex::new(r"v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?");
        re.ok()
            .and_then(|r| r.find(&v).map(|m| m.as_str().to_string()))
            .unwrap_or_default()
    }

    #[test]
    fn every_form_carries_the_kustomize_version() {
        let want = version_string();
        assert!(want.starts_with("v5.8.1+strata."));
        assert_eq!(out(false, "").0, format!("{want}\n"));
        let (short, warn) = out(true, "");
        assert!(warn.contains("deprecated"));
        assert_eq!(argo_reads(&short), want);
        assert!(
            out(false, "yaml")
                .0
                .starts_with(&format!("version: {want}\n"))
        );
        let json: serde_json::Value =
            serde_json::from_str(&out(false, "json").0).unwrap_or_default();
        assert_eq!(json["version"], want.as_str());
        assert_eq!(out(false, "yml").1, "--output must be 'yaml' or 'json'");
        assert_eq!(
            out(true, "json").1,
            "--short and --output are mutually exclusive"
        );
    }
}

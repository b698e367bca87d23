//! Reproducible, content-addressed bundles: rendered resources packed as an OCI artifact.
//!
//! A bundle is an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`), or a
//! tar of one, holding one manifest: its config blob is the lock document ([`lock`]) with
//! Strata's media type, and it has one gzip-compressed layer per resource (a tar holding
//! that resource's YAML, annotated with its apiVersion, kind, name and namespace). The
//! manifest digest is the bundle's identity.
//!
//! Everything that goes into the bytes is canonical (see [`tar`] and [`oci`]): fixed tar
//! headers with mtime `SOURCE_DATE_EPOCH` (or zero), sorted entries, gzip without a
//! timestamp or name, compact JSON in a fixed key order, and paths relative to the repo
//! or directory they belong to. The same inputs therefore give the same digest on any
//! machine, at any path, in any time zone or locale.
//!
//! The Tekton part of a render can also be packed as a Tekton Bundle ([`tekton`]), and
//! PipelineRuns pinned to it by digest. Bundles are written whole or not at all, and
//! only where nothing is, into an empty directory or over an earlier layout ([`output`]).

pub mod lock;
pub mod oci;
pub mod output;
pub mod pins;
pub mod tar;
pub mod tekton;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::app::Rendered;
use crate::fs;
use crate::resource::Resource;

use oci::{Blob, Image};
pub use output::{check_output, write};

/// Layer annotation: the resource's apiVersion.
pub const ANN_API_VERSION: &str = "dev.strata.resource.apiVersion";
/// Layer annotation: the resource's kind.
pub const ANN_KIND: &str = "dev.strata.resource.kind";
/// Layer annotation: the resource's name.
pub const ANN_NAME: &str = "dev.strata.resource.name";
/// Layer annotation: the resource's namespace (empty when it has none).
pub const ANN_NAMESPACE: &str = "dev.strata.resource.namespace";

/// Everything making or checking a bundle can refuse.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The render failed.
    #[error(transparent)]
    Build(#[from] crate::Error),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output path holds something a bundle must not replace.
    #[error("{}: not written: {reason}", path.display())]
    Refused {
        /// The output path.
        path: PathBuf,
        /// What is there, and why it stays.
        reason: String,
    },
    /// The input breaks a rule of Tekton's bundle contract.
    #[error("Tekton bundle contract: {rule}: {detail}")]
    Tekton {
        /// The rule, as the contract states it.
        rule: String,
        /// What breaks it.
        detail: String,
    },
    /// `--pin` cannot be applied.
    #[error("{0}")]
    Pin(String),
    /// A resource cannot be printed.
    #[error("cannot print {id}: {msg}")]
    Emit {
        /// The resource.
        id: String,
        /// Why.
        msg: String,
    },
    /// A layout is not a valid bundle.
    #[error("{}: not a valid bundle:\n  {}", path.display(), problems.join("\n  "))]
    Invalid {
        /// The layout.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// A rebuild does not give the bundle's digest.
    #[error("{}: the rebuild differs: bundle {found}, rebuild {rebuilt}:\n  {}", path.display(), differences.join("\n  "))]
    Differs {
        /// The layout.
        path: PathBuf,
        /// The bundle's manifest digest.
        found: String,
        /// The rebuild's manifest digest.
        rebuilt: String,
        /// What differs.
        differences: Vec<String>,
    },
}

/// What the caller of [`make`] chooses.
#[derive(Clone, Debug, Default)]
pub struct BundleOptions {
    /// Seconds since the epoch for every tar mtime (`SOURCE_DATE_EPOCH`, or zero).
    pub source_date_epoch: u64,
    /// Also pack the Tekton part as a Tekton Bundle.
    pub tekton: bool,
    /// `REGISTRY/REPO`: pin tekton.dev/v1 PipelineRuns to the Tekton bundle there (implies
    /// `tekton`).
    pub pin: Option<String>,
}

/// A bundle in memory.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The Strata artifact.
    pub main: Image,
    /// The Tekton Bundle, when asked for.
    pub tekton: Option<Image>,
}

/// Packs a render as a bundle (and a Tekton bundle when asked).
pub fn make(rendered: Rendered, opts: &BundleOptions) -> Result<Bundle, BundleError> {
    let Rendered {
        mut resources,
        provenance,
    } = rendered;
    let mtime = opts.source_date_epoch;
    let mut tekton_lock = None;
    let tekton_image = if opts.tekton || opts.pin.is_some() {
        if let Some(repo) = &opts.pin {
            tekton::check_repository(repo)?;
        }
        let (img, inlined) = tekton::image(&resources, mtime)?;
        let pin = match &opts.pin {
            Some(repo) => {
                // A pinned run must run the bundled bytes only: no Task looked up by name.
                if !inlined.by_name.is_empty() {
                    return Err(BundleError::Pin(format!(
                        "--pin: the bundled Pipeline names Tasks that are not in the render, which Tekton would look up in the cluster by name: {}",
                        inlined.by_name.join(", ")
                    )));
                }
                let reference = format!("{repo}@{}", img.digest());
                tekton::pin(&mut resources, &reference)?;
                Some(reference)
            }
            None => None,
        };
        tekton_lock = Some(lock::TektonLock {
            digest: img.digest().to_string(),
            pin,
            repository: opts.pin.clone(),
            tasks: inlined.pins,
        });
        Some(img)
    } else {
        None
    };
    let config = Blob::new(
        oci::LOCK,
        lock::render(&provenance, mtime, tekton_lock.as_ref()),
        Vec::new(),
    );
    let mut layers = Vec::with_capacity(resources.len());
    for r in &resources {
        let yaml = resource_yaml(r)?;
        let name = file_name(r);
        let annotations = vec![
            (ANN_API_VERSION.to_string(), r.api_version().to_string()),
            (ANN_KIND.to_string(), r.kind().to_string()),
            (ANN_NAME.to_string(), r.name().to_string()),
            (ANN_NAMESPACE.to_string(), r.namespace().to_string()),
            (oci::TITLE.to_string(), name.clone()),
        ];
        layers.push(oci::layer(&name, yaml.as_bytes(), mtime, annotations));
    }
    Ok(Bundle {
        main: Image::new(config, layers),
        tekton: tekton_image,
    })
}

/// Returns a resource's YAML as `kustomize build` prints it.
pub fn resource_yaml(r: &Resource) -> Result<String, BundleError> {
    crate::yaml::emit(&r.node).map_err(|e| BundleError::Emit {
        id: r.id().to_string(),
        msg: e.to_string(),
    })
}

/// Returns the file name a resource has inside its layer: `[namespace_]kind_name.yaml`,
/// lower case, with characters outside `[a-z0-9._-]` replaced by `_`.
pub fn file_name(r: &Resource) -> String {
    let base = if r.namespace().is_empty() {
        format!("{}_{}.yaml", r.kind(), r.name())
    } else {
        format!("{}_{}_{}.yaml", r.namespace(), r.kind(), r.name())
    };
    base.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Checks the layout at `path` (a directory or a tar archive): every digest and size, and
/// every digest pin inside ([`pins`]).
pub fn verify(fs: &dyn fs::Fs, path: &Path) -> Result<verify::Report, BundleError> {
    let layout = verify::read(fs, path)?;
    let invalid = |problems| BundleError::Invalid {
        path: path.to_path_buf(),
        problems,
    };
    let mut report = verify::check(&layout).map_err(invalid)?;
    report.pins = pins::check(&layout).map_err(invalid)?;
    Ok(report)
}

/// Rebuilds `target` with the settings recorded in the bundle at `path` and compares:
/// `Ok` with the digest when identical, [`BundleError::Differs`] naming what differs.
pub fn verify_rebuild(
    fs: &dyn fs::Fs,
    path: &Path,
    target: &Path,
    build: &crate::BuildOptions,
) -> Result<String, BundleError> {
    let layout = verify::read(fs, path)?;
    verify::check(&layout).map_err(|problems| BundleError::Invalid {
        path: path.to_path_buf(),
        problems,
    })?;
    let settings = layout.lock().ok_or_else(|| BundleError::Invalid {
        path: path.to_path_buf(),
        problems: vec!["the config blob is not a Strata lock document".into()],
    })?;
    let opts = BundleOptions {
        source_date_epoch: settings.source_date_epoch,
        tekton: settings.tekton,
        pin: settings.pin.clone(),
    };
    let rendered = crate::app::render(fs, target, build)?;
    let rebuilt = make(rendered, &opts)?;
    let differences = verify::compare(&rebuilt.main, &layout);
    if differences.is_empty() {
        Ok(rebuilt.main.digest().to_string())
    } else {
        let found = layout.main_manifest().map(|(d, _)| d).unwrap_or_default();
        Err(BundleError::Differs {
            path: path.to_path_buf(),
            found,
            rebuilt: rebuilt.main.digest().to_string(),
            differences,
        })
    }
}

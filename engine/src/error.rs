//! The library's error type: every variant names the file and, where known, the
//! resource or field, so the CLI can print one clear paragraph.

pub mod plugin;

use std::path::PathBuf;

use crate::resource::ResId;
use crate::yaml::{EmitError, ParseError};

/// Everything a build can refuse.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    #[error("{}: invalid YAML at {source}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Where and why.
        source: ParseError,
    },
    /// A file is not UTF-8 text.
    #[error("{}: not UTF-8 text (invalid byte at offset {offset})", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// A file is larger than the loader accepts.
    #[error("{}: file is {size} bytes, more than the {limit}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A kustomization (or other config file) is malformed.
    #[error("{}: {msg}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the field.
        msg: String,
    },
    /// A kustomization field this build cannot apply yet.
    #[error("{}: field {field} is not supported yet", path.display())]
    NotSupported {
        /// The kustomization file.
        path: PathBuf,
        /// The field.
        field: String,
    },
    /// A path leaves the kustomization root under `LoadRestrictionsRootOnly`.
    #[error(
        "security; file '{}' is not in or below '{}' (use --load-restrictor LoadRestrictionsNone to allow it)",
        path.display(),
        root.display()
    )]
    Restricted {
        /// The resolved path.
        path: PathBuf,
        /// The root it must stay under.
        root: PathBuf,
    },
    /// Kustomizations include each other in a cycle.
    #[error("cycle detected: {}", chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    Cycle {
        /// The roots on the cycle, first repeated at the end.
        chain: Vec<PathBuf>,
    },
    /// A remote resource (URL or git repository) was named.
    #[error("{}: remote resource '{target}' is not supported: Strata builds offline from local files", path.display())]
    Remote {
        /// The kustomization naming it.
        path: PathBuf,
        /// The URL.
        target: String,
    },
    /// A resource id occurs twice.
    #[error("{}: may not add resource with an already registered id: {id}", path.display())]
    DuplicateId {
        /// The kustomization whose accumulation found the clash.
        path: PathBuf,
        /// The id.
        id: ResId,
    },
    /// A resource has no `kind` or no `metadata.name` (kustomize refuses it too).
    #[error("{}: missing {field} in object {id}{}", path.display(), after.as_ref().map(|t| format!(" (after {t})")).unwrap_or_default())]
    Incomplete {
        /// The file it came from, or the kustomization whose step made it so.
        path: PathBuf,
        /// `metadata.name` or `kind`.
        field: &'static str,
        /// The resource's id as far as it has one.
        id: ResId,
        /// The transformer or generator it came out of, if not a file.
        after: Option<String>,
    },
    /// A transformer, generator or patch refused the input.
    #[error("{}: {what}{}: {msg}", path.display(), resource.as_ref().map(|r| format!(" (resource {r})")).unwrap_or_default())]
    Transform {
        /// The kustomization (or plugin config) that declared it.
        path: PathBuf,
        /// Which transformer or field.
        what: String,
        /// The resource concerned, if one.
        resource: Option<ResId>,
        /// Why.
        msg: String,
    },
    /// A wasm plugin was refused or failed.
    #[error("{}: plugin {plugin}: {source}", path.display())]
    Plugin {
        /// The kustomization (or config file) declaring it.
        path: PathBuf,
        /// The plugin's name (`builtin:NAME` or its path).
        plugin: String,
        /// What went wrong.
        source: Box<plugin::PluginError>,
    },
    /// A resource cannot have a file of its own in a `build -o DIR` output.
    #[error("cannot write {id} into the output directory: its file name {file:?} {reason}")]
    OutputName {
        /// The resource.
        id: ResId,
        /// The file name it would get.
        file: String,
        /// Why that name cannot be written.
        reason: String,
    },
    /// The output cannot be printed.
    #[error("cannot print {id}: {source}")]
    Emit {
        /// The resource.
        id: ResId,
        /// Why.
        source: EmitError,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Builds a [`Error::Transform`] without a resource.
    pub fn transform(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        msg: impl Into<String>,
    ) -> Error {
        Error::Transform {
            path: path.into(),
            what: what.into(),
            resource: None,
            msg: msg.into(),
        }
    }

    /// Builds a [`Error::Config`].
    pub fn config(path: impl Into<PathBuf>, msg: impl Into<String>) -> Error {
        Error::Config {
            path: path.into(),
            msg: msg.into(),
        }
    }
}

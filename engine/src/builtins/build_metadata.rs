//! `buildMetadata: [originAnnotations]`: the `config.kubernetes.io/origin` annotation
//! kustomize writes on every resource, naming the file it was read from or the
//! generator that made it, as paths relative to the kustomization being built.
//! `managedByLabel` and `transformerAnnotations` are refused for now.

use std::path::Path;

use crate::error::{Error, Result};
use crate::loader::relative_to;
use crate::resource::ResMap;

/// The annotation kustomize writes origins under.
pub const ORIGIN: &str = "config.kubernetes.io/origin";

/// Checks the `buildMetadata` entries of the kustomization being built.
pub fn validate(entries: &[String], file: &Path) -> Result<()> {
    for e in entries {
        match e.as_str() {
            "originAnnotations" => {}
            "managedByLabel" | "transformerAnnotations" => {
                return Err(Error::NotSupported { path: file.to_path_buf(), field: format!("buildMetadata: {e}") });
            }
            other => {
                return Err(Error::config(
                    file,
                    format!("invalid option in buildMetadata: {other}; must be one of originAnnotations, transformerAnnotations, managedByLabel"),
                ));
            }
        }
    }
    Ok(())
}

/// Writes the origin annotation on every resource; `top` is the built directory.
pub fn annotate_origins(resources: &mut ResMap, top: &Path) {
    for r in resources.iter_mut() {
        let text = match (&r.origin, &r.source) {
            (Some(o), _) => {
                let mut t = format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: {}\n  kind: {}\n",
                    relative_to(&o.configured_in, top).display(),
                    o.api_version,
                    o.kind
                );
                if !o.name.is_empty() {
                    t.push_str(&format!("  name: {}\n", o.name));
                }
                if !o.namespace.is_empty() {
                    t.push_str(&format!("  namespace: {}\n", o.namespace));
                }
                t
            }
            (None, Some(src)) => format!("path: {}\n", relative_to(Path::new(src), top).display()),
            (None, None) => continue,
        };
        r.set_annotation(ORIGIN, &text);
    }
}

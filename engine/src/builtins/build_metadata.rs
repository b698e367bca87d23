//! `buildMetadata`: `originAnnotations` (the `config.kubernetes.io/origin` annotation
//! naming the file a resource was read from or the generator that made it),
//! `transformerAnnotations` (`alpha.config.kubernetes.io/transformations`: every
//! transformer that ran while the resource was in the map, as kustomize records it) and
//! `managedByLabel`. Paths are relative to the kustomization being built.

use std::path::Path;

use crate::error::{Error, Result};
use crate::loader::relative_to;
use crate::resource::{Origin, ResMap};

/// The annotation kustomize lists transformers under.
pub const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// The label `managedByLabel` (and `build --enable-managedby-label`) sets.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";

/// Records that the built-in transformer `kind`, declared in `file`, ran over every
/// resource now in the map (a resource without any origin takes it as its origin).
pub fn record_transformer(resources: &mut ResMap, file: &Path, kind: &str) {
    let o = Origin {
        configured_in: file.to_path_buf(),
        api_version: "builtin".into(),
        kind: kind.into(),
        ..Default::default()
    };
    for r in resources.iter_mut() {
        if r.origin.is_none() && r.source.is_none() {
            r.origin = Some(o.clone());
        } else {
            r.transformations.push(o.clone());
        }
    }
}

/// Applies the top kustomization's `buildMetadata` at the end of a build; `managed_by`
/// is `--enable-managedby-label`, which adds the label as `managedByLabel` does.
pub fn finish(
    resources: &mut ResMap,
    entries: &[String],
    top: &Path,
    file: &Path,
    managed_by: bool,
) -> Result<()> {
    validate(entries, file)?;
    let has = |x: &str| entries.iter().any(|e| e == x);
    if has("originAnnotations") {
        annotate_origins(resources, top);
    }
    if has("transformerAnnotations") {
        for r in resources.iter_mut() {
            if r.transformations.is_empty() {
                continue;
            }
            let mut text = String::new();
            for o in &r.transformations {
                for (i, line) in origin_text(o, top).lines().enumerate() {
                    text.push_str(if i == 0 { "- " } else { "  " });
                    text.push_str(line);
                    text.push('\n');
                }
            }
            r.set_annotation(TRANSFORMATIONS, &text);
        }
    }
    if managed_by || has("managedByLabel") {
        // kustomize writes its own release: `kustomize-v5.8.1`.
        let value = format!("kustomize-{}", crate::compat::KUSTOMIZE_VERSION);
        for r in resources.iter_mut() {
            if let Some(crate::yaml::Node::Map(m)) = r.node.ensure_path(&["metadata", "labels"]) {
                m.insert(MANAGED_BY.into(), crate::yaml::Node::str(&value));
            }
        }
    }
    Ok(())
}

/// An origin as kustomize prints it inside its annotations.
fn origin_text(o: &Origin, top: &Path) -> String {
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

/// The annotation kustomize writes origins under.
pub const ORIGIN: &str = "config.kubernetes.io/origin";

/// Checks the `buildMetadata` entries of the kustomization being built.
pub fn validate(entries: &[String], file: &Path) -> Result<()> {
    for e in entries {
        match e.as_str() {
            "originAnnotations" | "transformerAnnotations" | "managedByLabel" => {}
            other => {
                return Err(Error::config(
                    file,
                    format!(
                        "invalid option in buildMetadata: {other}; must be one of originAnnotations, transformerAnnotations, managedByLabel"
                    ),
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
            (Some(o), _) => origin_text(o, top),
            (None, Some(src)) => format!("path: {}\n", relative_to(Path::new(src), top).display()),
            (None, None) => continue,
        };
        r.set_annotation(ORIGIN, &text);
    }
}

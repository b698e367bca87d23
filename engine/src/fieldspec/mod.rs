//! Field specs: where each built-in transformer writes, per kind.
//!
//! A [`TransformerConfig`] starts from kustomize's default tables (kept as data in
//! `defaults/kustomize.yaml`, the tables kustomize embeds) and grows with the
//! `configurations:` files of each kustomization layer. [`walk`] is the one traversal
//! every transformer uses to reach the fields a spec names.

pub mod crds;
pub mod walk;

use std::sync::Arc;

use serde::Deserialize;

use crate::kustomization::{FieldSpecArg, LenientSpecs};
use crate::resource::Gvk;

pub use walk::{Create, apply};

/// "Apply at `path` for resources matching `gvk`", as kustomize's `types.FieldSpec`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSpec {
    /// Which resources (empty fields match anything).
    pub gvk: Gvk,
    /// The path, split on `/` (`spec/template/metadata/labels`); `\/` escapes a slash.
    pub path: Vec<String>,
    /// Create the field when absent.
    pub create: bool,
}

impl From<&FieldSpecArg> for FieldSpec {
    fn from(a: &FieldSpecArg) -> FieldSpec {
        FieldSpec::new(&a.group, &a.version, &a.kind, &a.path, a.create)
    }
}

impl FieldSpec {
    /// Builds a spec from its parts; `path` is split as kustomize splits it.
    pub fn new(group: &str, version: &str, kind: &str, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
            },
            path: split_path(path),
            create,
        }
    }

    /// Returns true when the spec selects resources of this gvk.
    pub fn selects(&self, gvk: &Gvk) -> bool {
        gvk.matches(&self.gvk)
    }

    /// Returns true when the path is exactly these segments.
    pub fn path_is(&self, segments: &[&str]) -> bool {
        self.path.len() == segments.len() && self.path.iter().zip(segments).all(|(a, b)| a == b)
    }

    /// Returns the path joined back with `/`.
    pub fn path_string(&self) -> String {
        self.path
            .iter()
            .map(|s| s.replace('/', "\\/"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub use crate::resource::selector::split_outside;

/// Splits a field-spec path on `/`, honouring `\/` as a literal slash (kustomize's
/// `splitPath`).
pub fn split_path(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// "Resources of `gvk` are referred to by name from these fields" (kustomize's
/// `NameBackReferences`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameBackRef {
    /// The kind whose name is referred to.
    pub gvk: Gvk,
    /// The referring fields.
    pub referrers: Vec<FieldSpec>,
}

/// A shared list of field specs: every layer and transformer reads the same tables, so
/// they are shared and copied only when a layer adds to them.
pub type Specs = Arc<Vec<FieldSpec>>;

/// The field specs of every built-in transformer, merged across layers.
#[derive(Clone, Debug, Default)]
pub struct TransformerConfig {
    /// Where `namePrefix` applies.
    pub name_prefix: Specs,
    /// Where `nameSuffix` applies.
    pub name_suffix: Specs,
    /// Where `namespace` applies (besides `metadata/namespace`).
    pub namespace: Specs,
    /// Where `commonLabels` apply.
    pub common_labels: Specs,
    /// Where `labels` with `includeTemplates` apply.
    pub template_labels: Specs,
    /// Where `commonAnnotations` apply.
    pub common_annotations: Specs,
    /// Where `images` apply.
    pub images: Specs,
    /// Where `replicas` apply.
    pub replicas: Specs,
    /// Where `$(VAR)` references are substituted.
    pub var_reference: Specs,
    /// Which fields hold names of which kinds.
    pub name_reference: Arc<Vec<NameBackRef>>,
    /// Whether kustomize's default tables are already in: merging them again is a no-op.
    has_defaults: bool,
    /// Whether this is exactly the default tables.
    defaults_only: bool,
}

const DEFAULTS: &str = include_str!("defaults/kustomize.yaml");

impl TransformerConfig {
    /// kustomize's default tables.
    pub fn defaults() -> TransformerConfig {
        // Every kustomization layer starts from these tables, so they are parsed once
        // per process. The embedded table is fixed data checked by a unit test; a parse
        // failure here would be a build defect, and an empty config is the safe fallback.
        static TABLES: std::sync::OnceLock<TransformerConfig> = std::sync::OnceLock::new();
        TABLES
            .get_or_init(|| {
                let mut tc = TransformerConfig::parse(DEFAULTS).unwrap_or_default();
                tc.has_defaults = true;
                tc.defaults_only = true;
                tc
            })
            .clone()
    }

    fn is_empty(&self) -> bool {
        self.name_prefix.is_empty()
            && self.name_suffix.is_empty()
            && self.namespace.is_empty()
            && self.common_labels.is_empty()
            && self.template_labels.is_empty()
            && self.common_annotations.is_empty()
            && self.images.is_empty()
            && self.replicas.is_empty()
            && self.var_reference.is_empty()
            && self.name_reference.is_empty()
    }

    /// Adds another layer's specs, taking them over without a copy when this one is empty.
    pub fn merge_owned(&mut self, other: TransformerConfig) {
        if self.is_empty() {
            *self = other;
        } else {
            self.merge(&other);
        }
    }

    /// Parses a `configurations:` file (the same shape as kustomize's tables).
    /// `Err` is the message.
    pub fn parse(text: &str) -> Result<TransformerConfig, String> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            crate::yaml::check_depth(text).map_err(|e| format!("invalid YAML at {e}"))?;
            serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?
        };
        let conv = |v: LenientSpecs| Arc::new(v.0.iter().map(FieldSpec::from).collect::<Vec<_>>());
        Ok(TransformerConfig {
            name_prefix: conv(raw.name_prefix),
            name_suffix: conv(raw.name_suffix),
            namespace: conv(raw.namespace),
            common_labels: conv(raw.common_labels),
            template_labels: conv(raw.template_labels),
            common_annotations: conv(raw.common_annotations),
            images: conv(raw.images),
            replicas: conv(raw.replicas),
            var_reference: conv(raw.var_reference),
            name_reference: raw
                .name_reference
                .into_iter()
                .map(|n| NameBackRef {
                    gvk: Gvk {
                        group: n.group,
                        version: n.version,
                        kind: n.kind,
                    },
                    referrers: n.field_specs.0.iter().map(FieldSpec::from).collect(),
                })
                .collect::<Vec<_>>()
                .into(),
            has_defaults: false,
            defaults_only: false,
        })
    }

    /// Adds another layer's specs, skipping ones already present.
    pub fn merge(&mut self, other: &TransformerConfig) {
        // Every layer brings the default tables; once they are in, that is nothing new.
        if other.defaults_only && self.has_defaults {
            return;
        }
        if self.is_empty() {
            *self = other.clone();
            return;
        }
        self.has_defaults |= other.has_defaults;
        self.defaults_only = false;
        add_shared(&mut self.name_prefix, &other.name_prefix);
        add_shared(&mut self.name_suffix, &other.name_suffix);
        add_shared(&mut self.namespace, &other.namespace);
        add_shared(&mut self.common_labels, &other.common_labels);
        add_shared(&mut self.template_labels, &other.template_labels);
        add_shared(&mut self.common_annotations, &other.common_annotations);
        add_shared(&mut self.images, &other.images);
        add_shared(&mut self.replicas, &other.replicas);
        add_shared(&mut self.var_reference, &other.var_reference);
        if other.name_reference.is_empty()
            || Arc::ptr_eq(&self.name_reference, &other.name_reference)
        {
            return;
        }
        let refs = Arc::make_mut(&mut self.name_reference);
        for n in other.name_reference.iter() {
            match refs.iter_mut().find(|m| m.gvk == n.gvk) {
                Some(m) => add_specs(&mut m.referrers, &n.referrers),
                None => refs.push(n.clone()),
            }
        }
    }
}

/// [`add_specs`] on a shared list: copied first only if another layer shares it and
/// there is something to add.
pub fn add_shared(into: &mut Specs, from: &Specs) {
    // Layers that never changed a table share it: nothing to add, nothing to hash.
    if !from.is_empty() && !Arc::ptr_eq(into, from) {
        add_specs(Arc::make_mut(into), from);
    }
}

/// Appends the specs of `from` that `into` lacks (same gvk and path), in order.
///
/// Every layer merges the whole default tables into its parent, so this is hashed
/// rather than a scan per spec (which made deep trees quadratic in the table size).
pub fn add_specs(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
    if from.is_empty() {
        return;
    }
    let add: Vec<FieldSpec> = {
        let mut seen: std::collections::HashSet<(&Gvk, &[String])> =
            into.iter().map(|g| (&g.gvk, g.path.as_slice())).collect();
        from.iter()
            .filter(|f| seen.insert((&f.gvk, f.path.as_slice())))
            .cloned()
            .collect()
    };
    into.extend(add);
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(default)]
    name_prefix: LenientSpecs,
    #[serde(default)]
    name_suffix: LenientSpecs,
    #[serde(default)]
    namespace: LenientSpecs,
    #[serde(default)]
    common_labels: LenientSpecs,
    #[serde(default)]
    template_labels: LenientSpecs,
    #[serde(default)]
    common_annotations: LenientSpecs,
    #[serde(default)]
    images: LenientSpecs,
    #[serde(default)]
    replicas: LenientSpecs,
    #[serde(default)]
    var_reference: LenientSpecs,
    #[serde(default)]
    name_reference: Vec<RawBackRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBackRef {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    field_specs: LenientSpecs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tables_parse_completely() {
        let tc = TransformerConfig::parse(DEFAULTS);
        assert!(tc.is_ok(), "{tc:?}");
        let tc = tc.unwrap_or_default();
        assert_eq!(tc.name_prefix.len(), 1);
        assert_eq!(tc.namespace.len(), 3);
        assert_eq!(tc.common_labels.len(), 32);
        assert_eq!(tc.images.len(), 7);
        assert_eq!(tc.replicas.len(), 4);
        assert!(
            tc.name_reference
                .iter()
                .any(|n| n.gvk.kind == "ConfigMap" && n.referrers.len() > 40)
        );
    }

    #[test]
    fn a_configuration_file_ignores_keys_a_field_spec_lacks_but_a_kustomization_refuses_them() {
        let text = "namePrefix:\n- path: metadata/name\n  kind: X\n  behavior: x\n  create: true\nnameReference:\n- kind: S\n  fieldSpecs:\n  - path: spec/s\n    extra: 1\n";
        let tc = TransformerConfig::parse(text).unwrap_or_default();
        assert_eq!(
            tc.name_prefix.as_slice(),
            [FieldSpec::new("", "", "X", "metadata/name", true)]
        );
        assert_eq!(tc.name_reference.len(), 1);
        assert_eq!(tc.name_reference[0].referrers.len(), 1);
        let k = crate::kustomization::Kustomization::parse(
            "labels:\n- pairs: {a: b}\n  fields:\n  - path: x\n    behavior: x\n",
        );
        assert!(k.is_err_and(|e| e.contains("unknown field `behavior`")));
    }

    #[test]
    fn escaped_slashes_stay_in_one_segment() {
        assert_eq!(
            split_path("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            vec![
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/auth-secret"
            ]
        );
    }

    #[test]
    fn merge_adds_back_reference_fields_to_the_same_kind() {
        let mut a = TransformerConfig::defaults();
        let b = TransformerConfig::parse(
            "nameReference:\n- kind: ConfigMap\n  version: v1\n  fieldSpecs:\n  - path: spec/cm\n    kind: MyKind\n",
        )
        .unwrap_or_default();
        let before = a.name_reference.len();
        a.merge(&b);
        assert_eq!(a.name_reference.len(), before);
        assert!(
            a.name_reference
                .iter()
                .any(|n| n.referrers.iter().any(|f| f.gvk.kind == "MyKind"))
        );
    }
}

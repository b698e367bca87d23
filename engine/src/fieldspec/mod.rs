//! Field specs: where each built-in transformer writes, per kind.
//!
//! A [`TransformerConfig`] starts from kustomize's default tables and grows with the
//! `configurations:` files and `crds:` of each kustomization layer.

use crate::resource::Gvk;

/// "Apply at `path` for resources matching `gvk`", as kustomize's `types.FieldSpec`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSpec {
    /// Which resources (empty fields match anything).
    pub gvk: Gvk,
    /// The path, split on `/` (`spec/template/metadata/labels`).
    pub path: Vec<String>,
    /// Create the field when absent.
    pub create: bool,
}

/// The field specs of every built-in transformer, merged across layers.
#[derive(Clone, Debug, Default)]
pub struct TransformerConfig {
    /// Where `namePrefix` applies.
    pub name_prefix: Vec<FieldSpec>,
    /// Where `nameSuffix` applies.
    pub name_suffix: Vec<FieldSpec>,
    /// Where `namespace` applies.
    pub namespace: Vec<FieldSpec>,
    /// Where `commonLabels` apply.
    pub common_labels: Vec<FieldSpec>,
    /// Where `commonAnnotations` apply.
    pub common_annotations: Vec<FieldSpec>,
    /// Where `images` apply.
    pub images: Vec<FieldSpec>,
    /// Where `replicas` apply.
    pub replicas: Vec<FieldSpec>,
    /// Where `$(VAR)` references are substituted.
    pub var_reference: Vec<FieldSpec>,
}

impl TransformerConfig {
    /// Adds another layer's specs, skipping ones already present.
    pub fn merge(&mut self, other: &TransformerConfig) {
        fn add(into: &mut Vec<FieldSpec>, from: &[FieldSpec]) {
            for f in from {
                if !into.contains(f) {
                    into.push(f.clone());
                }
            }
        }
        add(&mut self.name_prefix, &other.name_prefix);
        add(&mut self.name_suffix, &other.name_suffix);
        add(&mut self.namespace, &other.namespace);
        add(&mut self.common_labels, &other.common_labels);
        add(&mut self.common_annotations, &other.common_annotations);
        add(&mut self.images, &other.images);
        add(&mut self.replicas, &other.replicas);
        add(&mut self.var_reference, &other.var_reference);
    }
}

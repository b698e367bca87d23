//! The one table from kind to constructor: which transformers and generators a
//! kustomization's fields and its `transformers:`, `generators:` and `validators:`
//! entries ask for, in kustomize's order of application.
//!
//! It sits above the implementations (`builtins`, `patch`, `replacement`, `plugin`),
//! which know nothing of each other; `accumulate` reads the config entries and hands
//! them here as nodes.

use std::path::PathBuf;
use std::sync::Arc;

use crate::builtins::{
    annotations, configmap_generator, hash_suffix, iam_policy_generator, images, labels, namespace,
    prefix_suffix, replicas, secret_generator, value_add,
};
use crate::error::{Error, Result};
use crate::fieldspec::{FieldSpec, TransformerConfig, add_specs};
use crate::kustomization::Kustomization;
use crate::loader::Root;
use crate::plugin::{HostOptions, WasmPlugin};
use crate::transform::{Generator, Transformer, Warnings};
use crate::yaml::Node;

/// What a plugin declared here runs with: the build's plugin settings and the list its
/// warnings go to.
#[derive(Clone, Copy)]
pub struct PluginHost<'a> {
    /// The build's plugin settings.
    pub options: &'a Arc<HostOptions>,
    /// Where the plugin's warnings go.
    pub warnings: &'a Warnings,
}

/// The built-in generators a kustomization's fields ask for, in kustomize's order
/// (ConfigMapGenerator, SecretGenerator).
pub fn field_generators(k: &Kustomization, root: &Root<'_>) -> Result<Vec<Box<dyn Generator>>> {
    let mut out: Vec<Box<dyn Generator>> = Vec::new();
    for args in &k.config_map_generator {
        out.push(Box::new(configmap_generator::ConfigMapGenerator {
            args: args.clone(),
            global: k.generator_options.clone(),
            origin: field_origin(root, "ConfigMapGenerator"),
        }));
    }
    for args in &k.secret_generator {
        out.push(Box::new(secret_generator::SecretGenerator {
            args: args.clone(),
            global: k.generator_options.clone(),
            origin: field_origin(root, "SecretGenerator"),
        }));
    }
    Ok(out)
}

/// The generators listed under `generators:` (built-in kinds or plugins).
pub fn config_generators(
    configs: Vec<(Node, PathBuf)>,
    root: &Root<'_>,
    host: PluginHost<'_>,
) -> Result<Vec<Box<dyn Generator>>> {
    let mut out: Vec<Box<dyn Generator>> = Vec::new();
    for (node, file) in configs {
        let bad = |m: String| Error::config(&file, m);
        let origin = crate::resource::Origin {
            configured_in: file.clone(),
            api_version: "builtin".into(),
            kind: node.str_at(&["kind"]).unwrap_or("").to_string(),
            name: node.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
            namespace: node
                .str_at(&["metadata", "namespace"])
                .unwrap_or("")
                .to_string(),
        };
        let g: Box<dyn Generator> = match builtin_kind(&node) {
            Some("ConfigMapGenerator") => Box::new(configmap_generator::ConfigMapGenerator {
                origin,
                ..configmap_generator::ConfigMapGenerator::from_config(&node).map_err(bad)?
            }),
            Some("SecretGenerator") => Box::new(secret_generator::SecretGenerator {
                origin,
                ..secret_generator::SecretGenerator::from_config(&node).map_err(bad)?
            }),
            Some("IAMPolicyGenerator") => Box::new(iam_policy_generator::IamPolicyGenerator {
                origin,
                ..iam_policy_generator::IamPolicyGenerator::from_config(&node).map_err(bad)?
            }),
            Some(other) => return Err(not_loadable(other, &file)),
            _ => external(&node, root, &file, host)?.generator(),
        };
        out.push(g);
    }
    Ok(out)
}

/// The origin of a generator declared by a kustomization field.
fn field_origin(root: &Root<'_>, kind: &str) -> crate::resource::Origin {
    crate::resource::Origin {
        configured_in: root.file.to_path_buf(),
        api_version: "builtin".into(),
        kind: kind.into(),
        ..Default::default()
    }
}

/// The built-in transformers a kustomization's fields ask for, in kustomize's order:
/// patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels,
/// annotations, patchesJson6902, replicas, images, replacements.
pub fn field_transformers(
    k: &Kustomization,
    root: &Root<'_>,
    tc: &TransformerConfig,
) -> Result<Vec<Box<dyn Transformer>>> {
    let mut out: Vec<Box<dyn Transformer>> = Vec::new();
    // --- slot: patchesStrategicMerge (PatchStrategicMergeTransformer) ---
    // --- slot: patches (PatchTransformer) ---
    let (early_patches, late_patches) = crate::patch::field_transformers(k, root)?;
    out.extend(early_patches);
    if !k.namespace.is_empty() {
        out.push(Box::new(namespace::NamespaceTransformer {
            namespace: k.namespace.clone(),
            field_specs: tc.namespace.clone(),
            ..Default::default()
        }));
    }
    if !k.name_prefix.is_empty() {
        out.push(Box::new(prefix_suffix::PrefixSuffixTransformer {
            prefix: k.name_prefix.clone(),
            suffix: String::new(),
            field_specs: tc.name_prefix.clone(),
            kind: "PrefixTransformer".into(),
        }));
    }
    if !k.name_suffix.is_empty() {
        out.push(Box::new(prefix_suffix::PrefixSuffixTransformer {
            prefix: String::new(),
            suffix: k.name_suffix.clone(),
            field_specs: tc.name_suffix.clone(),
            kind: "SuffixTransformer".into(),
        }));
    }
    for l in &k.labels {
        let mut fss: Vec<FieldSpec> = l.fields.iter().map(FieldSpec::from).collect();
        if l.include_selectors {
            add_specs(&mut fss, &tc.common_labels);
        } else {
            add_specs(
                &mut fss,
                &[FieldSpec::new("", "", "", "metadata/labels", true)],
            );
            if l.include_templates {
                add_specs(&mut fss, &tc.template_labels);
            }
            if l.include_volume_claim_templates {
                let vct = FieldSpec::new(
                    "apps",
                    "",
                    "StatefulSet",
                    "spec/volumeClaimTemplates[]/metadata/labels",
                    true,
                );
                add_specs(&mut fss, &[vct]);
            }
        }
        out.push(Box::new(labels::LabelTransformer {
            labels: l.pairs.clone(),
            field_specs: fss.into(),
        }));
    }
    // kustomize runs one LabelTransformer per `labels` entry, then the `commonLabels` one
    // (also when only `labels` is set).
    if !k.labels.is_empty() || k.common_labels.is_some() {
        out.push(Box::new(labels::LabelTransformer {
            labels: k.common_labels.clone().unwrap_or_default(),
            field_specs: tc.common_labels.clone(),
        }));
    }
    if let Some(a) = &k.common_annotations {
        out.push(Box::new(annotations::AnnotationsTransformer {
            annotations: a.clone(),
            field_specs: tc.common_annotations.clone(),
        }));
    }
    // --- slot: patchesJson6902 (PatchJson6902Transformer) ---
    out.extend(late_patches);
    for r in &k.replicas {
        out.push(Box::new(replicas::ReplicaCountTransformer {
            replica: r.clone(),
            field_specs: tc.replicas.clone(),
        }));
    }
    for i in &k.images {
        out.push(Box::new(images::ImageTagTransformer {
            image: i.clone(),
            field_specs: tc.images.clone(),
            ..Default::default()
        }));
    }
    // --- slot: replacements (ReplacementTransformer) ---
    if !k.replacements.is_empty() {
        out.push(Box::new(
            crate::replacement::ReplacementTransformer::from_fields(
                &k.replacements,
                root,
                root.file,
            )?,
        ));
    }
    Ok(out)
}

/// The transformers listed under `transformers:` (built-in kinds or plugins).
pub fn config_transformers(
    configs: Vec<(Node, PathBuf)>,
    root: &Root<'_>,
    host: PluginHost<'_>,
) -> Result<Vec<Box<dyn Transformer>>> {
    let mut out: Vec<Box<dyn Transformer>> = Vec::new();
    for (node, file) in configs {
        out.push(builtin_transformer(&node, root, &file, host)?);
    }
    Ok(out)
}

/// Builds the transformer a config names: a built-in kind, else a plugin.
fn builtin_transformer(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
    host: PluginHost<'_>,
) -> Result<Box<dyn Transformer>> {
    let bad = |m: String| Error::config(file, m);
    Ok(match builtin_kind(node) {
        Some("NamespaceTransformer") => {
            Box::new(namespace::NamespaceTransformer::from_config(node).map_err(bad)?)
        }
        Some("PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer") => {
            Box::new(prefix_suffix::PrefixSuffixTransformer::from_config(node).map_err(bad)?)
        }
        Some("LabelTransformer") => {
            Box::new(labels::LabelTransformer::from_config(node).map_err(bad)?)
        }
        Some("AnnotationsTransformer") => {
            Box::new(annotations::AnnotationsTransformer::from_config(node).map_err(bad)?)
        }
        Some("ImageTagTransformer") => {
            Box::new(images::ImageTagTransformer::from_config(node).map_err(bad)?)
        }
        Some("ReplicaCountTransformer") => {
            Box::new(replicas::ReplicaCountTransformer::from_config(node).map_err(bad)?)
        }
        Some("HashTransformer") => Box::new(hash_suffix::HashTransformer),
        Some("ValueAddTransformer") => {
            let dir_name = root
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let read = |p: &str| root.read_text(p).map_err(|e| e.to_string());
            Box::new(
                value_add::ValueAddTransformer::from_config(node, &dir_name, &read).map_err(bad)?,
            )
        }
        Some("ReplacementTransformer") => Box::new(
            crate::replacement::ReplacementTransformer::from_config(node, root, file)?,
        ),
        Some(
            "PatchTransformer" | "PatchStrategicMergeTransformer" | "PatchJson6902Transformer",
        ) => match crate::patch::transformer_from_config(node, root, file)? {
            Some(t) => t,
            None => external(node, root, file, host)?.transformer(),
        },
        Some(other) => return Err(not_loadable(other, file)),
        _ => external(node, root, file, host)?.transformer(),
    })
}

/// kustomize's refusal of an `apiVersion: builtin` kind it cannot load (SortOrderTransformer
/// and unknown kinds; the helm and IAM generators need tools a sandboxed build lacks).
fn not_loadable(kind: &str, file: &std::path::Path) -> Error {
    Error::config(
        file,
        format!("unable to load builtin {kind}.builtin.[noGrp]"),
    )
}

/// The validators listed under `validators:`; they see the resources but must not change them.
pub fn config_validators(
    configs: Vec<(Node, PathBuf)>,
    root: &Root<'_>,
    host: PluginHost<'_>,
) -> Result<Vec<Box<dyn Transformer>>> {
    let mut out: Vec<Box<dyn Transformer>> = Vec::new();
    for (node, file) in configs {
        out.push(external(&node, root, &file, host)?.validator());
    }
    Ok(out)
}

/// The kustomize kind of a built-in config (`apiVersion: builtin`), if it is one.
fn builtin_kind(node: &Node) -> Option<&str> {
    if node.str_at(&["apiVersion"]) == Some("builtin") {
        node.str_at(&["kind"])
    } else {
        None
    }
}

/// A function a config of no built-in kind declares: a sandboxed wasm plugin, or an
/// exec function (behind `--enable-alpha-plugins --enable-exec`).
enum External {
    Wasm(WasmPlugin),
    Exec(crate::plugin::exec::ExecFunction),
}

impl External {
    fn transformer(self) -> Box<dyn Transformer> {
        match self {
            External::Wasm(p) => crate::plugin::boxed_transformer(p),
            External::Exec(f) => Box::new(f),
        }
    }

    fn generator(self) -> Box<dyn Generator> {
        match self {
            External::Wasm(p) => crate::plugin::boxed_generator(p),
            External::Exec(f) => Box::new(f),
        }
    }

    fn validator(self) -> Box<dyn Transformer> {
        match self {
            External::Wasm(p) => crate::plugin::boxed_validator(p),
            External::Exec(f) => Box::new(crate::plugin::exec::ExecValidator(f)),
        }
    }
}

/// The function a config of no built-in kind declares; an error when it declares none.
fn external(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
    host: PluginHost<'_>,
) -> Result<External> {
    let root = &Root { file, ..*root };
    if let Some(p) = crate::plugin::from_config(node, root, host.options, host.warnings)? {
        return Ok(External::Wasm(p));
    }
    if let Some(f) = crate::plugin::exec::from_config(node, root, host.options, host.warnings)? {
        return Ok(External::Exec(f));
    }
    Err(unknown_plugin(node, file))
}

fn unknown_plugin(node: &Node, file: &std::path::Path) -> Error {
    Error::config(
        file,
        format!(
            "plugin {}/{} ({}) is not a built-in and no plugin provides it",
            node.str_at(&["apiVersion"]).unwrap_or(""),
            node.str_at(&["kind"]).unwrap_or(""),
            node.str_at(&["metadata", "name"]).unwrap_or("")
        ),
    )
}

//! Built-in transformers and generators, one module each, all behind [`Transformer`] and
//! [`Generator`].
//!
//! The same type serves a kustomization field (`namePrefix: x`) and a `transformers:`
//! entry with `apiVersion: builtin` and its kustomize kind (`PrefixSuffixTransformer`).
//! [`field_transformers`] is the one table that fixes kustomize's order of application.

pub mod annotations;
pub mod build_metadata;
mod common;
pub mod configmap_generator;
pub mod hash_suffix;
pub mod iam_policy_generator;
pub mod images;
pub mod kv;
pub mod labels;
pub mod name_reference;
pub mod namespace;
pub mod prefix_suffix;
pub mod replicas;
pub mod secret_generator;
pub mod sort_order;
pub mod value_add;

#[cfg(test)]
mod fixtures;

use crate::error::{Error, Result};
use crate::fieldspec::{FieldSpec, TransformerConfig, add_specs};
use crate::kustomization::{FieldSpecArg, Kustomization};
use crate::loader::Root;
use crate::resource::{Behavior, ResMap, Resource};
use crate::yaml::Node;

/// What a transformer or generator may use besides the resources.
pub struct Context<'a> {
    /// The kustomization root that declared it (files are read relative to it).
    pub root: Root<'a>,
    /// The field specs in force.
    pub config: &'a TransformerConfig,
}

/// Edits resources in place.
pub trait Transformer {
    /// kustomize's kind for this transformer (used in messages).
    fn name(&self) -> &str;
    /// Applies the transformation.
    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()>;
}

/// Produces new resources.
pub trait Generator {
    /// kustomize's kind for this generator (used in messages).
    fn name(&self) -> &str;
    /// Produces the resources.
    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>>;
}

/// The fields no module handles yet, as (field, set in this kustomization): the build
/// refuses them instead of ignoring them. Each built-in takes its field off this list.
pub fn pending_fields(k: &Kustomization) -> Vec<(&'static str, bool)> {
    let _ = k;
    Vec::new()
}

/// The field specs one kustomization layer contributes: kustomize's defaults plus its
/// `configurations:` files and `crds:`.
pub fn layer_config(k: &Kustomization, root: &Root<'_>) -> Result<TransformerConfig> {
    let mut tc = TransformerConfig::defaults();
    for c in &k.configurations {
        let text = root.read_text(c)?;
        let extra = TransformerConfig::parse(&text)
            .map_err(|m| Error::config(root.resolve(c).unwrap_or_else(|_| root.dir.join(c)), m))?;
        tc.merge(&extra);
    }
    for c in &k.crds {
        let text = root.read_text(c)?;
        let extra = crate::fieldspec::crds::parse(&text)
            .map_err(|m| Error::config(root.resolve(c).unwrap_or_else(|_| root.dir.join(c)), m))?;
        tc.merge(&extra);
    }
    Ok(tc)
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
pub fn config_generators(k: &Kustomization, root: &Root<'_>) -> Result<Vec<Box<dyn Generator>>> {
    let mut out: Vec<Box<dyn Generator>> = Vec::new();
    for (node, file) in plugin_configs(&k.generators, root)? {
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
            _ => external_generator(&node, root, &file)?,
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

/// Converts kustomization field specs.
fn specs(args: &[FieldSpecArg]) -> Vec<FieldSpec> {
    args.iter()
        .map(|a| FieldSpec::new(&a.group, &a.version, &a.kind, &a.path, a.create))
        .collect()
}

/// The built-in transformers a kustomization's fields ask for, in kustomize's order:
/// patchesStrategicMerge, patches, namespace, namePrefix, nameSuffix, labels,
/// annotations, patchesJson6902, replicas, images, replacements.
pub fn field_transformers(
    k: &Kustomization,
    root: &Root<'_>,
    tc: &TransformerConfig,
) -> Result<Vec<Box<dyn Transformer>>> {
    let _ = root;
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
        let mut fss = specs(&l.fields);
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
    k: &Kustomization,
    root: &Root<'_>,
) -> Result<Vec<Box<dyn Transformer>>> {
    let mut out: Vec<Box<dyn Transformer>> = Vec::new();
    for (node, file) in plugin_configs(&k.transformers, root)? {
        out.push(builtin_transformer(&node, root, &file)?);
    }
    Ok(out)
}

/// Builds the transformer a config names: a built-in kind, else a plugin.
fn builtin_transformer(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
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
        Some(
            "PatchTransformer"
            | "PatchStrategicMergeTransformer"
            | "PatchJson6902Transformer"
            | "ReplacementTransformer",
        ) => match crate::patch::transformer_from_config(node, root, file)? {
            Some(t) => t,
            None => external_transformer(node, root, file)?,
        },
        Some(other) => return Err(not_loadable(other, file)),
        _ => external_transformer(node, root, file)?,
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
pub fn config_validators(k: &Kustomization, root: &Root<'_>) -> Result<Vec<Box<dyn Transformer>>> {
    let mut out: Vec<Box<dyn Transformer>> = Vec::new();
    for (node, file) in plugin_configs(&k.validators, root)? {
        out.push(external_validator(&node, root, &file)?);
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

// ---- Plugin hook. The plugin engineer adds, at the top of each external_* function:
//      `if let Some(p) = crate::plugin::from_config(node, root)? { return Ok(crate::plugin::boxed_...(p)); }`
fn external_transformer(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
) -> Result<Box<dyn Transformer>> {
    if let Some(p) = crate::plugin::from_config(node, &Root { file, ..*root })? {
        return Ok(crate::plugin::boxed_transformer(p));
    }
    if let Some(f) = crate::plugin::exec::from_config(node, &Root { file, ..*root })? {
        return Ok(Box::new(f));
    }
    Err(unknown_plugin(node, file))
}

fn external_generator(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
) -> Result<Box<dyn Generator>> {
    if let Some(p) = crate::plugin::from_config(node, &Root { file, ..*root })? {
        return Ok(crate::plugin::boxed_generator(p));
    }
    if let Some(f) = crate::plugin::exec::from_config(node, &Root { file, ..*root })? {
        return Ok(Box::new(f));
    }
    Err(unknown_plugin(node, file))
}

fn external_validator(
    node: &Node,
    root: &Root<'_>,
    file: &std::path::Path,
) -> Result<Box<dyn Transformer>> {
    if let Some(p) = crate::plugin::from_config(node, &Root { file, ..*root })? {
        return Ok(crate::plugin::boxed_validator(p));
    }
    if let Some(f) = crate::plugin::exec::from_config(node, &Root { file, ..*root })? {
        return Ok(Box::new(crate::plugin::exec::ExecValidator(f)));
    }
    Err(unknown_plugin(node, file))
}
// ---- end of plugin hook.

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

/// Reads `transformers:` / `generators:` / `validators:` entries: inline YAML, a file
/// of configs, or a directory whose kustomization builds the configs. Returns each
/// config with the file it came from.
pub fn plugin_configs(
    entries: &[String],
    root: &Root<'_>,
) -> Result<Vec<(Node, std::path::PathBuf)>> {
    let mut out = Vec::new();
    for e in entries {
        let inline = e.contains('\n') || e.trim_start().starts_with('{');
        if inline {
            let configs = crate::loader::resources_from_text(e, root.file)?;
            crate::loader::check_identities(&configs, root.loader.naming(), root.file, None)?;
            for r in configs {
                out.push((r.node, root.file.to_path_buf()));
            }
            continue;
        }
        let joined = root.dir.join(e);
        match root.loader.kind(&joined) {
            Some(crate::fs::Kind::Dir) => {
                let dir = root.loader.resolve_dir(root.dir, e)?;
                let opts = crate::accumulate::BuildOptions {
                    reorder: crate::accumulate::Reorder::None,
                    env: root.loader.env().clone(),
                    functions: root.loader.functions().clone(),
                    ..Default::default()
                };
                let built = crate::accumulate::build(root.loader.fs(), &dir, &opts)?;
                for r in built.into_vec() {
                    out.push((r.node, dir.clone()));
                }
            }
            Some(crate::fs::Kind::File) => {
                let path = root.resolve(e)?;
                for r in root.loader.resources_from_file(&path)? {
                    out.push((r.node, path.clone()));
                }
            }
            _ => {
                return Err(Error::config(
                    root.file,
                    format!("'{}' does not exist", joined.display()),
                ));
            }
        }
    }
    Ok(out)
}

/// Combines a generated resource with the existing one it names (`behavior: merge` or
/// `replace`). `Err` is the message.
pub fn merge_generated(
    old: Resource,
    new: Resource,
    behavior: Behavior,
) -> std::result::Result<Resource, String> {
    let mut res = new;
    // Labels and annotations: the old ones, overridden by the new ones.
    for field in ["labels", "annotations"] {
        let mut merged = crate::yaml::Map::new();
        for src in [&old.node, &res.node] {
            if let Some(Node::Map(m)) = src.get_path(&["metadata", field]) {
                for (k, v) in m {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(meta) = res.node.get_mut("metadata").and_then(Node::as_map_mut) {
            if merged.is_empty() {
                meta.shift_remove(field);
            } else {
                meta.insert(field.to_string(), Node::Map(merged));
            }
        }
    }
    res.set_name(old.name());
    if old.namespace().is_empty() {
        if let Some(meta) = res.node.get_mut("metadata").and_then(Node::as_map_mut) {
            meta.shift_remove("namespace");
        }
    } else {
        res.set_namespace(old.namespace());
    }
    if behavior == Behavior::Merge {
        for field in ["data", "binaryData"] {
            let mut merged = crate::yaml::Map::new();
            for src in [&old.node, &res.node] {
                if let Some(Node::Map(m)) = src.get(field) {
                    for (k, v) in m {
                        merged.insert(k.clone(), v.clone());
                    }
                }
            }
            if let Some(m) = res.node.as_map_mut()
                && !merged.is_empty()
            {
                m.insert(field.to_string(), Node::Map(merged));
            }
        }
    }
    // Build bookkeeping (previous ids, prefixes, behaviour) stays the old one's.
    res.previous = old.previous;
    res.prefixes = old.prefixes;
    res.suffixes = old.suffixes;
    res.behavior = old.behavior;
    // A hash suffix only when both the existing resource and the new one want it: a
    // plain resource never gets one, and `disableNameSuffixHash` on either side wins.
    res.needs_hash = old.needs_hash && res.needs_hash;
    if behavior == Behavior::Merge {
        res.origin = old.origin;
        res.source = old.source;
    }
    Ok(res)
}

//! `ConfigMapGenerator` and the `configMapGenerator:` field: a ConfigMap from
//! literals, files and env files; UTF-8 values go to `data`, others (base64) to
//! `binaryData`. The name gets a content hash unless `disableNameSuffixHash`.

use super::common::from_node_lenient;
use super::kv::{base64_lines, load_pairs, merge_options, skeleton};
use super::{Context, Generator};
use crate::error::Result;
use crate::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::resource::{Origin, Resource};
use crate::yaml::{Map, Node};

/// Generates one ConfigMap.
#[derive(Clone, Debug, Default)]
pub struct ConfigMapGenerator {
    /// The entry.
    pub args: GeneratorArgs,
    /// The kustomization's `generatorOptions`.
    pub global: Option<GeneratorOptions>,
    /// Where it was configured (for `buildMetadata` origins).
    pub origin: Origin,
}

impl ConfigMapGenerator {
    /// Reads a `kind: ConfigMapGenerator` config (the entry's fields at top level, name
    /// and namespace under `metadata`).
    pub fn from_config(config: &Node) -> std::result::Result<ConfigMapGenerator, String> {
        Ok(ConfigMapGenerator {
            args: args_from_config(config)?,
            global: None,
            origin: Origin::default(),
        })
    }
}

/// Reads generator arguments from a plugin config.
pub(crate) fn args_from_config(config: &Node) -> std::result::Result<GeneratorArgs, String> {
    let mut c = config.clone();
    let (name, ns) = (
        config
            .str_at(&["metadata", "name"])
            .unwrap_or("")
            .to_string(),
        config
            .str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string(),
    );
    if let Some(m) = c.as_map_mut() {
        for k in ["apiVersion", "kind", "metadata"] {
            m.shift_remove(k);
        }
    }
    let known = [
        "namespace",
        "name",
        "behavior",
        "literals",
        "files",
        "envs",
        "env",
        "options",
        "type",
    ];
    let mut args: GeneratorArgs = from_node_lenient(&c, &known)?;
    if args.name.is_empty() {
        args.name = name;
    }
    if args.namespace.is_empty() {
        args.namespace = ns;
    }
    Ok(args)
}

impl Generator for ConfigMapGenerator {
    fn name(&self) -> &str {
        "ConfigMapGenerator"
    }

    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>> {
        let opts = merge_options(self.args.options.as_ref(), self.global.as_ref());
        let (mut m, mut r) = skeleton("ConfigMap", &self.args, &opts, cx.root.file)?;
        let pairs = load_pairs(&cx.root, &self.args, "ConfigMap")?;
        let (mut data, mut binary) = (Map::new(), Map::new());
        for (k, v) in pairs {
            match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(k, Node::str(s));
                }
                Err(e) => {
                    binary.insert(k, Node::str(base64_lines(e.as_bytes())));
                }
            }
        }
        if !data.is_empty() {
            m.insert("data".into(), Node::Map(data));
        }
        if !binary.is_empty() {
            m.insert("binaryData".into(), Node::Map(binary));
        }
        r.node = Node::Map(m);
        r.origin = Some(self.origin.clone());
        Ok(vec![r])
    }
}

//! `SecretGenerator` and the `secretGenerator:` field: a Secret (type `Opaque` unless
//! given) whose `data` holds the base64 of each literal, file and env entry. The name
//! gets a content hash unless `disableNameSuffixHash`.

use super::configmap_generator::args_from_config;
use super::kv::{base64_lines, load_pairs, merge_options, skeleton};
use super::{Context, Generator};
use crate::error::Result;
use crate::kustomization::{GeneratorArgs, GeneratorOptions};
use crate::resource::{Origin, Resource};
use crate::yaml::{Map, Node};

/// Generates one Secret.
#[derive(Clone, Debug, Default)]
pub struct SecretGenerator {
    /// The entry.
    pub args: GeneratorArgs,
    /// The kustomization's `generatorOptions`.
    pub global: Option<GeneratorOptions>,
    /// Where it was configured (for `buildMetadata` origins).
    pub origin: Origin,
}

impl SecretGenerator {
    /// Reads a `kind: SecretGenerator` config.
    pub fn from_config(config: &Node) -> std::result::Result<SecretGenerator, String> {
        Ok(SecretGenerator {
            args: args_from_config(config)?,
            global: None,
            origin: Origin::default(),
        })
    }
}

impl Generator for SecretGenerator {
    fn name(&self) -> &str {
        "SecretGenerator"
    }

    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>> {
        let opts = merge_options(self.args.options.as_ref(), self.global.as_ref());
        let (mut m, mut r) = skeleton("Secret", &self.args, &opts, cx.root.file)?;
        let pairs = load_pairs(&cx.root, &self.args, "Secret")?;
        let mut data = Map::new();
        for (k, v) in pairs {
            data.insert(k, Node::str(base64_lines(&v)));
        }
        // kyaml always writes a Secret's data, even empty (a ConfigMap's only when set).
        m.insert("data".into(), Node::Map(data));
        let t = if self.args.kind.is_empty() {
            "Opaque"
        } else {
            &self.args.kind
        };
        m.insert("type".into(), Node::str(t));
        r.node = Node::Map(m);
        r.origin = Some(self.origin.clone());
        Ok(vec![r])
    }
}

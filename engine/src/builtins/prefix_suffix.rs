//! `PrefixSuffixTransformer` (and the `namePrefix:` / `nameSuffix:` fields): adds a
//! prefix and a suffix to names (kustomize's `plugin/builtin/prefixsuffixtransformer`).
//!
//! CustomResourceDefinitions, APIServices and Namespaces keep their names. When the
//! spec is `metadata/name`, the resource remembers its old id and the prefix/suffix it
//! received, which name back-references use to pick the right target later.

use super::common::{apply_specs, specs_field, str_field, terr};
use super::{Context, Transformer};
use crate::error::Result;
use crate::fieldspec::Create;
use crate::resource::{Gvk, ResMap};
use crate::yaml::Node;

/// Adds a prefix and a suffix to names.
#[derive(Clone, Debug, Default)]
pub struct PrefixSuffixTransformer {
    /// Prepended.
    pub prefix: String,
    /// Appended.
    pub suffix: String,
    /// Where.
    pub field_specs: crate::fieldspec::Specs,
    /// The kind it is known by (`PrefixTransformer` for `namePrefix:`, ...).
    pub kind: String,
}

impl PrefixSuffixTransformer {
    /// Reads a `PrefixSuffixTransformer`, `PrefixTransformer` or `SuffixTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<PrefixSuffixTransformer, String> {
        Ok(PrefixSuffixTransformer {
            prefix: str_field(config, "prefix"),
            suffix: str_field(config, "suffix"),
            field_specs: specs_field(config, "fieldSpecs")?.into(),
            kind: str_field(config, "kind"),
        })
    }
}

fn skipped(gvk: &Gvk) -> bool {
    gvk.kind == "CustomResourceDefinition"
        || gvk.kind == "Namespace"
        || (gvk.kind == "APIService" && gvk.group == "apiregistration.k8s.io")
}

impl Transformer for PrefixSuffixTransformer {
    fn name(&self) -> &str {
        if self.kind.is_empty() {
            "PrefixSuffixTransformer"
        } else {
            &self.kind
        }
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        for r in resources.iter_mut() {
            let org = r.orig_id();
            if skipped(&org.gvk) {
                continue;
            }
            for fs in self.field_specs.iter() {
                if !fs.selects(&org.gvk) {
                    continue;
                }
                if fs.path_is(&["metadata", "name"]) {
                    if !self.prefix.is_empty() {
                        r.prefixes.push(self.prefix.clone());
                    }
                    if !self.suffix.is_empty() {
                        r.suffixes.push(self.suffix.clone());
                    }
                    if !self.prefix.is_empty() || !self.suffix.is_empty() {
                        r.remember_id();
                        r.drop_empty_annotations();
                    }
                }
                let (p, s) = (&self.prefix, &self.suffix);
                apply_specs(r, std::slice::from_ref(fs), Create::Scalar, &mut |n| {
                    if let Node::Scalar(sc) = n {
                        sc.value = format!("{p}{}{s}", sc.value);
                        sc.tag = crate::yaml::Tag::Str;
                    }
                    Ok(())
                })
                .map_err(|m| terr(cx.root.file, "namePrefix/nameSuffix", None, m))?;
            }
        }
        Ok(())
    }
}

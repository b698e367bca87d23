//! `ImageTagTransformer` and the `images:` field (kustomize's `filters/imagetag`).
//!
//! Two passes, as kustomize: every `image` of an element of any `containers` or
//! `initContainers` sequence anywhere in the object (except in CRDs), then the image
//! field specs (which also reach custom fields from `configurations:`). An image
//! matches when it is the name, optionally followed by `:tag` and/or `@sha256:digest`.
//! `newTag` and `digest` each replace both the old tag and digest.

use super::common::{apply_specs, from_node_lenient, specs_field, terr};
use super::{Context, Transformer};
use crate::error::Result;
use crate::fieldspec::Create;
use crate::kustomization::Image;
use crate::resource::ResMap;
use crate::yaml::Node;

/// Rewrites image references.
#[derive(Clone, Debug, Default)]
pub struct ImageTagTransformer {
    /// The override.
    pub image: Image,
    /// Where, besides containers and initContainers.
    pub field_specs: crate::fieldspec::Specs,
    /// The compiled name pattern (built on first use).
    pub matcher: std::sync::OnceLock<Option<regex::Regex>>,
}

impl ImageTagTransformer {
    /// Reads a `kind: ImageTagTransformer` config.
    pub fn from_config(config: &Node) -> std::result::Result<ImageTagTransformer, String> {
        let image = match config.get("imageTag") {
            Some(n) if !n.is_null() => {
                from_node_lenient(n, &["name", "newName", "newTag", "digest", "tagSuffix"])
                    .map_err(|e| format!("imageTag: {e}"))?
            }
            _ => Image::default(),
        };
        Ok(ImageTagTransformer {
            image,
            field_specs: specs_field(config, "fieldSpecs")?.into(),
            ..Default::default()
        })
    }

    /// Returns the new value for an image reference, or None when it does not match.
    pub fn rewrite(&self, value: &str) -> Option<String> {
        let re = self
            .matcher
            .get_or_init(|| regex::Regex::new(&image_pattern(&self.image.name)).ok());
        let hit = match re {
            Some(re) => re.is_match(value),
            None => image_matches(value, &self.image.name),
        };
        if !hit {
            return None;
        }
        let (mut name, mut tag, mut digest) = split(value);
        if !self.image.new_name.is_empty() {
            name = self.image.new_name.clone();
        }
        let (nt, d) = (&self.image.new_tag, &self.image.digest);
        if !nt.is_empty() && !d.is_empty() {
            tag = nt.clone();
            digest = d.clone();
        } else if !nt.is_empty() {
            tag = nt.clone();
            digest.clear();
        } else if !d.is_empty() {
            tag.clear();
            digest = d.clone();
        } else if !self.image.tag_suffix.is_empty() {
            // kustomize appends the suffix on each pass (containers, then field specs).
            tag.push_str(&self.image.tag_suffix);
            digest.clear();
        }
        if !tag.is_empty() {
            name.push(':');
            name.push_str(&tag);
        }
        if !digest.is_empty() {
            name.push('@');
            name.push_str(&digest);
        }
        Some(name)
    }

    fn update(&self, n: &mut Node) -> std::result::Result<(), String> {
        match n {
            Node::Scalar(s) => {
                if let Some(v) = self.rewrite(&s.value) {
                    *n = Node::str(v);
                }
                Ok(())
            }
            other => Err(format!(
                "wrong node kind: expected ScalarNode but got {}",
                other.kind_name()
            )),
        }
    }

    fn legacy(&self, n: &mut Node) -> std::result::Result<(), String> {
        match n {
            Node::Map(m) => {
                for (k, v) in m.iter_mut() {
                    self.legacy(v)?;
                    if (k == "containers" || k == "initContainers")
                        && let Node::Seq(items) = v
                    {
                        for it in items.iter_mut() {
                            if let Some(img) = it.get_mut("image") {
                                self.update(img)?;
                            }
                        }
                    }
                }
                Ok(())
            }
            Node::Seq(items) => items.iter_mut().try_for_each(|i| self.legacy(i)),
            Node::Scalar(_) => Ok(()),
        }
    }
}

/// kustomize's `image.IsImageMatched`: `value` is `name` (read as a regular expression,
/// as kustomize does), then an optional `:tag`, then an optional `@sha256:digest`. A name
/// that is not a valid expression is matched literally.
pub fn image_matches(value: &str, name: &str) -> bool {
    if let Ok(re) = regex::Regex::new(&image_pattern(name)) {
        return re.is_match(value);
    }
    let Some(rest) = value.strip_prefix(name) else {
        return false;
    };
    let ok = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.{}-".contains(c))
    };
    let (tag, digest) = match rest.find("@sha256:") {
        Some(i) => (&rest[..i], Some(&rest[i + "@sha256:".len()..])),
        None => (rest, None),
    };
    let tag_ok = tag.is_empty() || (tag.starts_with(':') && ok(&tag[1..]));
    tag_ok && digest.is_none_or(ok)
}

fn image_pattern(name: &str) -> String {
    format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$")
}

/// kustomize's `image.Split`: name, tag and digest of `[host[:port]/]path[:tag][@digest]`.
pub fn split(image: &str) -> (String, String, String) {
    let slash = image.find('/').filter(|&i| i > 0).unwrap_or(0);
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (colon, at) {
        (None, None) => (image.to_string(), String::new(), String::new()),
        (Some(c), Some(a)) if c < a => {
            let (a, c) = (a + slash, c + slash);
            (
                image[..c].to_string(),
                image[c + 1..a].to_string(),
                image[a + 1..].to_string(),
            )
        }
        (_, Some(a)) => {
            let a = a + slash;
            (
                image[..a].to_string(),
                String::new(),
                image[a + 1..].to_string(),
            )
        }
        (Some(c), None) => {
            let c = c + slash;
            (
                image[..c].to_string(),
                image[c + 1..].to_string(),
                String::new(),
            )
        }
    }
}

impl Transformer for ImageTagTransformer {
    fn name(&self) -> &str {
        "ImageTagTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        for r in resources.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            self.legacy(&mut r.node)
                .map_err(|m| terr(cx.root.file, "images", None, m))?;
            apply_specs(r, &self.field_specs, Create::No, &mut |n| self.update(n))
                .map_err(|m| terr(cx.root.file, "images", None, m))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, new_name: &str, tag: &str, digest: &str) -> ImageTagTransformer {
        ImageTagTransformer {
            image: Image {
                name: name.into(),
                new_name: new_name.into(),
                new_tag: tag.into(),
                digest: digest.into(),
                tag_suffix: String::new(),
            },
            field_specs: Default::default(),
            ..Default::default()
        }
    }

    #[test]
    fn split_handles_ports_tags_and_digests() {
        assert_eq!(split("nginx"), ("nginx".into(), "".into(), "".into()));
        assert_eq!(
            split("reg:5000/nginx:1.2"),
            ("reg:5000/nginx".into(), "1.2".into(), "".into())
        );
        assert_eq!(
            split("nginx@sha256:ab"),
            ("nginx".into(), "".into(), "sha256:ab".into())
        );
        assert_eq!(
            split("a/b:t@sha256:ab"),
            ("a/b".into(), "t".into(), "sha256:ab".into())
        );
    }

    #[test]
    fn rewrite_follows_kustomize() {
        assert_eq!(
            t("nginx", "", "2", "").rewrite("nginx:1@sha256:x"),
            Some("nginx:2".into())
        );
        assert_eq!(
            t("nginx", "my/nginx", "", "sha256:y").rewrite("nginx:1"),
            Some("my/nginx@sha256:y".into())
        );
        assert_eq!(t("nginx", "", "", "").rewrite("nginxx:1"), None);
        assert_eq!(
            t("nginx", "", "3", "sha256:z").rewrite("nginx"),
            Some("nginx:3@sha256:z".into())
        );
    }
}

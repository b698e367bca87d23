//! `ValueAddTransformer` (kustomize's `plugin/builtin/valueaddtransformer`): adds one
//! value (by default the kustomization directory's name) to a field of the selected
//! resources, creating the field; `metadata/namespace` goes through the namespace
//! transformer; a positive `filePathPosition` inserts the value as a path segment.

use super::common::terr;
use super::namespace::NamespaceTransformer;
use super::{Context, Transformer};
use crate::error::Result;
use crate::fieldspec::split_path;
use crate::kustomization::Selector;
use crate::resource::ResMap;
use crate::resource::selector::Target;
use crate::yaml::Node;
use crate::yaml::json::from_node;

/// One target: which resources, which field.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValueAddTarget {
    /// Which resources (all when absent).
    #[serde(default)]
    pub selector: Option<Selector>,
    /// The slash-separated field.
    #[serde(default)]
    pub field_path: String,
    /// 1-based path segment position to insert at (0: replace the value).
    #[serde(default)]
    pub file_path_position: i64,
}

/// Adds a value to fields.
#[derive(Clone, Debug, Default)]
pub struct ValueAddTransformer {
    /// The value.
    pub value: String,
    /// Where.
    pub targets: Vec<ValueAddTarget>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Targets {
    #[serde(default)]
    targets: Vec<ValueAddTarget>,
}

impl ValueAddTransformer {
    /// Reads a `kind: ValueAddTransformer` config; `dir_name` is the default value and
    /// `read` loads `targetFilePath`.
    pub fn from_config(
        config: &Node,
        dir_name: &str,
        read: &dyn Fn(&str) -> std::result::Result<String, String>,
    ) -> std::result::Result<ValueAddTransformer, String> {
        let mut value = config
            .get("value")
            .and_then(Node::as_str)
            .unwrap_or("")
            .trim()
            .to_string();
        if value.is_empty() {
            value = dir_name.to_string();
        }
        let mut targets: Vec<ValueAddTarget> = match config.get("targets") {
            Some(n) if !n.is_null() => from_node(n).map_err(|e| format!("targets: {e}"))?,
            _ => Vec::new(),
        };
        if let Some(p) = config
            .get("targetFilePath")
            .and_then(Node::as_str)
            .filter(|p| !p.is_empty())
        {
            let text = read(p)?;
            crate::yaml::check_depth(&text).map_err(|e| format!("{p}: invalid YAML at {e}"))?;
            let more: Targets = serde_yaml_ng::from_str(&text).map_err(|e| format!("{p}: {e}"))?;
            targets.extend(more.targets);
        }
        if targets.is_empty() {
            return Err("must specify at least one target".into());
        }
        for t in &targets {
            if t.field_path.is_empty() {
                return Err("fieldPath cannot be empty".into());
            }
            if t.file_path_position < 0 {
                return Err(format!(
                    "value of FilePathPosition ({}) cannot be negative",
                    t.file_path_position
                ));
            }
        }
        Ok(ValueAddTransformer { value, targets })
    }
}

/// kustomize's `filesys.InsertPathPart`, as its documentation tabulates it.
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    let leading = path.starts_with('/');
    let mut comps: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    let at = pos.min(comps.len());
    comps.insert(at, part);
    let joined = comps.join("/");
    if leading {
        format!("/{joined}")
    } else {
        joined
    }
}

impl Transformer for ValueAddTransformer {
    fn name(&self) -> &str {
        "ValueAddTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        for t in &self.targets {
            let target = match &t.selector {
                Some(s) => Some(
                    Target::new(s)
                        .map_err(|m| terr(cx.root.file, "ValueAddTransformer", None, m))?,
                ),
                None => None,
            };
            let picked: Vec<usize> = resources
                .iter()
                .enumerate()
                .filter(|(_, r)| target.as_ref().is_none_or(|t| t.matches(r)))
                .map(|(i, _)| i)
                .collect();
            if t.field_path == "metadata/namespace" {
                let ns = NamespaceTransformer {
                    namespace: self.value.clone(),
                    ..Default::default()
                };
                let mut sub: ResMap = picked
                    .iter()
                    .filter_map(|&i| resources.at(i).cloned())
                    .collect();
                ns.transform(&mut sub, cx)?;
                for (k, r) in picked.iter().zip(sub.into_vec()) {
                    resources.replace_at(*k, r);
                }
                continue;
            }
            let path = split_path(&t.field_path);
            for i in picked {
                let Some(r) = resources.at_mut(i) else {
                    continue;
                };
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                let Some(slot) = r.node.ensure_path(&keys) else {
                    return Err(terr(
                        cx.root.file,
                        "ValueAddTransformer",
                        Some(r),
                        format!("cannot reach {}", t.field_path),
                    ));
                };
                let old = match slot {
                    Node::Scalar(s) => s.value.clone(),
                    Node::Map(m) if m.is_empty() => String::new(),
                    other => {
                        let kind = other.kind_name();
                        return Err(terr(
                            cx.root.file,
                            "ValueAddTransformer",
                            None,
                            format!("wrong node kind: expected ScalarNode but got {kind}"),
                        ));
                    }
                };
                let new = if t.file_path_position > 0 {
                    insert_path_part(
                        &old,
                        usize::try_from(t.file_path_position - 1).unwrap_or(0),
                        &self.value,
                    )
                } else {
                    self.value.clone()
                };
                *slot = Node::str(new);
            }
        }
        resources.fresh();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::insert_path_part;

    #[test]
    fn path_parts_go_where_kustomize_puts_them() {
        assert_eq!(insert_path_part("", 0, "PEACH"), "PEACH");
        assert_eq!(insert_path_part("/", 0, "PEACH"), "/PEACH");
        assert_eq!(insert_path_part("pie", 0, "PEACH"), "PEACH/pie");
        assert_eq!(insert_path_part("/raw", 1, "PEACH"), "/raw/PEACH");
        assert_eq!(
            insert_path_part("/a/nice/warm/pie", 3, "PEACH"),
            "/a/nice/warm/PEACH/pie"
        );
    }
}

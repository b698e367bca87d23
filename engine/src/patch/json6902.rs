//! JSON 6902 patches (add, remove, replace, move, copy, test) through the `json-patch`
//! crate, on the JSON form of a resource, as kustomize applies them.
//!
//! The patch text is JSON when it starts with `[`, else YAML (only its first document
//! counts, as with kustomize's YAML-to-JSON step). Failures read like kustomize's
//! (evanphx/json-patch) messages.

use json_patch::{Patch, PatchErrorKind, PatchOperation};

use crate::yaml::json::{from_json_go, to_json};
use crate::yaml::{AliasBudget, Node};

/// Decodes a patch. `Err` says why the text is not a JSON 6902 patch.
pub fn decode(text: &str) -> Result<Patch, String> {
    decode_in(text, &AliasBudget::default())
}

/// [`decode`] for a patch of a build: what its YAML aliases expand to also counts against
/// the build's `budget`.
pub fn decode_in(text: &str, budget: &AliasBudget) -> Result<Patch, String> {
    if text.is_empty() {
        return Err("empty json patch operations".into());
    }
    let value: serde_json::Value = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|e| e.to_string())?
    } else {
        crate::yaml::yaml11::to_json_in(text, budget)?
    };
    if !value.is_array() {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
            json_kind(&value)
        ));
    }
    serde_json::from_value::<Patch>(value).map_err(|e| e.to_string())
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn op_name(op: &PatchOperation) -> &'static str {
    match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

/// Applies a patch to a resource node and returns the patched node.
pub fn apply(node: &Node, patch: &Patch) -> Result<Node, String> {
    let mut doc = to_json(node).map_err(|e| e.to_string())?;
    for (i, op) in patch.iter().enumerate() {
        apply_one(&mut doc, op).map_err(|(path, kind)| message(patch, i, &path, kind))?;
    }
    Ok(from_json_go(&doc))
}

/// Applies one operation. As in evanphx/json-patch v4 (which kustomize uses), `replace`
/// of a missing key in an existing object adds it.
fn apply_one(
    doc: &mut serde_json::Value,
    op: &PatchOperation,
) -> Result<(), (String, PatchErrorKind)> {
    if let PatchOperation::Add(a) = op
        && a.path.is_root()
    {
        // evanphx v4 cannot add at the document root.
        return Err((a.path.to_string(), PatchErrorKind::InvalidPointer));
    }
    let failed = |e: json_patch::PatchError| (e.path.to_string(), e.kind);
    match json_patch::patch(doc, std::slice::from_ref(op)) {
        // evanphx v4 copies a missing key of an existing object as null.
        Err(e) if matches!(e.kind, PatchErrorKind::InvalidFromPointer) => match op {
            PatchOperation::Copy(c)
                if c.from
                    .parent()
                    .and_then(|p| p.resolve(doc).ok())
                    .is_some_and(serde_json::Value::is_object) =>
            {
                let add = PatchOperation::Add(json_patch::AddOperation {
                    path: c.path.clone(),
                    value: serde_json::Value::Null,
                });
                json_patch::patch(doc, std::slice::from_ref(&add)).map_err(failed)
            }
            _ => Err(failed(e)),
        },
        Err(e) if matches!(e.kind, PatchErrorKind::InvalidPointer) => {
            if let PatchOperation::Replace(r) = op {
                let parent_is_object = r
                    .path
                    .parent()
                    .and_then(|p| p.resolve(doc).ok())
                    .is_some_and(serde_json::Value::is_object);
                if parent_is_object {
                    let add = PatchOperation::Add(json_patch::AddOperation {
                        path: r.path.clone(),
                        value: r.value.clone(),
                    });
                    return json_patch::patch(doc, std::slice::from_ref(&add)).map_err(failed);
                }
            }
            Err(failed(e))
        }
        other => other.map_err(failed),
    }
}

fn message(patch: &Patch, index: usize, path: &str, kind: PatchErrorKind) -> String {
    {
        let op = patch.get(index).map(op_name).unwrap_or("patch");
        match kind {
            PatchErrorKind::TestFailed => format!("testing value {path} failed: test failed"),
            PatchErrorKind::InvalidFromPointer => {
                format!("{op} operation does not apply: doc is missing from path: {path}")
            }
            PatchErrorKind::InvalidPointer if op == "add" => {
                format!(
                    "{op} operation does not apply: doc is missing path: \"{path}\": missing value"
                )
            }
            PatchErrorKind::InvalidPointer => {
                format!("{op} operation does not apply: doc is missing path: {path}: missing value")
            }
            other => format!("{op} operation does not apply at {path}: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{emit, parse_one};

    #[test]
    fn yaml_and_json_patches_apply() {
        let n = parse_one("kind: A\nspec:\n  replicas: 1\n  list: [a, b]\n").unwrap_or_default();
        let p = decode("- op: replace\n  path: /spec/replicas\n  value: 3\n- op: add\n  path: /spec/list/-\n  value: c\n")
            .unwrap_or_else(|_| Patch(Vec::new()));
        assert_eq!(p.len(), 2);
        let out = apply(&n, &p).map(|n| emit(&n).unwrap_or_default());
        assert_eq!(
            out.as_deref(),
            Ok("kind: A\nspec:\n  list:\n  - a\n  - b\n  - c\n  replicas: 3\n")
        );
        let j = decode(r#"[{"op": "test", "path": "/kind", "value": "B"}]"#)
            .unwrap_or_else(|_| Patch(Vec::new()));
        assert!(apply(&n, &j).is_err_and(|e| e.contains("test failed")));
        let m =
            decode(r#"[{"op": "remove", "path": "/nope"}]"#).unwrap_or_else(|_| Patch(Vec::new()));
        assert!(apply(&n, &m).is_err_and(|e| e.contains("/nope")));
    }

    #[test]
    fn a_map_is_not_a_json_patch() {
        assert!(decode("apiVersion: v1\nkind: A\n").is_err());
        assert!(decode("").is_err());
    }
}

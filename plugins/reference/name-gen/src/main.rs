//! name-gen: deterministic names for resources that only have `metadata.generateName`.
//!
//! A resource with `generateName` and no `name` gets `name = generateName + N hex digits
//! of sha256(canonical content)` (N = 8 by default), so the same input always gives the
//! same name, unlike the API server's random suffix. Options in the function config:
//! `kinds: [..]` (default: every kind), `hexDigits: N` (1..=64). References to a renamed
//! resource, a `name:` under a `*Ref` field (Tekton's `pipelineRef`, `taskRef`, or a
//! `configMapRef`) whose value is its `generateName`, and whose sibling `kind:` (if any)
//! matches, are updated to the new name. Within the renamed resource itself, a label
//! whose value is its `generateName` (kfctl's `app.kubernetes.io/instance`) becomes the
//! new name too, so the object keeps naming itself.

use sha2::{Digest, Sha256};
use strata_plugin_sdk::{Map, ResourceList, Value, canonical_json, str_at};

fn main() {
    strata_plugin_sdk::main(generate_names);
}

/// One rename: kind, generateName, new name.
struct Renamed {
    kind: String,
    generate_name: String,
    name: String,
}

/// The plugin's logic.
fn generate_names(list: &mut ResourceList) -> Result<(), String> {
    let digits = match list.config(&["hexDigits"]) {
        None | Some(Value::Null) => 8,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=64) => n as usize,
            _ => {
                return Err(format!(
                    "functionConfig.hexDigits must be a number from 1 to 64, found {v}"
                ));
            }
        },
    };
    let kinds: Option<Vec<String>> = match list.config(&["kinds"]) {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .map(|k| k.as_str().unwrap_or("").to_string())
                .collect(),
        ),
        Some(v) => {
            return Err(format!(
                "functionConfig.kinds must be a list of kinds, found {v}"
            ));
        }
    };
    let mut renamed: Vec<Renamed> = Vec::new();
    for item in list.items.iter_mut() {
        // An item whose text has no `generateName` key is passed on unparsed.
        if !item.may_contain_key("generateName") {
            continue;
        }
        let kind = str_at(item, &["kind"]).to_string();
        if kinds.as_ref().is_some_and(|ks| !ks.contains(&kind)) {
            continue;
        }
        let generate_name = str_at(item, &["metadata", "generateName"]).to_string();
        if generate_name.is_empty() || !str_at(item, &["metadata", "name"]).is_empty() {
            continue;
        }
        let digest: String = Sha256::digest(canonical_json(item).as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("{generate_name}{}", &digest[..digits]);
        if let Some(Value::Object(meta)) = item.get_mut("metadata") {
            meta.shift_remove("generateName");
            meta.insert("name".into(), Value::String(name.clone()));
            if let Some(Value::Object(labels)) = meta.get_mut("labels") {
                for v in labels.values_mut() {
                    if v.as_str() == Some(generate_name.as_str()) {
                        *v = Value::String(name.clone());
                    }
                }
            }
        }
        renamed.push(Renamed {
            kind,
            generate_name,
            name,
        });
    }
    if renamed.is_empty() {
        return Ok(());
    }
    for item in list.items.iter_mut() {
        let maybe = renamed.iter().any(|r| item.may_contain(&r.generate_name));
        if maybe && refers(item, &renamed, false) {
            update_refs(item, &renamed, false);
        }
    }
    Ok(())
}

/// The renamed resource a `*Ref` mapping names by its generateName, if any.
fn target<'a>(m: &Map<String, Value>, renamed: &'a [Renamed]) -> Option<&'a Renamed> {
    let name = m.get("name").and_then(Value::as_str)?;
    let kind = m.get("kind").and_then(Value::as_str);
    renamed
        .iter()
        .find(|r| r.generate_name == name && kind.is_none_or(|k| k == r.kind))
}

fn is_ref_key(k: &str) -> bool {
    k.ends_with("Ref") || k.ends_with("Refs") || k == "ref"
}

/// True when [`update_refs`] would change something under `v` (read only, so an item
/// with nothing to rewrite is passed on as it came).
fn refers(v: &Value, renamed: &[Renamed], in_ref: bool) -> bool {
    match v {
        Value::Object(m) => {
            (in_ref && target(m, renamed).is_some())
                || m.iter().any(|(k, x)| refers(x, renamed, is_ref_key(k)))
        }
        Value::Array(a) => a.iter().any(|x| refers(x, renamed, in_ref)),
        _ => false,
    }
}

/// Rewrites `name:` fields under `*Ref` keys that name a renamed resource by its
/// generateName.
fn update_refs(v: &mut Value, renamed: &[Renamed], in_ref: bool) {
    match v {
        Value::Object(m) => {
            if in_ref && let Some(r) = target(m, renamed) {
                m.insert("name".into(), Value::String(r.name.clone()));
            }
            for (k, x) in m.iter_mut() {
                update_refs(x, renamed, is_ref_key(k));
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                update_refs(x, renamed, in_ref);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_plugin_sdk::{json, process};

    fn run(items: Value, config: Value) -> Result<Value, String> {
        let input = json!({"items": items, "functionConfig": config}).to_string();
        let out = process(input.as_bytes(), generate_names)?;
        Ok(String::from_utf8_lossy(&out).parse::<Value>().unwrap())
    }

    #[test]
    fn names_are_deterministic_and_references_follow() {
        let items = json!([
            {"apiVersion": "tekton.dev/v1beta1", "kind": "Pipeline", "metadata": {"generateName": "ci-"}},
            {"apiVersion": "tekton.dev/v1beta1", "kind": "PipelineRun", "metadata": {"generateName": "run-"},
             "spec": {"pipelineRef": {"name": "ci-"}, "other": {"name": "ci-"}}},
            {"kind": "ConfigMap", "metadata": {"name": "fixed", "generateName": "x-"}}
        ]);
        let a = run(items.clone(), json!({})).unwrap();
        let b = run(items, json!({})).unwrap();
        assert_eq!(a, b);
        let name = a["items"][0]["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("ci-") && name.len() == 11, "{name}");
        assert!(a["items"][0]["metadata"].get("generateName").is_none());
        assert_eq!(a["items"][1]["spec"]["pipelineRef"]["name"], name);
        assert_eq!(a["items"][1]["spec"]["other"]["name"], "ci-");
        assert_eq!(a["items"][2]["metadata"]["name"], "fixed");
    }

    #[test]
    fn a_label_holding_the_generate_name_follows_the_new_name() {
        let items = json!([{"kind": "PipelineRun", "metadata": {"generateName": "run-",
            "labels": {"app.kubernetes.io/instance": "run-", "other": "keep"}}}]);
        let out = run(items, json!({})).unwrap_or_default();
        let meta = &out["items"][0]["metadata"];
        assert_eq!(meta["labels"]["app.kubernetes.io/instance"], meta["name"]);
        assert_eq!(meta["labels"]["other"], "keep");
    }

    #[test]
    fn content_decides_the_suffix_and_options_apply() {
        let one = json!([{"kind": "Pod", "metadata": {"generateName": "p-"}, "spec": {"a": 1}}]);
        let two = json!([{"kind": "Pod", "metadata": {"generateName": "p-"}, "spec": {"a": 2}}]);
        let a = run(one.clone(), json!({"hexDigits": 12})).unwrap();
        let b = run(two, json!({"hexDigits": 12})).unwrap();
        assert_ne!(
            a["items"][0]["metadata"]["name"],
            b["items"][0]["metadata"]["name"]
        );
        assert_eq!(
            a["items"][0]["metadata"]["name"].as_str().unwrap().len(),
            14
        );
        let c = run(one, json!({"kinds": ["Job"]})).unwrap();
        assert_eq!(c["items"][0]["metadata"]["generateName"], "p-");
        assert!(run(json!([]), json!({"hexDigits": 0})).is_err());
    }
}

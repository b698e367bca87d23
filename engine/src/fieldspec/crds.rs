//! `crds:` — field specs read from OpenAPI definitions of custom types (kustomize's
//! `LoadConfigFromCRDs`).
//!
//! The file maps type names (`github.com/x/apis/v1.Bee`) to `{Schema: {properties}}`.
//! For every type that looks like a Kubernetes object (has `kind`, `apiVersion`,
//! `metadata`), its properties are walked, following `$ref`s: `x-kubernetes-annotation`
//! adds an annotations spec, `x-kubernetes-label-selector` a labels spec,
//! `x-kubernetes-identity` a name-prefix spec, and `x-kubernetes-object-ref-kind` (with
//! `-api-version`, `-name-key`) a name back-reference. The kind is the last dotted part
//! of the type name.

use std::sync::Arc;

use serde_yaml_ng::{Mapping, Value};

use super::{FieldSpec, NameBackRef, TransformerConfig};
use crate::resource::Gvk;

/// Parses one `crds:` file into the field specs it adds. `Err` is the message.
pub fn parse(text: &str) -> Result<TransformerConfig, String> {
    crate::yaml::check_depth(text).map_err(|e| format!("invalid YAML at {e}"))?;
    let v: Value = serde_yaml_ng::from_str(text)
        .map_err(|e| format!("unable to parse open API definition: {e}"))?;
    let Value::Mapping(defs) = v else {
        return Err("unable to parse open API definition: expected a mapping of type names".into());
    };
    let mut tc = TransformerConfig::default();
    for (name, _) in &defs {
        let Some(name) = name.as_str() else { continue };
        let props = properties(&defs, name);
        let looks = props.is_some_and(|p| {
            ["kind", "apiVersion", "metadata"]
                .iter()
                .all(|k| p.contains_key(*k))
        });
        if !looks {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        let gvk = Gvk {
            kind: kind.to_string(),
            ..Default::default()
        };
        let mut seen = Vec::new();
        walk(&mut tc, &gvk, &defs, name, &mut Vec::new(), &mut seen);
    }
    Ok(tc)
}

fn properties<'a>(defs: &'a Mapping, name: &str) -> Option<&'a Mapping> {
    defs.get(name)?
        .get("Schema")?
        .get("properties")?
        .as_mapping()
}

fn has_string(prop: &Value, key: &str) -> Option<String> {
    prop.get(key).and_then(Value::as_str).map(str::to_string)
}

fn spec(gvk: &Gvk, path: &[String]) -> FieldSpec {
    FieldSpec {
        gvk: gvk.clone(),
        path: path.to_vec(),
        create: false,
    }
}

fn walk(
    tc: &mut TransformerConfig,
    gvk: &Gvk,
    defs: &Mapping,
    type_name: &str,
    path: &mut Vec<String>,
    seen: &mut Vec<String>,
) {
    // A type that refers to itself would recurse forever; kustomize's inputs never do, and
    // visiting each type once per path is enough.
    if seen.iter().any(|s| s == type_name) {
        return;
    }
    let Some(props) = properties(defs, type_name) else {
        return;
    };
    seen.push(type_name.to_string());
    for (prop_name, prop) in props {
        let Some(prop_name) = prop_name.as_str() else {
            continue;
        };
        path.push(prop_name.to_string());
        if has_string(prop, "x-kubernetes-annotation").is_some() {
            super::add_specs(
                Arc::make_mut(&mut tc.common_annotations),
                &[spec(gvk, path)],
            );
        }
        if has_string(prop, "x-kubernetes-label-selector").is_some() {
            super::add_specs(Arc::make_mut(&mut tc.common_labels), &[spec(gvk, path)]);
        }
        if has_string(prop, "x-kubernetes-identity").is_some() {
            super::add_specs(Arc::make_mut(&mut tc.name_prefix), &[spec(gvk, path)]);
        }
        if let (Some(version), Some(kind)) = (
            has_string(prop, "x-kubernetes-object-ref-api-version"),
            has_string(prop, "x-kubernetes-object-ref-kind"),
        ) {
            let key = has_string(prop, "x-kubernetes-object-ref-name-key")
                .unwrap_or_else(|| "name".into());
            let mut p = path.clone();
            p.push(key);
            let other = TransformerConfig {
                name_reference: Arc::new(vec![NameBackRef {
                    gvk: Gvk {
                        group: String::new(),
                        version,
                        kind,
                    },
                    referrers: vec![spec(gvk, &p)],
                }]),
                ..Default::default()
            };
            tc.merge(&other);
        }
        if let Some(r) = has_string(prop, "$ref") {
            walk(tc, gvk, defs, &r, path, seen);
        }
        path.pop();
    }
    seen.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_refs_and_annotations_become_field_specs() {
        let text = r#"{
  "example.com/v1.MyKind": {"Schema": {"properties": {
    "apiVersion": {}, "kind": {}, "metadata": {},
    "spec": {"$ref": "example.com/v1.MySpec"}}}},
  "example.com/v1.MySpec": {"Schema": {"properties": {
    "secretRef": {"x-kubernetes-object-ref-api-version": "v1", "x-kubernetes-object-ref-kind": "Secret"},
    "tags": {"x-kubernetes-annotation": ""}}}}
}"#;
        let tc = parse(text).unwrap_or_default();
        let secret = tc.name_reference.iter().find(|n| n.gvk.kind == "Secret");
        assert_eq!(
            secret.map(|n| n.referrers[0].path.clone()),
            Some(vec![
                "spec".to_string(),
                "secretRef".to_string(),
                "name".to_string()
            ])
        );
        assert_eq!(
            secret.map(|n| n.referrers[0].gvk.kind.clone()),
            Some("MyKind".to_string())
        );
        assert_eq!(tc.common_annotations.len(), 1);
    }
}

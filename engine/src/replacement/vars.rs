//! Legacy `vars:`: `$(NAME)` references replaced by a field of another resource, once,
//! at the end of the top-level build (kustomize's `ResAccumulator.ResolveVars`).
//!
//! Each var names one resource (by group/version/kind and name, current or previous) and
//! a field (`metadata.name` by default; `spec.ports[0].port` style indices allowed).
//! References are expanded only in the `varReference` field specs; a reference that is a
//! field's whole value takes the var's type (`$(PORT)` becomes the integer), others are
//! spliced into the text. `$$` escapes a `$`. Unknown names are left as written.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::fieldspec::{Create, TransformerConfig, apply};
use crate::kustomization::Var;
use crate::resource::{Gvk, ResMap};
use crate::yaml::{Node, Scalar, Tag};

use super::path::lookup;

/// A var's value with its type.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Anything else (maps, nulls): references stay unreplaced, as in kustomize.
    Other,
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => crate::yaml::resolve::go_g(*f),
            Value::Bool(b) => b.to_string(),
            Value::Other => String::new(),
        }
    }
}

fn var_gvk(v: &Var) -> Gvk {
    if !v.objref.api_version.is_empty() {
        Gvk::from_api_version(&v.objref.api_version, &v.objref.kind)
    } else {
        Gvk {
            group: v.objref.group.clone(),
            version: v.objref.version.clone(),
            kind: v.objref.kind.clone(),
        }
    }
}

fn describe(v: &Var) -> String {
    let fp = v
        .fieldref
        .as_ref()
        .map(|f| f.field_path.as_str())
        .unwrap_or("");
    format!("{}: {}/{} {}", v.name, v.objref.kind, v.objref.name, fp)
}

/// kyaml's `GetFieldValue` path: dots, with `name[0]` indices.
fn field_parts(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(rest[..open].to_string());
            }
            let Some(close) = rest[open..].find(']') else {
                break;
            };
            out.push(rest[open + 1..open + close].to_string());
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

fn value_of(n: &Node) -> Value {
    match n {
        Node::Scalar(s) => match s.tag {
            Tag::Str | Tag::Timestamp => Value::Str(s.value.clone()),
            Tag::Int => s
                .value
                .parse()
                .map(Value::Int)
                .unwrap_or(Value::Str(s.value.clone())),
            Tag::Float => s
                .value
                .parse()
                .map(Value::Float)
                .unwrap_or(Value::Str(s.value.clone())),
            Tag::Bool => Value::Bool(matches!(s.value.as_str(), "true" | "True" | "TRUE")),
            Tag::Null => Value::Other,
        },
        _ => Value::Other,
    }
}

/// Binds a kustomization's vars to the resources accumulated so far (kustomize's
/// `MergeVars`): a var naming exactly one resource is pinned to that resource's current
/// name, so that later prefixes or a sibling base with the same original name cannot
/// make it ambiguous. More than one match is an error.
pub fn declare(vars: &[Var], resources: &ResMap, file: &Path) -> Result<Vec<Var>> {
    let mut out = Vec::with_capacity(vars.len());
    for v in vars {
        let gvk = var_gvk(v);
        let ns = &v.objref.namespace;
        let matched: Vec<&crate::resource::Resource> = resources
            .iter()
            .filter(|r| {
                r.all_ids().iter().any(|id| {
                    id.gvk == gvk
                        && id.name == v.objref.name
                        && (ns.is_empty() || id.effective_namespace() == ns)
                })
            })
            .collect();
        let mut bound = v.clone();
        match matched.as_slice() {
            [r] => {
                bound.objref.name = r.name().to_string();
                bound.objref.namespace = r.namespace().to_string();
            }
            [] => {}
            many => {
                return Err(Error::transform(
                    file,
                    "vars",
                    format!(
                        "found {} resId matches for var {} (unable to disambiguate)",
                        many.len(),
                        describe(v)
                    ),
                ));
            }
        }
        out.push(bound);
    }
    Ok(out)
}

/// Resolves every var against the resources and substitutes references.
pub fn resolve(
    resources: &mut ResMap,
    vars: &[Var],
    config: &TransformerConfig,
    file: &Path,
) -> Result<()> {
    if vars.is_empty() {
        return Ok(());
    }
    let err = |m: String| Error::transform(file, "vars", m);
    let mut values: Vec<(String, Value)> = Vec::new();
    // Resources by every name they have or had, in order: a var looks at the few that
    // carry its name instead of every resource.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        let names = r.previous.iter().map(|id| id.name.as_str());
        for name in names.chain([r.name()]) {
            let at = by_name.entry(name).or_default();
            if at.last() != Some(&i) {
                at.push(i);
            }
        }
    }
    for v in vars {
        if values.iter().any(|(n, _)| *n == v.name) {
            return Err(err(format!("var '{}' already encountered", v.name)));
        }
        let gvk = var_gvk(v);
        // The var was pinned to one resource's id when declared (see `declare`); the
        // first resource that has or had that id provides the value.
        let ns = &v.objref.namespace;
        let candidates = by_name.get(v.objref.name.as_str()).map_or(&[][..], |c| c);
        let res = candidates
            .iter()
            .filter_map(|&i| resources.at(i))
            .find(|r| {
                r.all_ids().iter().any(|id| {
                    id.gvk == gvk
                        && id.name == v.objref.name
                        && (ns.is_empty() || id.effective_namespace() == ns)
                })
            });
        let Some(res) = res else {
            return Err(err(format!(
                "var '{}' cannot be mapped to a field in the set of known resources",
                describe(v)
            )));
        };
        let fp = v
            .fieldref
            .as_ref()
            .map(|f| f.field_path.as_str())
            .filter(|p| !p.is_empty())
            .unwrap_or("metadata.name");
        let node = lookup(&res.node, &field_parts(fp)).ok_or_else(|| {
            err(format!(
                "field specified in var '{}' not found in corresponding resource",
                describe(v)
            ))
        })?;
        values.push((v.name.clone(), value_of(node)));
    }
    let specs = config.var_reference.clone();
    for r in resources.iter_mut() {
        let gvk = r.id().gvk;
        let id = r.id();
        for spec in specs.iter().filter(|s| s.selects(&gvk)) {
            apply(&mut r.node, spec, Create::No, &mut |n| {
                substitute(n, &values)
            })
            .map_err(|m| Error::Transform {
                path: file.to_path_buf(),
                what: "vars".into(),
                resource: Some(id.clone()),
                msg: m,
            })?;
        }
    }
    resources.fresh();
    Ok(())
}

fn is_string(n: &Node) -> bool {
    matches!(n, Node::Scalar(Scalar { tag: Tag::Str, .. }))
}

fn substitute(n: &mut Node, values: &[(String, Value)]) -> std::result::Result<(), String> {
    match n {
        Node::Scalar(_) if is_string(n) => {
            let text = n.as_str().unwrap_or("").to_string();
            *n = set(expand(&text, values));
        }
        Node::Scalar(_) => {}
        Node::Map(m) => {
            for v in m.values_mut() {
                if is_string(v) {
                    let text = v.as_str().unwrap_or("").to_string();
                    *v = set(expand(&text, values));
                }
            }
        }
        Node::Seq(items) => {
            for it in items.iter_mut() {
                if !is_string(it) {
                    return Err("invalid value type expect a string".into());
                }
                let text = it.as_str().unwrap_or("").to_string();
                *it = set(expand(&text, values));
            }
        }
    }
    Ok(())
}

fn set(v: Value) -> Node {
    match v {
        Value::Int(i) => Node::Scalar(Scalar::new(Tag::Int, i.to_string())),
        Value::Bool(b) => Node::bool(b),
        Value::Float(f) => Node::Scalar(Scalar::new(Tag::Float, crate::yaml::resolve::go_g(f))),
        Value::Str(s) => Node::str(s),
        Value::Other => Node::str(""),
    }
}

/// kustomize's `expansion.Expand` with its var mapping.
fn expand(input: &str, values: &[(String, Value)]) -> Value {
    let map = |name: &str| -> Option<Value> {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| *v != Value::Other)
    };
    let bytes = input.as_bytes();
    let mut buf = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            buf.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let (read, is_var, advance) = read_name(rest);
            if is_var {
                let mapped = map(&read);
                if input == format!("$({read})") {
                    return mapped.unwrap_or_else(|| Value::Str(input.to_string()));
                }
                match mapped {
                    Some(v) => buf.push_str(&v.text()),
                    None => buf.push_str(&format!("$({read})")),
                }
            } else {
                buf.push_str(&read);
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    buf.push_str(input.get(checkpoint..).unwrap_or(""));
    Value::Str(buf)
}

fn read_name(input: &str) -> (String, bool, usize) {
    let b = input.as_bytes();
    match b.first() {
        Some(b'$') => ("$".into(), false, 1),
        Some(b'(') => match input[1..].find(')') {
            Some(i) => (input[1..1 + i].to_string(), true, i + 2),
            None => ("$(".into(), false, 1),
        },
        _ => {
            let c = input.chars().next().map(String::from).unwrap_or_default();
            let len = c.len();
            (format!("${c}"), false, len)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_follows_kustomize() {
        let vals = vec![
            ("A".to_string(), Value::Str("x".into())),
            ("P".to_string(), Value::Int(80)),
        ];
        assert_eq!(expand("$(A)-$(P)", &vals), Value::Str("x-80".into()));
        assert_eq!(expand("$(P)", &vals), Value::Int(80));
        assert_eq!(expand("$$(A) $(B)", &vals), Value::Str("$(A) $(B)".into()));
        assert_eq!(expand("cost $5", &vals), Value::Str("cost $5".into()));
    }

    #[test]
    fn field_paths_with_indices() {
        assert_eq!(
            field_parts("spec.rules[0].host"),
            vec!["spec", "rules", "0", "host"]
        );
    }
}

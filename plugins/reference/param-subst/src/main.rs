//! param-subst: kfctl-style parameter substitution as a Strata plugin.
//!
//! The function config lists `parameters: [{name, value, required}]`. In every string
//! field of every item, `$(name)` becomes the value, for declared names only, so Tekton's
//! own `$(params.x)` and `$(inputs.resources.y.url)` pass through untouched. `$$(name)`
//! is an escape that leaves `$(name)` in the output. A required parameter without a
//! value is an error; a parameter no resource uses is a warning. Substitution is one
//! pass: a value is inserted as it is, never itself substituted.

use strata_plugin_sdk::{ResourceList, Value};

/// One declared parameter.
#[derive(Debug, Clone, PartialEq)]
struct Param {
    name: String,
    value: Option<String>,
    required: bool,
}

fn main() {
    strata_plugin_sdk::main(substitute);
}

/// Reads the parameters from the function config.
fn params(list: &ResourceList) -> Result<Vec<Param>, String> {
    let mut out: Vec<Param> = Vec::new();
    let Some(v) = list.config(&["parameters"]) else {
        return Ok(out);
    };
    let Some(items) = v.as_array() else {
        return Err("functionConfig.parameters must be a list of {name, value}".into());
    };
    for (i, p) in items.iter().enumerate() {
        let name = match p.get("name") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(format!(
                    "functionConfig.parameters[{i}]: name must be a non-empty string"
                ));
            }
        };
        if name.contains(')') || name.contains('(') {
            return Err(format!(
                "functionConfig.parameters[{i}]: name {name:?} may not contain parentheses"
            ));
        }
        let value = match p.get("value") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
            Some(_) => {
                return Err(format!(
                    "functionConfig.parameters[{i}] ({name}): value must be a scalar"
                ));
            }
        };
        let required = matches!(p.get("required"), Some(Value::Bool(true)));
        if out.iter().any(|q| q.name == name) {
            return Err(format!(
                "functionConfig.parameters: {name:?} is declared twice"
            ));
        }
        out.push(Param {
            name,
            value,
            required,
        });
    }
    Ok(out)
}

/// The plugin's logic.
fn substitute(list: &mut ResourceList) -> Result<(), String> {
    let params = params(list)?;
    let mut missing = false;
    for p in &params {
        if p.required && p.value.is_none() {
            list.error(format!(
                "parameter {:?} is required but has no value",
                p.name
            ));
            missing = true;
        }
    }
    if missing {
        return Ok(());
    }
    let mut used = vec![0usize; params.len()];
    for item in list.items.iter_mut() {
        // Most items hold no `$(`: they are passed on as they came, never parsed.
        if params.is_empty() || !item.may_contain("$(") {
            continue;
        }
        // Count the uses, and take the item mutably only when a string changes.
        let mut changes = false;
        strata_plugin_sdk::any_string(item, &mut |s| {
            changes |= replace(s, &params, &mut used) != s;
            false
        });
        if changes {
            let mut ignore = vec![0usize; params.len()];
            strata_plugin_sdk::walk_strings_mut(item, &mut |s| replace(s, &params, &mut ignore));
        }
    }
    for (p, n) in params.iter().zip(&used) {
        if *n == 0 {
            list.warning(format!(
                "parameter {:?} is not used by any resource",
                p.name
            ));
        }
    }
    Ok(())
}

/// Replaces `$(name)` for declared names and unescapes `$$(name)`; everything else is
/// copied unchanged.
fn replace(s: &str, params: &[Param], used: &mut [usize]) -> String {
    if !s.contains("$(") {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("$(") {
        let escaped = pos > 0 && rest.as_bytes()[pos - 1] == b'$';
        let after = &rest[pos + 2..];
        let found = after.find(')').and_then(|end| {
            let name = &after[..end];
            params.iter().position(|p| p.name == name).map(|i| (i, end))
        });
        match found {
            Some((i, end)) if escaped => {
                // `$$(name)` → `$(name)`: drop one dollar.
                out.push_str(&rest[..pos - 1]);
                out.push_str("$(");
                out.push_str(&after[..end]);
                out.push(')');
                used[i] += 1;
                rest = &after[end + 1..];
            }
            Some((i, end)) => {
                out.push_str(&rest[..pos]);
                out.push_str(params[i].value.as_deref().unwrap_or(""));
                used[i] += 1;
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..pos + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_plugin_sdk::{json, process};

    fn run(items: Value, config: Value) -> Value {
        let input = json!({"items": items, "functionConfig": config}).to_string();
        let out = process(input.as_bytes(), substitute).unwrap();
        String::from_utf8_lossy(&out).parse::<Value>().unwrap()
    }

    #[test]
    fn declared_names_only_and_escapes() {
        let items = json!([{"kind": "Task", "spec": {"a": "$(project)/x $(params.x) $$(project) $(inputs.resources.y.url) $(nope", "n": 3}}]);
        let cfg = json!({"parameters": [{"name": "project", "value": "kf"}]});
        let out = run(items, cfg);
        assert_eq!(
            out["items"][0]["spec"]["a"],
            "kf/x $(params.x) $(project) $(inputs.resources.y.url) $(nope"
        );
        assert_eq!(out["items"][0]["spec"]["n"], 3);
        assert!(out.get("results").is_none());
    }

    #[test]
    fn unused_parameter_warns_and_required_missing_fails() {
        let out = run(
            json!([{"a": "b"}]),
            json!({"parameters": [{"name": "p", "value": 1}]}),
        );
        assert_eq!(out["results"][0]["severity"], "warning");
        let out = run(
            json!([{"a": "$(p)"}]),
            json!({"parameters": [{"name": "p", "required": true}]}),
        );
        assert_eq!(out["results"][0]["severity"], "error");
        assert_eq!(out["items"][0]["a"], "$(p)");
    }

    #[test]
    fn numeric_values_become_text_and_unknown_dollar_text_is_untouched() {
        let p = vec![Param {
            name: "n".into(),
            value: Some("3".into()),
            required: false,
        }];
        let mut used = vec![0];
        assert_eq!(replace("x$(n)y$(n)", &p, &mut used), "x3y3");
        assert_eq!(used, vec![2]);
        assert_eq!(replace("$$(m) $(m)", &p, &mut used), "$$(m) $(m)");
    }

    #[test]
    fn bad_config_is_refused() {
        let input =
            json!({"items": [], "functionConfig": {"parameters": [{"value": "x"}]}}).to_string();
        assert!(process(input.as_bytes(), substitute).is_err());
        let input = json!({"items": [], "functionConfig": {"parameters": {"a": 1}}}).to_string();
        assert!(process(input.as_bytes(), substitute).is_err());
    }
}

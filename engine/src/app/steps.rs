//! The per-application plugin steps: parameters through param-subst, names through
//! name-gen.
//!
//! This is the one place composition calls plugins, so wiring the plugin module in is a
//! change to this file only. Until `crate::plugin` provides its built-in runner, the step
//! applies nothing and refuses parameters that nothing else consumed (kfctl's
//! `params.env` substitution and `namespace` are done by [`super::compose`]), so that no
//! parameter is silently dropped.

use std::path::Path;

use crate::error::{Error, Result};
use crate::resource::ResMap;

use super::compose::set_param;
use super::kfdef::NameValue;

/// A plugin a build ran, for the lock document.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PluginUse {
    /// The plugin's name (`param-subst`, `name-gen`, or a module path).
    pub name: String,
    /// The lowercase hex sha256 of the plugin's module.
    pub sha256: String,
}

/// What the steps need to know about one application.
pub struct StepInput<'a> {
    /// The application's name.
    pub app: &'a str,
    /// The KfDef's `metadata.namespace`.
    pub namespace: &'a str,
    /// The KfDef's parameters for the application, in order.
    pub parameters: &'a [NameValue],
    /// The values of the application's `params.env` files, in order.
    pub defaults: &'a [NameValue],
    /// Parameter names the application declares (in `params.env`), sorted.
    pub declared: &'a [String],
    /// The KfDef file, for messages.
    pub file: &'a Path,
}

/// Returns the parameters the steps apply: the `params.env` defaults, overridden by the
/// KfDef's values, plus `namespace` from the KfDef when not given, as kfctl filled it.
pub fn effective_parameters(input: &StepInput<'_>) -> Vec<NameValue> {
    let mut out = input.defaults.to_vec();
    for p in input.parameters {
        set_param(&mut out, &p.name, &p.value);
    }
    if !input.namespace.is_empty() && !out.iter().any(|p| p.name == "namespace") {
        set_param(&mut out, "namespace", input.namespace);
    }
    out
}

/// Runs param-subst and name-gen over one application's resources; returns the plugins
/// that ran.
pub fn run(input: &StepInput<'_>, _resources: &mut ResMap) -> Result<Vec<PluginUse>> {
    let left: Vec<&str> = input
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| *n != "namespace" && input.declared.binary_search(&n.to_string()).is_err())
        .collect();
    if let Some(first) = left.first() {
        return Err(Error::config(
            input.file,
            format!(
                "application {}: parameter {first:?} is not declared in a params.env of the application, and the param-subst plugin step is not available in this build",
                input.app
            ),
        ));
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nv(n: &str, v: &str) -> NameValue {
        NameValue {
            name: n.into(),
            value: v.into(),
        }
    }

    #[test]
    fn kfdef_values_override_params_env_and_namespace_is_filled() {
        let defaults = [nv("image", "a"), nv("tag", "1")];
        let given = [nv("tag", "2"), nv("extra", "x")];
        let input = StepInput {
            app: "a",
            namespace: "ns",
            parameters: &given,
            defaults: &defaults,
            declared: &[],
            file: Path::new("app.yaml"),
        };
        let got = effective_parameters(&input);
        assert_eq!(
            got,
            vec![
                nv("image", "a"),
                nv("tag", "2"),
                nv("extra", "x"),
                nv("namespace", "ns")
            ]
        );
    }
}

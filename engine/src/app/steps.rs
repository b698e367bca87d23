//! The per-application plugin steps: parameters through param-subst, names through
//! name-gen.
//!
//! This is the one place composition calls plugins. The parameters are the application's
//! `params.env` values overridden by the KfDef's (kfctl's convention), plus `namespace`
//! from the KfDef; param-subst replaces `$(name)` for exactly those names. name-gen runs
//! when a resource has a `generateName` and no name. Both are the plugins shipped inside
//! strata (wasm, sandboxed); their sha256 goes into the lock document.

use std::path::Path;

use crate::error::{Error, Result};
use crate::plugin::abi::Severity;
use crate::plugin::transformer::Module;
use crate::resource::ResMap;
use crate::yaml::{Map, Node};

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

/// The built-in plugin that substitutes `$(name)` parameters.
pub const PARAM_SUBST: &str = "param-subst";
/// The built-in plugin that names `generateName` resources deterministically.
pub const NAME_GEN: &str = "name-gen";

/// Runs param-subst (when there are parameters) and name-gen (when a resource has only a
/// `generateName`) over one application's resources; returns the plugins that ran.
pub fn run(input: &StepInput<'_>, resources: &mut ResMap) -> Result<Vec<PluginUse>> {
    let mut used = Vec::new();
    let params = effective_parameters(input);
    if !params.is_empty() {
        let mut list = Vec::new();
        for p in &params {
            let mut m = Map::new();
            m.insert("name".into(), Node::str(&p.name));
            m.insert("value".into(), Node::str(&p.value));
            list.push(Node::Map(m));
        }
        let config = function_config("ParamSubst", input.app, Some(Node::Seq(list)));
        used.push(run_builtin(input, PARAM_SUBST, &config, resources)?);
    }
    let unnamed = resources.iter().any(|r| {
        r.name().is_empty()
            && r.node
                .str_at(&["metadata", "generateName"])
                .is_some_and(|g| !g.is_empty())
    });
    if unnamed {
        let config = function_config("NameGen", input.app, None);
        used.push(run_builtin(input, NAME_GEN, &config, resources)?);
    }
    Ok(used)
}

fn function_config(kind: &str, app: &str, parameters: Option<Node>) -> Node {
    let mut meta = Map::new();
    meta.insert("name".into(), Node::str(app));
    let mut m = Map::new();
    m.insert("apiVersion".into(), Node::str("strata.dev/v1alpha1"));
    m.insert("kind".into(), Node::str(kind));
    m.insert("metadata".into(), Node::Map(meta));
    if let Some(p) = parameters {
        m.insert("parameters".into(), p);
    }
    Node::Map(m)
}

fn run_builtin(
    input: &StepInput<'_>,
    name: &str,
    config: &Node,
    resources: &mut ResMap,
) -> Result<PluginUse> {
    let results = crate::plugin::transformer::run_builtin(name, config, resources)?;
    for r in results {
        if r.severity == Severity::Warning {
            crate::plugin::warn(format!("application {}: {name}: {}", input.app, r.message));
        }
    }
    let module = Module::builtin(name)
        .map_err(|e| Error::plugin(input.file, &format!("builtin:{name}"), e))?;
    Ok(PluginUse {
        name: format!("builtin:{name}"),
        sha256: module.sha256,
    })
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

//! The per-application plugin steps: parameters through param-subst, names through
//! name-gen.
//!
//! This is the one place composition calls plugins. The parameters are the application's
//! `params.env` values overridden by the KfDef's (kfctl's convention), plus `namespace`
//! from the KfDef; param-subst replaces `$(name)` for exactly those names. name-gen runs
//! when a resource has a `generateName` and no name. Both are the plugins shipped inside
//! strata (wasm, sandboxed); their sha256 goes into the lock document.

use std::path::Path;

use crate::BuildOptions;
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
/// `generateName`) over one application's resources, with the build's plugin settings
/// and warnings list; returns the plugins that ran.
pub fn run(
    input: &StepInput<'_>,
    resources: &mut ResMap,
    opts: &BuildOptions,
) -> Result<Vec<PluginUse>> {
    let mut used = Vec::new();
    let params = referenced(input, effective_parameters(input), resources);
    if !params.is_empty() {
        let mut list = Vec::new();
        for p in &params {
            let mut m = Map::new();
            m.insert("name".into(), Node::str(&p.name));
            m.insert("value".into(), Node::str(&p.value));
            list.push(Node::Map(m));
        }
        let config = function_config("ParamSubst", input.app, Some(Node::Seq(list)));
        used.push(run_builtin(input, PARAM_SUBST, &config, resources, opts)?);
    }
    let unnamed = resources.iter().any(|r| {
        r.name().is_empty()
            && r.node
                .str_at(&["metadata", "generateName"])
                .is_some_and(|g| !g.is_empty())
    });
    if unnamed {
        let config = function_config("NameGen", input.app, None);
        used.push(run_builtin(input, NAME_GEN, &config, resources, opts)?);
    }
    Ok(used)
}

/// Keeps the parameters the KfDef gives (an unused one earns param-subst's warning, which
/// catches a misspelt name) and the `params.env` defaults that a resource, or a kept
/// parameter's value, refers to as `$(name)`; a default nothing uses is dropped quietly.
fn referenced(input: &StepInput<'_>, params: Vec<NameValue>, resources: &ResMap) -> Vec<NameValue> {
    let mut text: Vec<&str> = Vec::new();
    for r in resources.iter() {
        strings_with_placeholders(&r.node, &mut text);
    }
    let given = |p: &NameValue| input.parameters.iter().any(|g| g.name == p.name);
    let mut keep: Vec<bool> = params.iter().map(given).collect();
    loop {
        let mut changed = false;
        for (i, p) in params.iter().enumerate() {
            if keep[i] {
                continue;
            }
            let token = format!("$({})", p.name);
            let in_values = params
                .iter()
                .zip(&keep)
                .any(|(q, k)| *k && q.value.contains(&token));
            if in_values || text.iter().any(|t| t.contains(&token)) {
                keep[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    params
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(p, _)| p)
        .collect()
}

/// Collects the keys and scalar values under `n` that contain `$(`.
fn strings_with_placeholders<'a>(n: &'a Node, out: &mut Vec<&'a str>) {
    match n {
        Node::Scalar(s) => {
            if s.value.contains("$(") {
                out.push(&s.value);
            }
        }
        Node::Seq(items) => items
            .iter()
            .for_each(|it| strings_with_placeholders(it, out)),
        Node::Map(m) => {
            for (k, v) in m {
                if k.contains("$(") {
                    out.push(k);
                }
                strings_with_placeholders(v, out);
            }
        }
    }
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
    opts: &BuildOptions,
) -> Result<PluginUse> {
    let results = crate::plugin::transformer::run_builtin(
        name,
        config,
        resources,
        &opts.plugins,
        &opts.warnings,
    )?;
    for r in results {
        if r.severity == Severity::Warning {
            opts.warnings
                .warn(format!("application {}: {name}: {}", input.app, r.message));
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
    fn unreferenced_defaults_are_dropped_but_given_parameters_kept() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  url: $(registry)/app\n";
        let node = crate::yaml::parse_one(text).unwrap_or_default();
        let resources: ResMap = std::iter::once(crate::resource::Resource::new(node)).collect();
        let defaults = [
            nv("registry", "gcr.io/$(project)"),
            nv("project", "p"),
            nv("unused", "x"),
        ];
        let given = [nv("typo", "y")];
        let input = StepInput {
            app: "a",
            namespace: "",
            parameters: &given,
            defaults: &defaults,
            declared: &[],
            file: Path::new("app.yaml"),
        };
        let kept = referenced(&input, effective_parameters(&input), &resources);
        let names: Vec<&str> = kept.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["registry", "project", "typo"]);
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

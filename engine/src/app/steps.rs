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
    /// The KfDef's namespace (`metadata.namespace`).
    pub namespace: &'a str,
    /// The parameters, in order.
    pub parameters: &'a [NameValue],
    /// Parameter names consumed by composition (declared in `params.env`, or `namespace`).
    pub consumed: &'a [String],
    /// The KfDef file, for messages.
    pub file: &'a Path,
}

/// Runs param-subst and name-gen over one application's resources; returns the plugins
/// that ran.
pub fn run(input: &StepInput<'_>, _resources: &mut ResMap) -> Result<Vec<PluginUse>> {
    let left: Vec<&str> = input
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .filter(|n| *n != "namespace" && !input.consumed.iter().any(|c| c == n))
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

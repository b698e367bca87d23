//! A declared plugin, and running it over resources as a transformer, generator or
//! validator.
//!
//! The declaration is read from the `config.kubernetes.io/function` annotation of the
//! plugin's config (kustomize's convention, with a `wasm:` key instead of `container:`
//! or `exec:`). The module is pinned by sha256 and checked against the import
//! allow-list when it is declared, so a mismatch is refused before anything runs.
//! Each run tags the items with an internal annotation so the output items get back
//! the bookkeeping of the input items they came from (previous ids for name
//! references, generator behaviour); a renamed item remembers its old id.

use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use super::abi::{self, Output, PluginResult, Severity};
use super::sandbox::{self, Call, Limits};
use super::{CAPS, FUNCTION_ANNOTATION, HostOptions, PluginError, cache, engine, verify};
use crate::error::{Error, Result};
use crate::loader::Root;
use crate::resource::{ResMap, Resource};
use crate::transform::{Context, Generator, Transformer, Warnings};
use crate::yaml::{AliasBudget, Map, Node};

mod embedded {
    //! The reference plugins, built for wasm32-wasip1 by build.rs.
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}

/// Names of the plugins shipped inside strata.
pub fn builtin_names() -> Vec<&'static str> {
    embedded::BUILTINS.iter().map(|(n, _)| *n).collect()
}

/// Where a module came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleSource {
    /// Shipped inside strata.
    Builtin(String),
    /// A file (as written in the declaration).
    Path(String),
}

/// A verified module: bytes, digest and where they came from.
#[derive(Clone, Debug)]
pub struct Module {
    /// Where it came from.
    pub source: ModuleSource,
    /// The bytes.
    pub bytes: Arc<[u8]>,
    /// Lower-case hex sha256 of the bytes.
    pub sha256: String,
    /// Functions it imports and defines (checked against the limits before compiling).
    pub functions: u64,
}

impl Module {
    /// Verifies bytes against an optional pin, the import allow-list and the global
    /// caps on size and functions (a plugin's own limits are checked before it runs).
    pub fn new(
        source: ModuleSource,
        bytes: Arc<[u8]>,
        pin: Option<&str>,
    ) -> std::result::Result<Module, PluginError> {
        let sha256 = verify::sha256_hex(&bytes);
        if let Some(pin) = pin {
            let pin = pin
                .trim()
                .trim_start_matches("sha256:")
                .to_ascii_lowercase();
            if pin != sha256 {
                return Err(PluginError::DigestMismatch {
                    expected: pin,
                    actual: sha256,
                });
            }
        }
        let shape = verify::check(&bytes, &CAPS)?;
        Ok(Module {
            source,
            bytes,
            sha256,
            functions: shape.functions,
        })
    }

    /// A plugin shipped inside strata.
    pub fn builtin(name: &str) -> std::result::Result<Module, PluginError> {
        let Some((_, bytes)) = embedded::BUILTINS.iter().find(|(n, _)| *n == name) else {
            return Err(PluginError::Config(format!(
                "unknown builtin plugin {name:?}; strata ships: {}",
                builtin_names().join(", ")
            )));
        };
        if bytes.is_empty() {
            return Err(PluginError::Config(format!(
                "builtin plugin {name:?} was not built into this strata binary (built with STRATA_SKIP_PLUGIN_BUILD)"
            )));
        }
        // Digest and import check once per process; the bytes are part of the binary.
        static VERIFIED: std::sync::Mutex<Vec<Module>> = std::sync::Mutex::new(Vec::new());
        if let Ok(v) = VERIFIED.lock()
            && let Some(m) = v
                .iter()
                .find(|m| m.source == ModuleSource::Builtin(name.to_string()))
        {
            return Ok(m.clone());
        }
        let m = Module::new(
            ModuleSource::Builtin(name.to_string()),
            Arc::from(*bytes),
            None,
        )?;
        if let Ok(mut v) = VERIFIED.lock() {
            v.push(m.clone());
        }
        Ok(m)
    }

    /// The name used in messages: `builtin:NAME` or the path.
    pub fn display_name(&self) -> String {
        match &self.source {
            ModuleSource::Builtin(n) => format!("builtin:{n}"),
            ModuleSource::Path(p) => p.clone(),
        }
    }
}

/// A declared plugin: module, config and limits.
#[derive(Clone, Debug)]
pub struct WasmPlugin {
    /// The module.
    pub module: Module,
    /// The function config passed to the plugin (the declaring resource).
    pub function_config: Node,
    /// Its limits.
    pub limits: Limits,
    /// The file that declared it, for messages.
    pub declared_in: PathBuf,
    name: String,
    /// The build's plugin settings (cache, clock).
    host: Arc<HostOptions>,
    /// Where its warnings go.
    warnings: Warnings,
}

/// Reads the `wasm:` function annotation of a plugin config; its `limits:` start from
/// `host`'s defaults within `host`'s caps.
pub fn from_config(node: &Node, root: &Root<'_>, host: &HostOptions) -> Result<Option<WasmPlugin>> {
    let Some(text) = node.str_at(&["metadata", "annotations", FUNCTION_ANNOTATION]) else {
        return Ok(None);
    };
    let cfg_err = |m: String| {
        Error::plugin(
            root.file,
            "?",
            PluginError::Config(format!("{FUNCTION_ANNOTATION}: {m}")),
        )
    };
    let spec = crate::yaml::parse_one(text).map_err(|e| cfg_err(format!("invalid YAML: {e}")))?;
    let Some(wasm) = spec.get("wasm") else {
        return Ok(None);
    };
    let Some(w) = wasm.as_map() else {
        return Err(cfg_err(
            "wasm must be a mapping with path: or builtin:, and sha256:".into(),
        ));
    };
    for k in w.keys() {
        if !matches!(k.as_str(), "path" | "builtin" | "sha256" | "limits") {
            return Err(cfg_err(format!(
                "unknown key wasm.{k} (expected path, builtin, sha256, limits)"
            )));
        }
    }
    let text_of = |k: &str| w.get(k).and_then(Node::as_str).map(str::to_string);
    let pin = text_of("sha256");
    let module = match (text_of("path"), text_of("builtin")) {
        (Some(path), None) => {
            let name = path.clone();
            let Some(pin) = pin else {
                return Err(Error::plugin(root.file, &name, PluginError::Config(
                    "wasm.sha256 is required for a module named by path (run `strata plugin inspect` to get it)".into(),
                )));
            };
            let bytes = root.read_bytes(&path)?;
            Module::new(ModuleSource::Path(path), Arc::from(bytes), Some(&pin))
                .map_err(|e| Error::plugin(root.file, &name, e))?
        }
        (None, Some(name)) => {
            let m = Module::builtin(&name)
                .map_err(|e| Error::plugin(root.file, &format!("builtin:{name}"), e))?;
            if let Some(pin) = pin {
                Module::new(m.source.clone(), m.bytes.clone(), Some(&pin))
                    .map_err(|e| Error::plugin(root.file, &format!("builtin:{name}"), e))?
            } else {
                m
            }
        }
        _ => {
            return Err(cfg_err(
                "wasm needs exactly one of path: or builtin:".into(),
            ));
        }
    };
    let name = module.display_name();
    let limits = limits_from(w.get("limits"), host)
        .map_err(|m| Error::plugin(root.file, &name, PluginError::Config(m)))?;
    Ok(Some(WasmPlugin::new(
        module,
        node.clone(),
        limits,
        root.file.to_path_buf(),
    )))
}

/// Reads `wasm.limits`: `host`'s defaults, changed within `host`'s caps.
pub fn limits_from(n: Option<&Node>, host: &HostOptions) -> std::result::Result<Limits, String> {
    let mut l = host.defaults;
    let Some(n) = n else { return Ok(l) };
    let Some(m) = n.as_map() else {
        return Err("wasm.limits must be a mapping".into());
    };
    for (k, v) in m {
        let num = v
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| format!("wasm.limits.{k} must be a non-negative integer"))?;
        match set_limit(&mut l, &host.caps, k, num) {
            Ok(()) => {}
            Err(LimitError::Unknown) => {
                return Err(format!(
                    "unknown limit {k} (expected fuel, memoryMiB, timeoutMs, stdoutMiB, stderrKiB, moduleMiB, functions)"
                ));
            }
            Err(LimitError::OverCap { value, cap, unit }) => {
                return Err(format!(
                    "wasm.limits.{k} asks for {value}{unit}, more than the global cap of {cap}{unit}"
                ));
            }
        }
    }
    Ok(l)
}

/// Why a limit could not be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitError {
    /// No limit has that key.
    Unknown,
    /// The value (in bytes, ms or units, with `unit` naming it in messages) is above the cap.
    OverCap {
        /// What was asked for, scaled.
        value: u64,
        /// The cap.
        cap: u64,
        /// ` bytes`, ` ms` or empty.
        unit: &'static str,
    },
}

/// Sets one limit by its `wasm.limits` key (`memoryMiB` counts MiB, `stderrKiB` KiB, ...),
/// refusing a value above `caps`: the one reading of a limit, for plugin configs and flags.
pub fn set_limit(
    l: &mut Limits,
    caps: &Limits,
    key: &str,
    num: u64,
) -> std::result::Result<(), LimitError> {
    let (slot, value, cap, unit) = match key {
        "fuel" => (&mut l.fuel, num, caps.fuel, ""),
        "memoryMiB" => (
            &mut l.memory_bytes,
            num.saturating_mul(1 << 20),
            caps.memory_bytes,
            " bytes",
        ),
        "timeoutMs" => (&mut l.timeout_ms, num, caps.timeout_ms, " ms"),
        "stdoutMiB" => (
            &mut l.stdout_bytes,
            num.saturating_mul(1 << 20),
            caps.stdout_bytes,
            " bytes",
        ),
        "stderrKiB" => (
            &mut l.stderr_bytes,
            num.saturating_mul(1 << 10),
            caps.stderr_bytes,
            " bytes",
        ),
        "moduleMiB" => (
            &mut l.module_bytes,
            num.saturating_mul(1 << 20),
            caps.module_bytes,
            " bytes",
        ),
        "functions" => (&mut l.functions, num, caps.functions, ""),
        _ => return Err(LimitError::Unknown),
    };
    if value > cap {
        return Err(LimitError::OverCap { value, cap, unit });
    }
    *slot = value;
    Ok(())
}

impl WasmPlugin {
    /// Wraps a verified module with a config and limits.
    pub fn new(
        module: Module,
        function_config: Node,
        limits: Limits,
        declared_in: PathBuf,
    ) -> WasmPlugin {
        let name = module.display_name();
        WasmPlugin {
            module,
            function_config,
            limits,
            declared_in,
            name,
            host: Arc::default(),
            warnings: Warnings::default(),
        }
    }

    /// Runs with `host`'s settings (cache, clock) and records warnings in `warnings`
    /// (a new plugin has the default settings and a list of its own).
    pub fn with_host(self, host: Arc<HostOptions>, warnings: Warnings) -> WasmPlugin {
        WasmPlugin {
            host,
            warnings,
            ..self
        }
    }

    /// The warnings it has recorded (its results of severity warning or info, and the
    /// cache's), shared with whoever gave it the list.
    pub fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn err(&self, e: PluginError) -> Error {
        Error::plugin(&self.declared_in, &self.name, e)
    }

    /// Runs the plugin over `items`, returning its decoded output. Non-zero exits and
    /// results of severity error are errors.
    pub fn invoke(&self, items: &[&Node]) -> std::result::Result<Output, PluginError> {
        self.invoke_in(items, None)
    }

    /// [`WasmPlugin::invoke`] for a build: YAML output's aliases count against the
    /// build's `budget`, as its files' do.
    pub fn invoke_in(
        &self,
        items: &[&Node],
        budget: Option<&AliasBudget>,
    ) -> std::result::Result<Output, PluginError> {
        let input = abi::encode_spans(items, &self.function_config).map_err(PluginError::Config)?;
        let out = self.run_raw(input.bytes.clone())?;
        if out.exit_code != 0 {
            let results = abi::decode_in(&out.stdout, budget)
                .map(|o| o.results)
                .unwrap_or_default();
            return Err(PluginError::Exit {
                code: out.exit_code,
                results,
                stderr: sandbox::tail(&out.stderr),
            });
        }
        let output =
            abi::decode_against(&out.stdout, &input, budget).map_err(PluginError::InvalidOutput)?;
        if output.results.iter().any(|r| r.severity == Severity::Error) {
            return Err(PluginError::Failed {
                results: output.results,
            });
        }
        Ok(output)
    }

    /// Runs the module on raw stdin bytes (for `strata plugin run` and benchmarks).
    /// Compiling (when the module is not cached) and running share one deadline.
    pub fn run_raw(&self, input: Vec<u8>) -> std::result::Result<sandbox::RunOutput, PluginError> {
        let opts = &*self.host;
        verify::within_size(self.module.bytes.len() as u64, &self.limits)?;
        verify::within_functions(self.module.functions, &self.limits)?;
        let mut h = Sha256::new();
        h.update(self.module.sha256.as_bytes());
        h.update(&input);
        let seed: [u8; 32] = h.finalize().into();
        engine::start_ticker()?;
        let before = engine::ticks();
        let (pre, _) = cache::load(
            &self.module.bytes,
            &self.module.sha256,
            opts.cache_dir.as_deref(),
            self.limits.timeout_ms,
            &self.warnings,
        )?;
        let spent = engine::ticks().saturating_sub(before) * engine::TICK_MS;
        let budget = self.limits.timeout_ms.saturating_sub(spent);
        if budget == 0 {
            return Err(PluginError::CompileTimeout {
                ms: self.limits.timeout_ms,
            });
        }
        sandbox::run(
            &pre,
            Call {
                name: &self.name,
                stdin: input,
                limits: self.limits,
                epoch_seconds: opts.epoch_seconds,
                seed,
            },
            budget,
        )
    }

    /// Transforms resources in place; returns the non-error results.
    pub fn transform_map(
        &self,
        resources: &mut ResMap,
    ) -> std::result::Result<Vec<PluginResult>, PluginError> {
        self.transform_map_in(resources, None)
    }

    fn transform_map_in(
        &self,
        resources: &mut ResMap,
        budget: Option<&AliasBudget>,
    ) -> std::result::Result<Vec<PluginResult>, PluginError> {
        let nodes: Vec<&Node> = resources.iter().map(|r| &r.node).collect();
        let output = self.invoke_in(&nodes, budget)?;
        apply_output(resources, output, &self.name)
    }

    fn report(&self, results: Vec<PluginResult>) {
        report(&self.warnings, &self.declared_in, &self.name, results);
    }
}

impl Transformer for WasmPlugin {
    fn name(&self) -> &str {
        &self.name
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        let results = self
            .transform_map_in(resources, Some(cx.root.loader.alias_budget()))
            .map_err(|e| self.err(e))?;
        self.report(results);
        Ok(())
    }
}

impl Generator for WasmPlugin {
    fn name(&self) -> &str {
        &self.name
    }

    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>> {
        let output = self
            .invoke_in(&[], Some(cx.root.loader.alias_budget()))
            .map_err(|e| self.err(e))?;
        let out = output
            .items
            .into_iter()
            .map(|mut node| {
                abi::untag(&mut node);
                let mut r = Resource::new(node);
                r.source = Some(self.name.clone());
                r
            })
            .collect();
        self.report(output.results);
        Ok(out)
    }
}

/// A plugin used as a validator: it may fail the build, and must not change anything.
pub struct Validator(pub WasmPlugin);

impl Transformer for Validator {
    fn name(&self) -> &str {
        &self.0.name
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        let p = &self.0;
        let nodes: Vec<&Node> = resources.iter().map(|r| &r.node).collect();
        let mut output = p
            .invoke_in(&nodes, Some(cx.root.loader.alias_budget()))
            .map_err(|e| p.err(e))?;
        if !unchanged(&mut output, &nodes) {
            return Err(p.err(PluginError::InvalidOutput(
                "validator shouldn't modify the resource map".into(),
            )));
        }
        p.report(output.results);
        Ok(())
    }
}

/// Puts a function's output in place of `resources`: an item carrying the input tag
/// keeps the bookkeeping of the input item it came from (a renamed one remembers its
/// old id), any other item is new (`source` made it), and input items left out are gone.
pub(super) fn apply_output(
    resources: &mut ResMap,
    output: Output,
    source: &str,
) -> std::result::Result<Vec<PluginResult>, PluginError> {
    let mut old: Vec<Option<Resource>> = std::mem::take(resources)
        .into_vec()
        .into_iter()
        .map(Some)
        .collect();
    let mut next = ResMap::new();
    for (k, mut node) in output.items.into_iter().enumerate() {
        if let Some(&Some(i)) = output.same.get(k) {
            // Passed on byte for byte: the input resource, untouched.
            let r = old.get_mut(i).and_then(Option::take).ok_or_else(|| {
                PluginError::InvalidOutput(format!("input item {i} returned twice"))
            })?;
            next.append(r).map_err(|d| {
                PluginError::InvalidOutput(format!("two output items have the id {}", d.0))
            })?;
            continue;
        }
        let r = match abi::untag(&mut node)
            .and_then(|i| old.get_mut(i))
            .and_then(Option::take)
        {
            Some(mut r) => {
                let before = r.id();
                r.node = node;
                // Decoded from the plugin's output: no node is shared any more.
                r.aliases.clear();
                if r.id() != before && r.previous.last() != Some(&before) {
                    r.previous.push(before);
                }
                r
            }
            None => {
                let mut r = Resource::new(node);
                r.source = Some(source.to_string());
                r
            }
        };
        next.append(r).map_err(|d| {
            PluginError::InvalidOutput(format!("two output items have the id {}", d.0))
        })?;
    }
    *resources = next;
    Ok(output.results)
}

/// Whether a validator's output is its input (the `validated-by` label aside).
pub(super) fn unchanged(output: &mut Output, nodes: &[&Node]) -> bool {
    let mut same = output.items.len() == nodes.len();
    for (k, (out, before)) in output.items.iter_mut().zip(nodes).enumerate() {
        if let Some(&Some(i)) = output.same.get(k) {
            same &= i == k;
            continue;
        }
        abi::untag(out);
        if let Some(Node::Map(labels)) = out.get_path_mut(&["metadata", "labels"]) {
            labels.shift_remove("validated-by");
        }
        same &= strip_empty_labels(std::mem::take(out)) == strip_empty_labels((*before).clone());
    }
    same
}

/// Records a function's non-error results as warnings.
pub(super) fn report(
    warnings: &Warnings,
    declared_in: &std::path::Path,
    name: &str,
    results: Vec<PluginResult>,
) {
    for r in results {
        warnings.warn(format!("{}: plugin {name}: {r}", declared_in.display()));
    }
}

fn strip_empty_labels(mut n: Node) -> Node {
    if let Some(meta) = n.get_mut("metadata").and_then(Node::as_map_mut)
        && meta
            .get("labels")
            .and_then(Node::as_map)
            .is_some_and(Map::is_empty)
    {
        meta.shift_remove("labels");
    }
    n
}

/// Runs a plugin shipped inside strata (`param-subst`, `name-gen`) over resources, with
/// `host`'s default limits; returns its non-error results (warnings, infos), and
/// records the cache's warnings in `warnings`.
pub fn run_builtin(
    name: &str,
    function_config: &Node,
    resources: &mut ResMap,
    host: &Arc<HostOptions>,
    warnings: &Warnings,
) -> Result<Vec<PluginResult>> {
    let who = format!("builtin:{name}");
    let at = PathBuf::from("functionConfig");
    let module = Module::builtin(name).map_err(|e| Error::plugin(&at, &who, e))?;
    let p = WasmPlugin::new(module, function_config.clone(), host.defaults, at)
        .with_host(host.clone(), warnings.clone());
    p.transform_map(resources).map_err(|e| p.err(e))
}

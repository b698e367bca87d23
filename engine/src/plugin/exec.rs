//! Exec KRM functions: a `transformers:`/`generators:`/`validators:` config whose
//! `config.kubernetes.io/function` annotation has `exec: {path: ...}`, run as kustomize
//! runs them (`build --enable-alpha-plugins --enable-exec`).
//!
//! Unlike a wasm plugin, an exec function is an ordinary program with the user's
//! rights, so it runs only behind both flags, and the refusal without them points to
//! wasm plugins as the sandboxed way. As in kustomize, the program runs in the declaring
//! kustomization's directory, a relative path is resolved from there (a bare name is
//! looked up in `PATH`), the path is not load-restricted (kustomize restricts only a
//! container function's mounts), the program inherits the environment (plus `--env`
//! entries), reads a YAML `ResourceList` on stdin whose `functionConfig` is the config
//! marked `config.kubernetes.io/local-config: "true"` (a generator gets that config as
//! its only item), and prints a `ResourceList` or plain resources. Its time and output
//! are bounded by the default plugin limits; its stderr is passed on to the CLI's
//! stderr, and is part of the error when it fails.
//! Container functions and starlark scripts are refused, naming what is missing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::abi::{self, Output};
use super::transformer::{apply_output, report, unchanged};
use super::{FUNCTION_ANNOTATION, HostOptions, Limits, PluginError, sandbox};
use crate::error::{Error, Result};
use crate::fs::process::{Spawn, SpawnError, run_bounded};
use crate::loader::Root;
use crate::resource::{ResMap, Resource};
use crate::transform::{Context, Generator, Transformer, Warnings};
use crate::yaml::{AliasBudget, Map, Node};

pub use crate::loader::FunctionOptions;

/// The legacy spelling of the function annotation, which kustomize still reads.
const LEGACY_FUNCTION_ANNOTATION: &str = "config.k8s.io/function";

/// The annotation kustomize puts on a function's config so it never reaches the output.
const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";

/// A declared exec function, ready to run.
#[derive(Clone, Debug)]
pub struct ExecFunction {
    program: PathBuf,
    dir: PathBuf,
    function_config: Node,
    env: Vec<(String, String)>,
    declared_in: PathBuf,
    name: String,
    /// The build's default plugin limits (time, output), which bound the program too.
    limits: Limits,
    /// Where its warnings and its stderr go.
    warnings: Warnings,
}

/// Reads an `exec:` (or `container:`/`starlark:`) function annotation of a plugin
/// config; `Ok(None)` when the config declares no such function.
pub fn from_config(
    node: &Node,
    root: &Root<'_>,
    host: &HostOptions,
    warnings: &Warnings,
) -> Result<Option<ExecFunction>> {
    let Some(text) = node
        .str_at(&["metadata", "annotations", FUNCTION_ANNOTATION])
        .or_else(|| node.str_at(&["metadata", "annotations", LEGACY_FUNCTION_ANNOTATION]))
    else {
        return Ok(None);
    };
    let who = format!(
        "{}/{}",
        node.str_at(&["kind"]).unwrap_or(""),
        node.str_at(&["metadata", "name"]).unwrap_or("")
    );
    let refuse = |name: &str, m: String| Error::plugin(root.file, name, PluginError::Config(m));
    let spec = crate::yaml::parse_one(text)
        .map_err(|e| refuse(&who, format!("{FUNCTION_ANNOTATION}: invalid YAML: {e}")))?;
    if let Some(image) = spec.str_at(&["container", "image"]) {
        return Err(refuse(
            &format!("{who} (container {image})"),
            "container functions need a container runtime to pull and run the image, and Strata has none; \
             build the function for wasm32-wasip1 and declare it with `wasm:` instead (plugins/ABI.md)"
                .into(),
        ));
    }
    if spec.get("starlark").is_some() {
        return Err(refuse(
            &who,
            "starlark functions are not supported; declare a wasm plugin with `wasm:` instead (plugins/ABI.md)"
                .into(),
        ));
    }
    let Some(path) = spec.str_at(&["exec", "path"]).filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let name = format!("{who} (exec {path})");
    let opts = root.loader.functions();
    if !(opts.enable_alpha_plugins && opts.enable_exec) {
        return Err(refuse(
            &name,
            "an exec function runs a program with your rights, unsandboxed, so it runs only with \
             `strata build --enable-alpha-plugins --enable-exec`; a wasm plugin (`wasm:`, plugins/ABI.md) \
             runs sandboxed without them"
                .into(),
        ));
    }
    let program = resolve(root.dir, path);
    let mut function_config = node.clone();
    if let Some(Node::Map(a)) = function_config.ensure_path(&["metadata", "annotations"]) {
        a.insert(LOCAL_CONFIG.into(), Node::str("true"));
    }
    Ok(Some(ExecFunction {
        program,
        dir: root.dir.to_path_buf(),
        function_config,
        env: environment(root, &opts.env),
        declared_in: root.file.to_path_buf(),
        name,
        limits: host.defaults,
        warnings: warnings.clone(),
    }))
}

/// Where the program is: an absolute path as given, a path with a `/` from the
/// kustomization's directory, a bare name through `PATH` (as Go's `exec.Command`).
fn resolve(dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() || !path.contains('/') {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

/// The caller's environment with the `--env` entries on top.
fn environment(root: &Root<'_>, entries: &[String]) -> Vec<(String, String)> {
    let mut env: std::collections::BTreeMap<String, String> = root
        .loader
        .env()
        .vars()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for e in entries {
        if let Some((k, v)) = e.split_once('=') {
            env.insert(k.to_string(), v.to_string());
        }
    }
    env.into_iter().collect()
}

impl ExecFunction {
    fn err(&self, e: PluginError) -> Error {
        Error::plugin(&self.declared_in, &self.name, e)
    }

    /// Runs the program over `items` (tagged with their input positions when `tag`).
    fn invoke(
        &self,
        items: &[&Node],
        tag: bool,
        budget: &AliasBudget,
    ) -> std::result::Result<Output, PluginError> {
        let input = resource_list(items, &self.function_config, tag)?;
        let limits = self.limits;
        let ran = run_bounded(Spawn {
            program: &self.program,
            dir: &self.dir,
            env: self.env.clone(),
            stdin: input.into_bytes(),
            stdout_cap: limits.stdout_bytes,
            stderr_cap: limits.stderr_bytes,
            timeout: Duration::from_millis(limits.timeout_ms),
        })
        .map_err(|e| match e {
            SpawnError::Timeout { .. } => PluginError::Timeout {
                ms: limits.timeout_ms,
            },
            SpawnError::TooMuchOutput { cap } => PluginError::OutputTooLarge {
                stream: "stdout",
                cap,
            },
            e @ SpawnError::Start { .. } => PluginError::Host(e.to_string()),
        })?;
        let stderr = sandbox::tail(&ran.stderr);
        match ran.code {
            // kustomize leaves a function's stderr on its own.
            Some(0) if !stderr.is_empty() => self.warnings.note(stderr),
            Some(0) => {}
            Some(code) => {
                let results = decode(&ran.stdout, budget)
                    .map(|o| o.results)
                    .unwrap_or_default();
                return Err(PluginError::Exit {
                    code,
                    results,
                    stderr,
                });
            }
            None => {
                return Err(PluginError::Trap {
                    trap: "killed by a signal".into(),
                    stderr,
                });
            }
        }
        let output = decode(&ran.stdout, budget).map_err(PluginError::InvalidOutput)?;
        if output
            .results
            .iter()
            .any(|r| r.severity == abi::Severity::Error)
        {
            return Err(PluginError::Failed {
                results: output.results,
            });
        }
        Ok(output)
    }
}

/// The input `ResourceList` in YAML, as kustomize writes it to a function's stdin.
fn resource_list(
    items: &[&Node],
    function_config: &Node,
    tag: bool,
) -> std::result::Result<String, PluginError> {
    let mut list = Map::new();
    list.insert("apiVersion".into(), Node::str("config.kubernetes.io/v1"));
    list.insert("kind".into(), Node::str("ResourceList"));
    let tagged = items
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut n = (*n).clone();
            if tag && let Some(Node::Map(a)) = n.ensure_path(&["metadata", "annotations"]) {
                a.insert(abi::ITEM_ANNOTATION.into(), Node::str(i.to_string()));
            }
            n
        })
        .collect();
    list.insert("items".into(), Node::Seq(tagged));
    list.insert("functionConfig".into(), function_config.clone());
    crate::yaml::emit(&Node::Map(list)).map_err(|e| PluginError::Config(e.to_string()))
}

/// Reads a function's stdout: one `ResourceList`, or a stream of resources (kustomize
/// takes either); nothing at all is no resources. YAML aliases count against the build's
/// `budget`, as in its files.
fn decode(bytes: &[u8], budget: &AliasBudget) -> std::result::Result<Output, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "output is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Ok(Output::default());
    }
    abi::within_depth(text)?;
    let mut docs: Vec<Node> = crate::yaml::parse_documents_in(text, budget)
        .map_err(|e| format!("output is not valid YAML: {e}"))?
        .into_iter()
        .filter(|d| !d.is_null())
        .collect();
    if let [one] = docs.as_mut_slice()
        && one.str_at(&["kind"]) == Some("ResourceList")
    {
        // JSON gets the plugin decoder's JSON reading; YAML is read already.
        if text.trim_start().starts_with('{') {
            return abi::decode_in(bytes, Some(budget));
        }
        return abi::decode_list(std::mem::take(one));
    }
    if let Some(d) = docs.iter().find(|d| d.as_map().is_none()) {
        return Err(format!(
            "output holds a {} where a resource was expected",
            d.kind_name()
        ));
    }
    Ok(Output {
        items: docs,
        ..Output::default()
    })
}

impl Transformer for ExecFunction {
    fn name(&self) -> &str {
        &self.name
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        let nodes: Vec<&Node> = resources.iter().map(|r| &r.node).collect();
        let output = self
            .invoke(&nodes, true, cx.root.loader.alias_budget())
            .map_err(|e| self.err(e))?;
        let results = apply_output(resources, output, &self.name).map_err(|e| self.err(e))?;
        report(&self.warnings, &self.declared_in, &self.name, results);
        Ok(())
    }
}

impl Generator for ExecFunction {
    fn name(&self) -> &str {
        &self.name
    }

    fn generate(&self, cx: &Context<'_>) -> Result<Vec<Resource>> {
        // kustomize hands a generator its own config as the one input item.
        let output = self
            .invoke(
                &[&self.function_config],
                false,
                cx.root.loader.alias_budget(),
            )
            .map_err(|e| self.err(e))?;
        let out = output
            .items
            .into_iter()
            .map(|node| {
                let mut r = Resource::new(node);
                r.source = Some(self.name.clone());
                r
            })
            .collect();
        report(
            &self.warnings,
            &self.declared_in,
            &self.name,
            output.results,
        );
        Ok(out)
    }
}

/// An exec function used as a validator: it may fail the build, and must not change
/// anything.
pub struct ExecValidator(pub ExecFunction);

impl Transformer for ExecValidator {
    fn name(&self) -> &str {
        &self.0.name
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        let f = &self.0;
        let nodes: Vec<&Node> = resources.iter().map(|r| &r.node).collect();
        let mut output = f
            .invoke(&nodes, true, cx.root.loader.alias_budget())
            .map_err(|e| f.err(e))?;
        if !unchanged(&mut output, &nodes) {
            return Err(f.err(PluginError::InvalidOutput(
                "validator shouldn't modify the resource map".into(),
            )));
        }
        report(&f.warnings, &f.declared_in, &f.name, output.results);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_may_be_a_resource_list_or_plain_resources() {
        let plain = decode(b"apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n", &AliasBudget::default())
            .expect("plain");
        assert_eq!(plain.items.len(), 2);
        let list = decode(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n", &AliasBudget::default())
            .expect("list");
        assert_eq!(list.items.len(), 1);
        assert_eq!(list.items[0].str_at(&["kind"]), Some("A"));
        assert!(
            decode(b"", &AliasBudget::default())
                .expect("empty")
                .items
                .is_empty()
        );
        assert!(decode(b"- a\n", &AliasBudget::default()).is_err());
        assert!(decode(&[0xff], &AliasBudget::default()).is_err());
    }

    #[test]
    fn paths_resolve_as_go_exec_does() {
        let d = Path::new("/k");
        assert_eq!(resolve(d, "./fn.sh"), Path::new("/k/./fn.sh"));
        assert_eq!(resolve(d, "bin/fn"), Path::new("/k/bin/fn"));
        assert_eq!(resolve(d, "/usr/bin/fn"), Path::new("/usr/bin/fn"));
        assert_eq!(resolve(d, "fn"), Path::new("fn"));
    }

    #[test]
    fn the_input_is_a_yaml_resource_list_with_tagged_items() {
        let item = crate::yaml::parse_one("apiVersion: v1\nkind: A\nmetadata:\n  name: a\n")
            .expect("item");
        let cfg = crate::yaml::parse_one("kind: Fn\nmetadata:\n  name: f\n").expect("cfg");
        let text = resource_list(&[&item], &cfg, true).expect("encodes");
        assert!(
            text.contains("apiVersion: config.kubernetes.io/v1\n"),
            "{text}"
        );
        assert!(text.contains("kind: ResourceList\n"), "{text}");
        assert!(text.contains(abi::ITEM_ANNOTATION), "{text}");
        assert!(text.contains("functionConfig:\n  kind: Fn\n"), "{text}");
    }
}

//! `strata plugin run|inspect`, and the plugin settings every command shares
//! (limits, the compile cache, the fixed clock), read from flags and the environment.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};

use crate::fs::{DiskFs, Fs};
use crate::plugin::transformer::{LimitError, set_limit};
use crate::plugin::{self, HostOptions, Module, ModuleSource, WasmPlugin};
use crate::resource::{ResMap, Resource};
use crate::transform::Warnings;
use crate::yaml::Node;

/// `strata plugin ...`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub command: PluginCommand,
}

/// The plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Run a plugin as a transformer over resources read from stdin; print the result.
    Run(RunArgs),
    /// Print a module's sha256, imports and exports, and whether it fits the ABI.
    Inspect(InspectArgs),
    /// Write a plugin skeleton (Rust, Go, C or AssemblyScript) that passes its fixture.
    New(super::plugin_dev::NewArgs),
    /// Run a plugin on its fixture directories; show a diff where the output differs.
    Test(super::plugin_dev::TestArgs),
}

/// Limits and cache flags, shared by `build` and `plugin run`.
#[derive(Debug, Args, Default, Clone)]
pub struct LimitArgs {
    /// Default plugin fuel (about one unit per wasm instruction).
    #[arg(long = "plugin-fuel", value_name = "N")]
    pub fuel: Option<u64>,
    /// Default plugin memory limit, in MiB (default 256).
    #[arg(long = "plugin-memory-mib", value_name = "MIB")]
    pub memory_mib: Option<u64>,
    /// Default plugin wall-clock deadline, in milliseconds (default 30000).
    #[arg(long = "plugin-timeout-ms", value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// Default cap of a plugin's stdout, in MiB (default 256).
    #[arg(long = "plugin-stdout-mib", value_name = "MIB")]
    pub stdout_mib: Option<u64>,
    /// Where compiled plugins are cached (default: $STRATA_CACHE_DIR, else
    /// $XDG_CACHE_HOME/strata, else ~/.cache/strata; `none` disables the cache).
    #[arg(long = "plugin-cache-dir", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// `strata plugin run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The module (`FILE.wasm`, or `builtin:NAME`).
    pub module: String,
    /// The function config (a YAML file); default: an empty config.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Refuse the module unless its sha256 is this.
    #[arg(long)]
    pub sha256: Option<String>,
    /// Limits and cache.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `strata plugin inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The module (`FILE.wasm`, or `builtin:NAME`).
    pub module: String,
}

/// The plugin settings from flags and the environment (`SOURCE_DATE_EPOCH`, the cache
/// directory's variables); a flag's limit is read as its `wasm.limits` key is.
pub(super) fn host_options(a: &LimitArgs) -> Result<HostOptions> {
    let mut o = HostOptions {
        epoch_seconds: super::bundle::source_date_epoch()?,
        ..HostOptions::default()
    };
    o.cache_dir = match &a.cache_dir {
        Some(d) if d.as_os_str() == "none" => None,
        Some(d) => Some(d.clone()),
        None => default_cache_dir(),
    };
    let flags = [
        (a.fuel, "fuel", "plugin-fuel"),
        (a.memory_mib, "memoryMiB", "plugin-memory-mib"),
        (a.timeout_ms, "timeoutMs", "plugin-timeout-ms"),
        (a.stdout_mib, "stdoutMiB", "plugin-stdout-mib"),
    ];
    for (value, key, flag) in flags {
        let Some(v) = value else { continue };
        match set_limit(&mut o.defaults, &o.caps, key, v) {
            Ok(()) => {}
            Err(LimitError::OverCap { cap, .. }) => {
                bail!("--{flag} is above the global cap ({cap})")
            }
            Err(LimitError::Unknown) => bail!("--{flag}: no plugin limit is called {key}"),
        }
    }
    Ok(o)
}

#[allow(clippy::disallowed_methods, reason = "cli reads the environment")]
fn default_cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(d) = var("STRATA_CACHE_DIR") {
        return if d.as_os_str() == "none" {
            None
        } else {
            Some(d.join("plugins"))
        };
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .map(|d| d.join("strata").join("plugins"))
}

/// Prints the warnings plugins reported.
pub(super) fn print_warnings(stderr: &mut dyn Write, warnings: &Warnings) {
    for w in warnings.take() {
        let _ = writeln!(stderr, "{w}");
    }
}

fn load_module(spec: &str, pin: Option<&str>) -> Result<Module> {
    if let Some(name) = spec.strip_prefix("builtin:") {
        let m = Module::builtin(name).map_err(|e| anyhow::anyhow!("plugin {spec}: {e}"))?;
        return Module::new(m.source, m.bytes, pin)
            .map_err(|e| anyhow::anyhow!("plugin {spec}: {e}"));
    }
    let path = Path::new(spec);
    let bytes = DiskFs
        .read(path)
        .with_context(|| format!("reading {spec}"))?;
    Module::new(ModuleSource::Path(spec.to_string()), Arc::from(bytes), pin)
        .map_err(|e| anyhow::anyhow!("plugin {spec}: {e}"))
}

/// Runs `strata plugin ...`.
pub(super) fn run(
    a: &PluginArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    base: &crate::BuildOptions,
) -> Result<()> {
    match &a.command {
        PluginCommand::Inspect(i) => inspect(i, stdout),
        PluginCommand::Run(r) => run_plugin(r, stdout, stderr, base),
        PluginCommand::New(n) => super::plugin_dev::new(n, stdout),
        PluginCommand::Test(t) => super::plugin_dev::test(t, stdout, base),
    }
}

fn inspect(a: &InspectArgs, stdout: &mut dyn Write) -> Result<()> {
    let bytes: Vec<u8> = match a.module.strip_prefix("builtin:") {
        Some(_) => load_module(&a.module, None)?.bytes.to_vec(),
        None => DiskFs
            .read(Path::new(&a.module))
            .with_context(|| format!("reading {}", a.module))?,
    };
    let i = plugin::verify::inspect(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", a.module))?;
    let mut out = String::new();
    out.push_str(&format!(
        "module: {}\nsha256: {}\nsize: {}\nfunctions: {}\nmemories: {}\ntables: {}\nabi: {}\n",
        a.module,
        i.sha256,
        i.size,
        i.functions,
        i.memories,
        i.tables,
        plugin::abi::ABI_VERSION
    ));
    out.push_str(&format!(
        "fits-abi: {}\n",
        if i.problems.is_empty() { "yes" } else { "no" }
    ));
    for p in &i.problems {
        out.push_str(&format!("  problem: {p}\n"));
    }
    out.push_str("imports:\n");
    for (m, n, k) in &i.imports {
        out.push_str(&format!("  - {m}::{n} ({k})\n"));
    }
    out.push_str("exports:\n");
    for (n, k) in &i.exports {
        out.push_str(&format!("  - {n} ({k})\n"));
    }
    stdout.write_all(out.as_bytes())?;
    Ok(())
}

fn run_plugin(
    a: &RunArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    base: &crate::BuildOptions,
) -> Result<()> {
    let host = Arc::new(host_options(&a.limits)?);
    let module = load_module(&a.module, a.sha256.as_deref())?;
    let config: Node = match &a.config {
        Some(p) => {
            let bytes = DiskFs
                .read(p)
                .with_context(|| format!("reading {}", p.display()))?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", p.display()))?;
            crate::yaml::parse_one(&text)
                .map_err(|e| anyhow::anyhow!("{}: invalid YAML at {e}", p.display()))?
        }
        None => Node::map(),
    };
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading resources from stdin")?;
    let resources = crate::loader::resources_from_text(&input, Path::new("<stdin>"))?;
    let mut map: ResMap = resources.into_iter().collect();
    let p = WasmPlugin::new(module, config, host.defaults, PathBuf::from("<stdin>"))
        .with_host(host.clone(), base.warnings.clone());
    let results = p
        .transform_map(&mut map)
        .map_err(|e| anyhow::anyhow!("plugin {}: {e}", a.module))?;
    for r in results {
        let _ = writeln!(stderr, "{r}");
    }
    let list: Vec<Resource> = map.into_vec();
    stdout.write_all(crate::print(&list, &base.threads)?.as_bytes())?;
    Ok(())
}

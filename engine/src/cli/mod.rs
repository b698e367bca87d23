//! The command line: argument parsing, environment, output files and exit codes.
//!
//! The only module that prints, reads environment variables or picks an exit code.
//! Everything it does goes through the library's public API.

mod build;
mod bundle;
mod check;
mod edit;
mod kustomize;
mod plugin;
mod plugin_dev;
mod verify;
mod version;

use std::ffi::OsString;
use std::io::Write;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// `strata`: kustomize-compatible builds, sandboxed plugins, reproducible bundles.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, disable_help_subcommand = true)]
pub struct Cli {
    /// print a stack-trace on error (kustomize's global flag; accepted, errors are one paragraph)
    #[arg(long = "stack-trace", global = true)]
    pub stack_trace: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the resources a kustomization builds, as `kustomize build` does.
    Build(build::BuildArgs),
    /// Edit the kustomization file in place, keeping its comments and order.
    Edit(edit::EditArgs),
    /// Refuse Tekton Pipelines and PipelineRuns that Tekton would reject at run time.
    Check(check::CheckArgs),
    /// Run or inspect a sandboxed wasm plugin.
    Plugin(plugin::PluginArgs),
    /// Render an app config or directory and pack it as a reproducible OCI bundle.
    Bundle(bundle::BundleArgs),
    /// Check a bundle's digests, and optionally that a rebuild gives the same bundle.
    Verify(verify::VerifyArgs),
    /// Print the kustomize version Strata matches, with Strata's own as build metadata.
    Version(version::VersionArgs),
    /// Create a new kustomization in the current directory.
    #[command(visible_alias = "init")]
    Create(kustomize::CreateArgs),
    /// Copy a local kustomization tree, and every file it names, into a new directory.
    Localize(kustomize::LocalizeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completion(kustomize::CompletionArgs),
    /// Commands for the built-in OpenAPI schema.
    #[command(subcommand)]
    Openapi(kustomize::OpenapiCommand),
}

/// Runs the CLI with explicit arguments and output streams; returns the exit code.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let name = program_name(&args);
    let parsed = Cli::command()
        .name(name)
        .bin_name(name)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let text = e.render().to_string();
            if code == 0 {
                let _ = stdout.write_all(text.as_bytes());
            } else {
                let _ = stderr.write_all(text.as_bytes());
            }
            return code;
        }
    };
    // What every command of the run starts from: the list plugin warnings go to
    // (printed after the command, whether it succeeds or not) and the thread budget
    // (`STRATA_THREADS`: it changes speed only, never output; tests pin it to prove that).
    let base = crate::BuildOptions {
        threads: std::env::var("STRATA_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .map(crate::par::Threads::new)
            .unwrap_or_default(),
        ..crate::BuildOptions::default()
    };
    let result = match cli.command {
        Command::Build(a) => build::run(&a, stdout, stderr, &base),
        Command::Bundle(a) => bundle::run(&a, stdout, stderr, &base),
        Command::Verify(a) => verify::run(&a, stdout, &base),
        Command::Edit(a) => edit::run(&a, stderr),
        Command::Check(a) => check::run(&a, stdout, &base),
        Command::Plugin(a) => plugin::run(&a, stdout, stderr, &base),
        Command::Version(a) => version::run(&a, stdout, stderr),
        Command::Create(a) => kustomize::run_create(&a, stderr),
        Command::Localize(a) => kustomize::run_localize(&a, stdout),
        Command::Completion(a) => {
            kustomize::run_completion(&a, Cli::command().name(name).bin_name(name), stdout)
        }
        Command::Openapi(c) => kustomize::run_openapi(&c, stdout),
    };
    plugin::print_warnings(stderr, &base.warnings);
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(stderr, "Error: {}", render_error(&e));
            1
        }
    }
}

/// The name to answer to: `kustomize` when installed under that name (a symlink or copy
/// that Argo CD's `kustomize.path.<version>` points at), `strata` otherwise.
fn program_name(args: &[OsString]) -> &'static str {
    let invoked = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_stem())
        .and_then(|s| s.to_str());
    if invoked == Some("kustomize") {
        "kustomize"
    } else {
        "strata"
    }
}

/// Renders an error chain as one paragraph.
fn render_error(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

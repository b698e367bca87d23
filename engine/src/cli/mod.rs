//! The command line: argument parsing, environment, output files and exit codes.
//!
//! The only module that prints, reads environment variables or picks an exit code.
//! Everything it does goes through the library's public API.

mod build;
mod bundle;
mod check;
mod edit;
mod plugin;
mod verify;

use std::ffi::OsString;
use std::io::Write;

use clap::{Parser, Subcommand};

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
    /// Print the version.
    Version,
}

/// Runs the CLI with explicit arguments and output streams; returns the exit code.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let cli = match Cli::try_parse_from(args) {
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
    // The thread count changes speed only, never output; tests pin it to prove that.
    if let Some(n) = std::env::var("STRATA_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        crate::par::set_threads(n);
    }
    let result = match cli.command {
        Command::Build(a) => build::run(&a, stdout, stderr),
        Command::Bundle(a) => bundle::run(&a, stdout, stderr),
        Command::Verify(a) => verify::run(&a, stdout),
        Command::Edit(a) => edit::run(&a, stderr),
        Command::Check(a) => check::run(&a, stdout),
        Command::Plugin(a) => plugin::run(&a, stdout, stderr),
        Command::Version => {
            writeln!(stdout, "strata {}", env!("CARGO_PKG_VERSION")).map_err(Into::into)
        }
    };
    plugin::print_warnings(stderr);
    match result {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(stderr, "Error: {}", render_error(&e));
            1
        }
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

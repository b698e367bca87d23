//! The rest of kustomize's command line: `create` (alias `init`), `localize`,
//! `completion` and `openapi info`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};

use crate::edit::create::{CreateOptions, create};
use crate::fs::DiskFs;

/// Arguments of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Name of a file containing a file to add to the kustomization file (comma-separated).
    #[arg(long, default_value = "")]
    pub resources: String,
    /// Set the value of the namespace field in the kustomization file.
    #[arg(long, default_value = "")]
    pub namespace: String,
    /// Add one or more common annotations (`k:v,k2:v2`).
    #[arg(long, default_value = "")]
    pub annotations: String,
    /// Add one or more common labels (`k:v,k2:v2`).
    #[arg(long, default_value = "")]
    pub labels: String,
    /// Sets the value of the namePrefix field in the kustomization file.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub nameprefix: String,
    /// Sets the value of the nameSuffix field in the kustomization file.
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    pub namesuffix: String,
    /// Search for kubernetes resources in the current directory to be added to the
    /// kustomization file.
    #[arg(long)]
    pub autodetect: bool,
    /// Enable recursive directory searching for resource auto-detection.
    #[arg(long)]
    pub recursive: bool,
    /// The directory to create the kustomization in.
    #[arg(long, default_value = ".", hide = true)]
    pub dir: PathBuf,
}

/// Arguments of `localize`.
#[derive(Debug, Args)]
pub struct LocalizeArgs {
    /// The kustomization directory to localize.
    #[arg(default_value = ".")]
    pub target: PathBuf,
    /// The new directory to write (default: `localized-<target name>`).
    pub destination: Option<PathBuf>,
    /// The directory the references must stay within (default: the target).
    #[arg(long)]
    pub scope: Option<PathBuf>,
    /// Accepted for kustomize compatibility; the copy is always built-checked by the
    /// fact that only files the kustomizations name are copied.
    #[arg(long)]
    pub no_verify: bool,
}

/// The shells `completion` writes scripts for.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Arguments of `completion`.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    pub shell: Shell,
}

/// `openapi` subcommands.
#[derive(Debug, Subcommand)]
pub enum OpenapiCommand {
    /// Prints the `info` field of the built-in Kubernetes OpenAPI data.
    Info,
}

/// Runs `create`.
pub(super) fn run_create(a: &CreateArgs, stderr: &mut dyn Write) -> Result<()> {
    let o = CreateOptions {
        resources: a.resources.clone(),
        namespace: a.namespace.clone(),
        prefix: a.nameprefix.clone(),
        suffix: a.namesuffix.clone(),
        labels: a.labels.clone(),
        annotations: a.annotations.clone(),
        autodetect: a.autodetect,
        recursive: a.recursive,
    };
    if a.recursive && !a.autodetect {
        writeln!(stderr, "--recursive has effect only with --autodetect")?;
    }
    create(&DiskFs, &a.dir, &o)?;
    Ok(())
}

/// Runs `localize`.
pub(super) fn run_localize(a: &LocalizeArgs, stdout: &mut dyn Write) -> Result<()> {
    let dest = match &a.destination {
        Some(d) => d.clone(),
        None => {
            let abs = std::path::absolute(&a.target)?;
            let name = abs
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "root".into());
            PathBuf::from(format!("localized-{name}"))
        }
    };
    let files = crate::localize::localize(&DiskFs, &a.target, a.scope.as_deref(), &dest)?;
    writeln!(
        stdout,
        "SUCCESS: localized {:?} to directory {} ({} files)",
        a.target.display().to_string(),
        Path::new(&dest).display(),
        files.len()
    )?;
    Ok(())
}

/// Runs `completion SHELL` for the command tree `cmd`.
pub(super) fn run_completion(
    a: &CompletionArgs,
    mut cmd: clap::Command,
    stdout: &mut dyn Write,
) -> Result<()> {
    use clap_complete::Shell as S;
    let name = cmd.get_name().to_string();
    let shell = match a.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut buf: Vec<u8> = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut buf);
    if buf.is_empty() {
        bail!("no completion script for {:?}", a.shell);
    }
    stdout.write_all(&buf)?;
    Ok(())
}

/// Runs `openapi info`, printed as kustomize prints it.
pub(super) fn run_openapi(c: &OpenapiCommand, stdout: &mut dyn Write) -> Result<()> {
    match c {
        OpenapiCommand::Info => writeln!(
            stdout,
            "{{title:Kubernetes,version:{}}}",
            crate::schema::merge::BUILTIN_VERSION
        )?,
    }
    Ok(())
}

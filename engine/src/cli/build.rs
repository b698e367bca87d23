//! `strata build DIR`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::Args;

use crate::accumulate::{BuildOptions, Reorder};
use crate::fs::{self, DiskFs, Fs, Kind};
use crate::resource::Resource;
use crate::yaml;

/// Arguments of `strata build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The kustomization directory, or a KfDef app config file.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// `LoadRestrictionsRootOnly` (default) or `LoadRestrictionsNone`.
    #[arg(long = "load-restrictor", default_value = "LoadRestrictionsRootOnly")]
    pub load_restrictor: String,
    /// `legacy` (kind order) or `none` (accumulation order).
    #[arg(long)]
    pub reorder: Option<String>,
    /// Write to this file, or one file per resource into this existing directory.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Plugin limits and compile cache.
    #[command(flatten)]
    pub plugin: super::plugin::LimitArgs,
    /// Override a KfDef parameter, `[APPLICATION.]NAME=VALUE` (repeatable).
    #[arg(long = "param", value_name = "[APPLICATION.]NAME=VALUE")]
    pub param: Vec<String>,
    /// kustomize's function and helm flags.
    #[command(flatten)]
    pub kustomize: KustomizeFlags,
}

/// The rest of `kustomize build`'s flags (v5.8), with kustomize's names, defaults and
/// meaning. Container functions and helm charts are still refused when used: no
/// container runtime or helm binary is at hand (the refusal names the wasm alternative).
#[derive(Debug, Args)]
pub struct KustomizeFlags {
    /// enable kustomize plugins (exec functions also need --enable-exec; wasm plugins need neither)
    #[arg(long = "enable-alpha-plugins")]
    pub enable_alpha_plugins: bool,
    /// enable support for exec functions (raw executables); do not use for untrusted configs! (Alpha)
    #[arg(long = "enable-exec")]
    pub enable_exec: bool,
    /// enable adding app.kubernetes.io/managed-by (deprecated: use buildMetadata: [managedByLabel])
    #[arg(long = "enable-managedby-label")]
    pub enable_managedby_label: bool,
    /// Enable use of the Helm chart inflator generator.
    #[arg(long = "enable-helm")]
    pub enable_helm: bool,
    /// helm command (path to executable)
    #[arg(long = "helm-command", default_value = "helm")]
    pub helm_command: String,
    /// Kubernetes api versions used by Helm for Capabilities.APIVersions
    #[arg(long = "helm-api-versions")]
    pub helm_api_versions: Vec<String>,
    /// Kubernetes version used by Helm for Capabilities.KubeVersion
    #[arg(long = "helm-kube-version", default_value = "")]
    pub helm_kube_version: String,
    /// Enable debug output from the Helm chart inflator generator.
    #[arg(long = "helm-debug")]
    pub helm_debug: bool,
    /// use the uid and gid of the command executor to run the function in the container
    #[arg(long = "as-current-user")]
    pub as_current_user: bool,
    /// enable network access for functions that declare it
    #[arg(long)]
    pub network: bool,
    /// the docker network to run the container in
    #[arg(long = "network-name", default_value = "bridge")]
    pub network_name: String,
    /// a list of storage options read from the filesystem
    #[arg(long)]
    pub mount: Vec<String>,
    /// a list of environment variables to be used by functions
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
}

/// Parses the build flags into library options.
pub(super) fn options(a: &BuildArgs, base: &BuildOptions) -> Result<BuildOptions> {
    let load_restrictor = super::bundle::parse_load_restrictor(&a.load_restrictor)?;
    let reorder = match a.reorder.as_deref() {
        None | Some("unspecified") => Reorder::Unspecified,
        Some("legacy") => Reorder::Legacy,
        Some("none") => Reorder::None,
        Some(other) => bail!("invalid --reorder {other:?}: use legacy or none"),
    };
    let k = &a.kustomize;
    Ok(BuildOptions {
        load_restrictor,
        reorder,
        env: environment(),
        plugins: Arc::new(super::plugin::host_options(&a.plugin)?),
        schema: None,
        managed_by_label: k.enable_managedby_label,
        functions: crate::loader::FunctionOptions {
            enable_alpha_plugins: k.enable_alpha_plugins,
            enable_exec: k.enable_exec,
            env: k.env.clone(),
        },
        ..base.clone()
    })
}

/// The process environment for env files (variables that are not UTF-8 are left out).
fn environment() -> crate::loader::Env {
    crate::loader::Env::new(
        std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect(),
    )
}

/// Runs `strata build`.
pub(super) fn run(
    a: &BuildArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    base: &BuildOptions,
) -> Result<()> {
    let opts = options(a, base)?;
    if a.kustomize.enable_managedby_label {
        // cobra's notice for a deprecated flag, as kustomize prints it.
        let _ = writeln!(
            stderr,
            "Flag --enable-managedby-label has been deprecated, The flag `enable-managedby-label` has been deprecated. Use the `managedByLabel` option in the `buildMetadata` field instead."
        );
    }
    let list: Vec<Resource> = if crate::app::is_app_file(&DiskFs, &a.dir) || !a.param.is_empty() {
        crate::app::render_with_params(&DiskFs, &a.dir, &opts, &a.param)?.resources
    } else {
        crate::build(&DiskFs, &a.dir, &opts)?.into_vec()
    };
    let result = write_output(a, &list, &opts.threads, stdout, stderr);
    // The process ends right after this; freeing every node of a large build one by one
    // would cost a tenth of the run, and the OS reclaims the memory at once.
    std::mem::forget(list);
    result
}

fn write_output(
    a: &BuildArgs,
    list: &[Resource],
    threads: &crate::par::Threads,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<()> {
    match &a.output {
        Some(out) => {
            warn_leftovers(out, stderr);
            if DiskFs.kind(out) == Some(Kind::Dir) {
                write_dir(out, list)
            } else {
                let text = crate::print(list, threads)?;
                fs::write_atomic(out, text.as_bytes())
                    .with_context(|| format!("writing {}", out.display()))
            }
        }
        None => {
            // All of it is printed before any of it is written: a failure writes nothing.
            for part in crate::print_parts(list, threads)? {
                stdout.write_all(part.as_bytes())?;
            }
            Ok(())
        }
    }
}

/// Names the temporaries that runs which did not finish left where `out` is written.
/// They are named, not removed: a name that looks like Strata's is no proof it is.
pub(super) fn warn_leftovers(out: &Path, stderr: &mut dyn Write) {
    for l in fs::leftovers_around(out) {
        let _ = writeln!(
            stderr,
            "warning: {} was left by strata process {} that did not finish; remove it once you know it is not needed",
            l.path.display(),
            l.pid
        );
    }
}

/// Writes one file per resource into `dir`, named as kustomize names them; every name
/// is checked and every file printed before the first is written, and they replace
/// what is there all together or not at all.
fn write_dir(dir: &Path, list: &[Resource]) -> Result<()> {
    let names = crate::output::file_names(list)?;
    let mut texts = Vec::with_capacity(list.len());
    for r in list {
        texts
            .push(yaml::emit(&r.node).map_err(|source| crate::Error::Emit { id: r.id(), source })?);
    }
    let files: Vec<(PathBuf, &[u8])> = names
        .into_iter()
        .zip(&texts)
        .map(|(n, t)| (PathBuf::from(n), t.as_bytes()))
        .collect();
    fs::write_into_dir(dir, &files, &[]).with_context(|| format!("writing {}", dir.display()))
}

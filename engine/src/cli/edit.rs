//! `strata edit set|add ...`: kustomize's `edit` subcommands on the kustomization in the
//! current directory (or `--dir`), through the comment-preserving editor in `crate::edit`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::edit::{self, EditOp};
use crate::fs::DiskFs;

/// Arguments of `strata edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The directory holding the kustomization file.
    #[arg(long, default_value = ".", global = true)]
    pub dir: PathBuf,
    /// What to edit.
    #[command(subcommand)]
    pub what: EditCommand,
}

/// `strata edit` subcommands.
#[derive(Debug, Subcommand)]
pub enum EditCommand {
    /// Set a field of the kustomization.
    #[command(subcommand)]
    Set(SetCommand),
    /// Add entries to a list of the kustomization.
    #[command(subcommand)]
    Add(AddCommand),
}

/// `strata edit set` subcommands.
#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Set images' new names, tags or digests: name=newName:tag, name=newName@digest,
    /// name=newName, name:tag, name@digest (`*` keeps the existing part).
    Image {
        /// The images.
        #[arg(required = true)]
        images: Vec<String>,
    },
    /// Set the namespace.
    Namespace {
        /// The namespace.
        namespace: String,
    },
    /// Set the name prefix.
    Nameprefix {
        /// The prefix.
        prefix: String,
    },
    /// Set the name suffix.
    Namesuffix {
        /// The suffix.
        #[arg(allow_hyphen_values = true)]
        suffix: String,
    },
}

/// `strata edit add` subcommands.
#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Add resource files or directories.
    Resource {
        /// Paths relative to the kustomization directory.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Add components.
    Component {
        /// Paths relative to the kustomization directory.
        #[arg(required = true)]
        paths: Vec<String>,
    },
}

/// Runs `strata edit`.
pub(super) fn run(a: &EditArgs, stderr: &mut dyn Write) -> Result<()> {
    let op = match &a.what {
        EditCommand::Set(SetCommand::Image { images }) => EditOp::SetImage(images.clone()),
        EditCommand::Set(SetCommand::Namespace { namespace }) => {
            EditOp::SetNamespace(namespace.clone())
        }
        EditCommand::Set(SetCommand::Nameprefix { prefix }) => {
            EditOp::SetNamePrefix(prefix.clone())
        }
        EditCommand::Set(SetCommand::Namesuffix { suffix }) => {
            EditOp::SetNameSuffix(suffix.clone())
        }
        EditCommand::Add(AddCommand::Resource { paths }) => EditOp::AddResource(paths.clone()),
        EditCommand::Add(AddCommand::Component { paths }) => EditOp::AddComponent(paths.clone()),
    };
    let outcome = edit::apply(&DiskFs, &a.dir, &op)?;
    for n in &outcome.notes {
        writeln!(stderr, "{n}")?;
    }
    Ok(())
}

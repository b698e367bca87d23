//! `strata edit add|set|remove|fix ...`: kustomize's `edit` subcommands on the
//! kustomization in the current directory (or `--dir`), through the comment-preserving
//! editor in `crate::edit`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::edit::{self, EditOp, Gen, GenFlags, Meta, PatchFlags, PathList};
use crate::fs::DiskFs;
use crate::kustomization::Selector;

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
    /// Adds an item to the kustomization file.
    #[command(subcommand)]
    Add(AddCommand),
    /// Sets the value of different fields in the kustomization file.
    #[command(subcommand)]
    Set(SetCommand),
    /// Removes items from the kustomization file.
    #[command(subcommand)]
    Remove(RemoveCommand),
    /// Fix the missing fields in the kustomization file (legacy fields to modern ones).
    Fix {
        /// Also convert vars to replacements.
        #[arg(long)]
        vars: bool,
    },
}

/// Paths (globs allowed).
#[derive(Debug, Args)]
pub struct Paths {
    /// Paths relative to the kustomization directory.
    pub paths: Vec<String>,
}

/// `key:value` pairs of `add label|annotation`.
#[derive(Debug, Args)]
pub struct AddMetaArgs {
    /// `key:value` pairs.
    pub pairs: Vec<String>,
    /// Overwrite keys that already exist.
    #[arg(short, long)]
    pub force: bool,
}

/// `add label`'s extra flags.
#[derive(Debug, Args)]
pub struct AddLabelArgs {
    /// The pairs and `--force`.
    #[command(flatten)]
    pub meta: AddMetaArgs,
    /// Add to `labels` (no selectors) instead of `commonLabels`.
    #[arg(long)]
    pub without_selector: bool,
    /// Also label pod templates (requires --without-selector).
    #[arg(long)]
    pub include_templates: bool,
}

/// The flags of `add|remove patch`.
#[derive(Debug, Args)]
pub struct PatchArgs {
    /// Path to the patch file.
    #[arg(long, default_value = "")]
    pub path: String,
    /// Literal string of the patch.
    #[arg(long, default_value = "")]
    pub patch: String,
    /// API group in the target selector.
    #[arg(long, default_value = "")]
    pub group: String,
    /// API version in the target selector.
    #[arg(long, default_value = "")]
    pub version: String,
    /// Resource kind in the target selector.
    #[arg(long, default_value = "")]
    pub kind: String,
    /// Resource name in the target selector.
    #[arg(long, default_value = "")]
    pub name: String,
    /// Resource namespace in the target selector.
    #[arg(long, default_value = "")]
    pub namespace: String,
    /// Label selector in the target selector.
    #[arg(long, default_value = "")]
    pub label_selector: String,
    /// Annotation selector in the target selector.
    #[arg(long, default_value = "")]
    pub annotation_selector: String,
}

impl PatchArgs {
    fn flags(&self) -> PatchFlags {
        PatchFlags {
            path: self.path.clone(),
            patch: self.patch.clone(),
            target: Selector {
                group: self.group.clone(),
                version: self.version.clone(),
                kind: self.kind.clone(),
                name: self.name.clone(),
                namespace: self.namespace.clone(),
                label_selector: self.label_selector.clone(),
                annotation_selector: self.annotation_selector.clone(),
            },
        }
    }
}

/// The flags of `add configmap|secret`.
#[derive(Debug, Args)]
pub struct AddGenArgs {
    /// The name.
    pub name: Vec<String>,
    /// `[key=]source` files (globs allowed; comma-separated or repeated).
    #[arg(long = "from-file", value_delimiter = ',')]
    pub from_file: Vec<String>,
    /// `key=value` literals.
    #[arg(long = "from-literal")]
    pub from_literal: Vec<String>,
    /// An env file of `key=value` lines.
    #[arg(long = "from-env-file", default_value = "")]
    pub from_env_file: String,
    /// create, merge or replace.
    #[arg(long, default_value = "")]
    pub behavior: String,
    /// Namespace of the generated object.
    #[arg(long, default_value = "")]
    pub namespace: String,
    /// Leave out the content hash suffix.
    #[arg(long = "disableNameSuffixHash")]
    pub disable_name_suffix_hash: bool,
}

impl AddGenArgs {
    fn flags(&self, kind: &str) -> GenFlags {
        GenFlags {
            name: self.name.first().cloned().unwrap_or_default(),
            files: self.from_file.clone(),
            literals: self.from_literal.clone(),
            env_file: self.from_env_file.clone(),
            behavior: self.behavior.clone(),
            kind: kind.to_string(),
            namespace: self.namespace.clone(),
            new_namespace: String::new(),
            disable_hash: self.disable_name_suffix_hash,
        }
    }
}

/// `add secret`'s extra flag.
#[derive(Debug, Args)]
pub struct AddSecretArgs {
    /// The shared generator flags.
    #[command(flatten)]
    pub gen_args: AddGenArgs,
    /// The secret's type.
    #[arg(long = "type", default_value = "Opaque")]
    pub kind: String,
}

/// The flags of `set configmap|secret`.
#[derive(Debug, Args)]
pub struct SetGenArgs {
    /// The name.
    pub name: Vec<String>,
    /// `key=value` literals to set.
    #[arg(long = "from-literal")]
    pub from_literal: Vec<String>,
    /// The namespace of the entry to change.
    #[arg(long, default_value = "")]
    pub namespace: String,
    /// A new namespace for the entry.
    #[arg(long = "new-namespace", default_value = "")]
    pub new_namespace: String,
}

impl SetGenArgs {
    fn flags(&self) -> GenFlags {
        GenFlags {
            literals: self.from_literal.clone(),
            namespace: self.namespace.clone(),
            new_namespace: self.new_namespace.clone(),
            ..GenFlags::default()
        }
    }
}

/// The flags of `remove configmap|secret`.
#[derive(Debug, Args)]
pub struct RemoveGenArgs {
    /// Comma-separated names.
    pub names: Vec<String>,
    /// The namespace of the entries.
    #[arg(long, default_value = "")]
    pub namespace: String,
}

/// `remove label|annotation` arguments.
#[derive(Debug, Args)]
pub struct RemoveMetaArgs {
    /// Comma-separated keys.
    pub keys: Vec<String>,
    /// Ignore keys that are not there.
    #[arg(short, long = "ignore-non-existence")]
    pub ignore_non_existence: bool,
}

/// A list argument (`buildmetadata`, `replicas`, `image`).
#[derive(Debug, Args)]
pub struct Values {
    /// The values.
    pub values: Vec<String>,
}

/// `strata edit add` subcommands.
#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Add the name of a file containing a resource to the kustomization file.
    Resource(Paths),
    /// Add the name of a file containing a component to the kustomization file.
    Component(Paths),
    /// Adds one or more bases to the kustomization.yaml in current directory.
    Base(Paths),
    /// Add an item to patches field.
    Patch(PatchArgs),
    /// Adds a configmap to the kustomization file.
    Configmap(AddGenArgs),
    /// Adds a secret to the kustomization file.
    Secret(AddSecretArgs),
    /// Adds one or more commonLabels (or labels) to the kustomization file.
    Label(AddLabelArgs),
    /// Adds one or more commonAnnotations to the kustomization file.
    Annotation(AddMetaArgs),
    /// Adds one or more buildMetadata options to the kustomization file.
    Buildmetadata(Values),
    /// Add the name of a file containing a transformer configuration.
    Transformer(Paths),
    /// Add the name of a file containing a generator configuration.
    Generator(Paths),
    /// Add the name of a file containing a transformer configuration (field specs).
    Configuration(Paths),
}

/// `strata edit set` subcommands.
#[derive(Debug, Subcommand)]
pub enum SetCommand {
    /// Sets images and their new names, new tags or digests in the kustomization file.
    Image(Values),
    /// Sets the value of the namespace field in the kustomization file.
    Namespace {
        /// The namespace.
        namespace: String,
    },
    /// Sets the value of the namePrefix field in the kustomization file.
    Nameprefix {
        /// The prefix.
        #[arg(allow_hyphen_values = true)]
        prefix: String,
    },
    /// Sets the value of the nameSuffix field in the kustomization file.
    Namesuffix {
        /// The suffix.
        #[arg(allow_hyphen_values = true)]
        suffix: String,
    },
    /// Sets replicas count for resources in the kustomization file.
    Replicas(Values),
    /// Sets one or more commonLabels in the kustomization file.
    Label(Values),
    /// Sets one or more commonAnnotations in the kustomization file.
    Annotation(Values),
    /// Sets one or more buildMetadata options in the kustomization file.
    Buildmetadata(Values),
    /// Edits the value for an existing key in a configmap in the kustomization file.
    Configmap(SetGenArgs),
    /// Edits the value for an existing key in a secret in the kustomization file.
    Secret(SetGenArgs),
}

/// `strata edit remove` subcommands.
#[derive(Debug, Subcommand)]
pub enum RemoveCommand {
    /// Removes one or more resource file paths from the kustomization file.
    Resource(Paths),
    /// Removes one or more component paths from the kustomization file.
    Component(Paths),
    /// Removes a patch from the kustomization file.
    Patch(PatchArgs),
    /// Removes configmaps from the kustomization file.
    Configmap(RemoveGenArgs),
    /// Removes secrets from the kustomization file.
    Secret(RemoveGenArgs),
    /// Removes one or more commonLabels from the kustomization file.
    Label(RemoveMetaArgs),
    /// Removes one or more commonAnnotations from the kustomization file.
    Annotation(RemoveMetaArgs),
    /// Removes one or more transformer file paths from the kustomization file.
    Transformer(Paths),
    /// Removes one or more buildMetadata options from the kustomization file.
    Buildmetadata(Values),
}

/// The library operation a command line names.
pub(super) fn op_of(what: &EditCommand) -> EditOp {
    match what {
        EditCommand::Add(a) => match a {
            AddCommand::Resource(p) => EditOp::AddResource(p.paths.clone()),
            AddCommand::Component(p) => EditOp::AddComponent(p.paths.clone()),
            AddCommand::Base(p) => EditOp::AddBase(p.paths.clone()),
            AddCommand::Patch(p) => EditOp::AddPatch(p.flags()),
            AddCommand::Configmap(g) => {
                EditOp::AddGenerator(Gen::ConfigMap, g.name.clone(), g.flags(""))
            }
            AddCommand::Secret(s) => EditOp::AddGenerator(
                Gen::Secret,
                s.gen_args.name.clone(),
                s.gen_args.flags(&s.kind),
            ),
            AddCommand::Label(l) => EditOp::AddMeta {
                kind: Meta::Label,
                pairs: l.meta.pairs.clone(),
                force: l.meta.force,
                without_selector: l.without_selector,
                include_templates: l.include_templates,
            },
            AddCommand::Annotation(m) => EditOp::AddMeta {
                kind: Meta::Annotation,
                pairs: m.pairs.clone(),
                force: m.force,
                without_selector: false,
                include_templates: false,
            },
            AddCommand::Buildmetadata(v) => EditOp::AddBuildMetadata(v.values.clone()),
            AddCommand::Transformer(p) => EditOp::AddPaths(PathList::Transformers, p.paths.clone()),
            AddCommand::Generator(p) => EditOp::AddPaths(PathList::Generators, p.paths.clone()),
            AddCommand::Configuration(p) => {
                EditOp::AddPaths(PathList::Configurations, p.paths.clone())
            }
        },
        EditCommand::Set(s) => match s {
            SetCommand::Image(v) => EditOp::SetImage(v.values.clone()),
            SetCommand::Namespace { namespace } => EditOp::SetNamespace(namespace.clone()),
            SetCommand::Nameprefix { prefix } => EditOp::SetNamePrefix(prefix.clone()),
            SetCommand::Namesuffix { suffix } => EditOp::SetNameSuffix(suffix.clone()),
            SetCommand::Replicas(v) => EditOp::SetReplicas(v.values.clone()),
            SetCommand::Label(v) => EditOp::SetMeta(Meta::Label, v.values.clone()),
            SetCommand::Annotation(v) => EditOp::SetMeta(Meta::Annotation, v.values.clone()),
            SetCommand::Buildmetadata(v) => EditOp::SetBuildMetadata(v.values.clone()),
            SetCommand::Configmap(g) => {
                EditOp::SetGenerator(Gen::ConfigMap, g.name.clone(), g.flags())
            }
            SetCommand::Secret(g) => EditOp::SetGenerator(Gen::Secret, g.name.clone(), g.flags()),
        },
        EditCommand::Remove(r) => match r {
            RemoveCommand::Resource(p) => EditOp::RemovePaths(PathList::Resources, p.paths.clone()),
            RemoveCommand::Component(p) => {
                EditOp::RemovePaths(PathList::Components, p.paths.clone())
            }
            RemoveCommand::Transformer(p) => {
                EditOp::RemovePaths(PathList::Transformers, p.paths.clone())
            }
            RemoveCommand::Patch(p) => EditOp::RemovePatch(p.flags()),
            RemoveCommand::Configmap(g) => {
                EditOp::RemoveGenerator(Gen::ConfigMap, g.names.clone(), g.namespace.clone())
            }
            RemoveCommand::Secret(g) => {
                EditOp::RemoveGenerator(Gen::Secret, g.names.clone(), g.namespace.clone())
            }
            RemoveCommand::Label(m) => EditOp::RemoveMeta {
                kind: Meta::Label,
                keys: m.keys.clone(),
                ignore_missing: m.ignore_non_existence,
            },
            RemoveCommand::Annotation(m) => EditOp::RemoveMeta {
                kind: Meta::Annotation,
                keys: m.keys.clone(),
                ignore_missing: m.ignore_non_existence,
            },
            RemoveCommand::Buildmetadata(v) => EditOp::RemoveBuildMetadata(v.values.clone()),
        },
        EditCommand::Fix { vars } => EditOp::Fix { vars: *vars },
    }
}

/// Runs `strata edit`.
pub(super) fn run(a: &EditArgs, stderr: &mut dyn Write) -> Result<()> {
    let outcome = edit::apply(&DiskFs, &a.dir, &op_of(&a.what))?;
    for n in &outcome.notes {
        writeln!(stderr, "{n}")?;
    }
    Ok(())
}

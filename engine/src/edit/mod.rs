//! `strata edit`: the only code that rewrites a user's kustomization file.
//!
//! Every `kustomize edit` subcommand of v5.8.1 (add, set, remove, fix). The argument syntax,
//! the meaning of each edit and its errors follow kustomize: each edit is made on the typed
//! [`Kustomization`]. The write does not: kustomize re-marshals the whole file (losing
//! comments and reordering fields), while this editor changes only the lines whose data
//! changed ([`render`], over the line view in [`text`]).
//!
//! Every edit is checked before it is written: the new text is parsed again and must equal
//! the edited value. An edit the line editor cannot express faithfully is refused rather
//! than written.

pub mod create;
pub mod glob;
mod render;
mod text;
mod vars;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{self, Fs, Kind};
use crate::kustomization::{
    FILE_NAMES, GeneratorArgs, GeneratorOptions, Image, Kustomization, Label, Patch, Replica,
    Selector, StrMap,
};
use text::Doc;

/// kustomize's `apiVersion` for a Kustomization, written into a file that lacks one.
pub const API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";

/// A list field of the kustomization that holds paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathList {
    /// `resources`.
    Resources,
    /// `components`.
    Components,
    /// `transformers`.
    Transformers,
    /// `generators`.
    Generators,
    /// `configurations`.
    Configurations,
}

impl PathList {
    /// The word kustomize uses in its messages.
    pub fn noun(self) -> &'static str {
        match self {
            PathList::Resources => "resource",
            PathList::Components => "component",
            PathList::Transformers => "transformer",
            PathList::Generators => "generator",
            PathList::Configurations => "configuration",
        }
    }

    fn field(self, k: &mut Kustomization) -> &mut Vec<String> {
        match self {
            PathList::Resources => &mut k.resources,
            PathList::Components => &mut k.components,
            PathList::Transformers => &mut k.transformers,
            PathList::Generators => &mut k.generators,
            PathList::Configurations => &mut k.configurations,
        }
    }
}

/// `label` (commonLabels) or `annotation` (commonAnnotations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meta {
    /// Labels.
    Label,
    /// Annotations.
    Annotation,
}

impl Meta {
    fn noun(self) -> &'static str {
        match self {
            Meta::Label => "label",
            Meta::Annotation => "annotation",
        }
    }
}

/// `configmap` or `secret` (their generators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gen {
    /// `configMapGenerator`.
    ConfigMap,
    /// `secretGenerator`.
    Secret,
}

impl Gen {
    fn noun(self) -> &'static str {
        match self {
            Gen::ConfigMap => "configmap",
            Gen::Secret => "secret",
        }
    }

    fn field(self, k: &mut Kustomization) -> &mut Vec<GeneratorArgs> {
        match self {
            Gen::ConfigMap => &mut k.config_map_generator,
            Gen::Secret => &mut k.secret_generator,
        }
    }
}

/// The flags of `add configmap|secret` and `set configmap|secret`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenFlags {
    /// The generated object's name (the one argument).
    pub name: String,
    /// `--from-file` (`[key=]path`, globs expanded by [`apply`]).
    pub files: Vec<String>,
    /// `--from-literal` (`key=value`).
    pub literals: Vec<String>,
    /// `--from-env-file`.
    pub env_file: String,
    /// `--behavior` (create, merge, replace).
    pub behavior: String,
    /// `--type` (secrets; `Opaque` by default).
    pub kind: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--new-namespace` (set only).
    pub new_namespace: String,
    /// `--disableNameSuffixHash`.
    pub disable_hash: bool,
}

/// The flags of `add patch` and `remove patch`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatchFlags {
    /// `--path`.
    pub path: String,
    /// `--patch` (inline).
    pub patch: String,
    /// The target selector (`--group`, `--version`, `--kind`, `--name`, `--namespace`,
    /// `--label-selector`, `--annotation-selector`).
    pub target: Selector,
}

/// One edit of a kustomization file.
#[derive(Clone, Debug, PartialEq)]
pub enum EditOp {
    /// `set image`: kustomize's `name=newName:tag@digest` forms (`*` keeps a part).
    SetImage(Vec<String>),
    /// `set namespace`.
    SetNamespace(String),
    /// `set nameprefix`.
    SetNamePrefix(String),
    /// `set namesuffix`.
    SetNameSuffix(String),
    /// `add resource`: paths relative to the kustomization directory.
    AddResource(Vec<String>),
    /// `add component`: paths relative to the kustomization directory.
    AddComponent(Vec<String>),
    /// `add transformer|generator|configuration` (and resource, component).
    AddPaths(PathList, Vec<String>),
    /// `remove resource|component|transformer|...`: entries matching the patterns go.
    RemovePaths(PathList, Vec<String>),
    /// `add base`: comma-separated directories, into `resources`.
    AddBase(Vec<String>),
    /// `set replicas name=count ...`.
    SetReplicas(Vec<String>),
    /// `add label|annotation k:v ...`.
    AddMeta {
        /// Labels or annotations.
        kind: Meta,
        /// `key:value` arguments.
        pairs: Vec<String>,
        /// `--force`: overwrite existing keys.
        force: bool,
        /// `--without-selector`: a `labels` entry instead of `commonLabels`.
        without_selector: bool,
        /// `--include-templates` (with `--without-selector`).
        include_templates: bool,
    },
    /// `set label|annotation k:v ...` (overwrites).
    SetMeta(Meta, Vec<String>),
    /// `remove label|annotation k1,k2`.
    RemoveMeta {
        /// Labels or annotations.
        kind: Meta,
        /// Comma-separated keys (one argument).
        keys: Vec<String>,
        /// `--ignore-non-existence`.
        ignore_missing: bool,
    },
    /// `add buildmetadata a,b`.
    AddBuildMetadata(Vec<String>),
    /// `set buildmetadata a,b`.
    SetBuildMetadata(Vec<String>),
    /// `remove buildmetadata a,b`.
    RemoveBuildMetadata(Vec<String>),
    /// `add patch`.
    AddPatch(PatchFlags),
    /// `remove patch`.
    RemovePatch(PatchFlags),
    /// `add configmap|secret NAME ...`.
    AddGenerator(Gen, Vec<String>, GenFlags),
    /// `set configmap|secret NAME ...`.
    SetGenerator(Gen, Vec<String>, GenFlags),
    /// `remove configmap|secret NAME[,NAME]`.
    RemoveGenerator(Gen, Vec<String>, String),
    /// `fix`: legacy fields to their modern form; `--vars` also converts vars.
    Fix {
        /// `--vars`.
        vars: bool,
    },
}

/// What an edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditOutcome {
    /// The kustomization file that was rewritten.
    pub path: PathBuf,
    /// Notes for the user (entries that were already present).
    pub notes: Vec<String>,
}

/// Finds the kustomization file in `dir`, as kustomize names it.
pub fn find_kustomization(fs: &dyn Fs, dir: &Path) -> Result<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| fs.kind(p) == Some(Kind::File))
        .ok_or_else(|| Error::Config {
            path: dir.join(FILE_NAMES[0]),
            msg: "missing kustomization file".to_string(),
        })
}

/// Applies `op` to the kustomization file in `dir` and writes it back atomically.
///
/// The arguments that name files are resolved here, against `dir`, as kustomize resolves
/// them against its working directory: globs expanded (a pattern matching nothing is an
/// error), the kustomization file itself never added, bases checked to exist.
pub fn apply(fs: &dyn Fs, dir: &Path, op: &EditOp) -> Result<EditOutcome> {
    let path = find_kustomization(fs, dir)?;
    let config = |msg: String| Error::Config {
        path: path.clone(),
        msg,
    };
    let bytes = fs.read(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    let own_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let mut notes = Vec::new();
    if let EditOp::AddResource(p) | EditOp::AddComponent(p) | EditOp::AddPaths(_, p) = op
        && p.is_empty()
    {
        let noun = match op {
            EditOp::AddPaths(list, _) => list.noun(),
            EditOp::AddComponent(_) => "component",
            _ => "resource",
        };
        return Err(config(format!("must specify a {noun} file")));
    }
    let resolved = match op {
        EditOp::AddResource(p) => EditOp::AddPaths(
            PathList::Resources,
            expand(fs, dir, p, true).map_err(config)?,
        ),
        EditOp::AddComponent(p) => EditOp::AddPaths(
            PathList::Components,
            expand(fs, dir, p, true).map_err(config)?,
        ),
        EditOp::AddPaths(list, p) => {
            let remote_ok = matches!(list, PathList::Resources | PathList::Components);
            EditOp::AddPaths(*list, expand(fs, dir, p, remote_ok).map_err(config)?)
        }
        EditOp::AddBase(p) => {
            for b in p.iter().flat_map(|a| a.split(',')) {
                if !crate::loader::looks_remote(b) && fs.kind(&dir.join(b)).is_none() {
                    return Err(config(format!("{b} does not exist")));
                }
            }
            op.clone()
        }
        EditOp::AddGenerator(g, args, flags) => {
            let mut flags = flags.clone();
            flags.files = expand_file_sources(fs, dir, &flags.files).map_err(config)?;
            EditOp::AddGenerator(*g, args.clone(), flags)
        }
        other => other.clone(),
    };
    let resolved = match resolved {
        EditOp::AddPaths(list, paths) => {
            let mut keep = Vec::new();
            for p in paths {
                if Path::new(&p) == Path::new(&own_name) {
                    notes.push(format!(
                        "{} {p} is the kustomization file itself; not added",
                        list.noun()
                    ));
                } else {
                    keep.push(p);
                }
            }
            EditOp::AddPaths(list, keep)
        }
        other => other,
    };
    if let EditOp::Fix { vars: true } = resolved {
        return fix_vars(fs, dir, &path, &text, notes);
    }
    let (new_text, more) = edit_text(&text, &resolved).map_err(config)?;
    notes.extend(more);
    if new_text != text {
        fs::write_atomic(&path, new_text.as_bytes()).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(EditOutcome { path, notes })
}

/// `fix --vars`: vars become replacements and each `$(VAR)` in the files they reach
/// becomes `VAR_PLACEHOLDER` (kustomize's conversion); the rewritten files and the
/// kustomization are replaced together or not at all, and only inside `dir`.
fn fix_vars(
    fs: &dyn Fs,
    dir: &Path,
    path: &Path,
    text: &str,
    notes: Vec<String>,
) -> Result<EditOutcome> {
    let config = |msg: String| Error::Config {
        path: path.to_path_buf(),
        msg,
    };
    let old = read_text(text).map_err(config)?;
    let mut new = old.clone();
    read_as_kustomize(&mut new);
    let rewrites = vars::convert(fs, dir, &mut new).map_err(config)?;
    edit_value(&mut new, &EditOp::Fix { vars: false }).map_err(config)?;
    let new_text = write_text(text, &old, new).map_err(config)?;
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let mut files: Vec<(PathBuf, &[u8])> = rewrites
        .iter()
        .map(|(p, t)| (p.clone(), t.as_bytes()))
        .collect();
    files.push((name, new_text.as_bytes()));
    fs::write_into_dir(dir, &files, &[]).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(EditOutcome {
        path: path.to_path_buf(),
        notes,
    })
}

/// Expands path arguments as kustomize's `GlobPatterns` does; remote references pass
/// through when `remote_ok`.
fn expand(
    fs: &dyn Fs,
    dir: &Path,
    patterns: &[String],
    remote_ok: bool,
) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    for p in patterns {
        if remote_ok && crate::loader::looks_remote(p) {
            out.push(p.clone());
            continue;
        }
        let found = glob::glob(fs, dir, p)?;
        if found.is_empty() {
            return Err(format!("{p} has no match"));
        }
        out.extend(found);
    }
    Ok(out)
}

/// Expands `--from-file` sources: `key=pattern` must match exactly one file.
fn expand_file_sources(
    fs: &dyn Fs,
    dir: &Path,
    sources: &[String],
) -> std::result::Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in sources {
        let parts: Vec<&str> = s.split('=').collect();
        let (key, pattern) = if parts.len() == 2 {
            (Some(parts[0]), parts[1])
        } else {
            (None, s.as_str())
        };
        let found = glob::glob(fs, dir, pattern)?;
        if found.is_empty() {
            return Err(format!("{pattern} has no match"));
        }
        match key {
            Some(k) if found.len() == 1 => out.push(format!("{k}={}", found[0])),
            Some(_) => {
                return Err(format!(
                    "'pattern '{s}' catches files [{}], should catch only one",
                    found.join(" ")
                ));
            }
            None => out.extend(found),
        }
    }
    Ok(out)
}

/// Applies `op` to a kustomization file's text; returns the new text and notes.
/// `Err` holds a message (the caller names the file).
pub fn edit_text(text: &str, op: &EditOp) -> std::result::Result<(String, Vec<String>), String> {
    let old = read_text(text)?;
    let mut new = old.clone();
    read_as_kustomize(&mut new);
    let notes = edit_value(&mut new, op)?;
    Ok((write_text(text, &old, new)?, notes))
}

/// What kustomize's kustomization reader does to every file an edit touches
/// (`FixKustomizationPre/PostUnmarshalling`): `imageTags` read as `images`, `bases`
/// appended to `resources`, a generator's single `env` moved to `envs`.
fn read_as_kustomize(k: &mut Kustomization) {
    k.fix_legacy();
    for g in k
        .config_map_generator
        .iter_mut()
        .chain(&mut k.secret_generator)
    {
        if !g.env.is_empty() {
            let env = std::mem::take(&mut g.env);
            g.envs.push(env);
        }
    }
}

/// Reads a kustomization file's text; a file with nothing in it (or only comments) is an
/// empty kustomization, as kustomize reads it.
fn read_text(text: &str) -> std::result::Result<Kustomization, String> {
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        Ok(Kustomization::default())
    } else {
        Kustomization::parse(text)
    }
}

/// The text of `old`'s file rewritten to hold `new`, checked by reading it back.
fn write_text(
    text: &str,
    old: &Kustomization,
    mut new: Kustomization,
) -> std::result::Result<String, String> {
    // Like kustomize, every edit leaves the file with its apiVersion and kind.
    if new.api_version.is_empty() {
        new.api_version = API_VERSION.to_string();
    }
    if new.kind.is_empty() {
        new.kind = "Kustomization".to_string();
    }
    let mut doc = Doc::parse(text);
    render::rewrite(&mut doc, &render::to_value(old)?, &render::to_value(&new)?);
    let new_text = doc.render();
    let got = Kustomization::parse(&new_text)
        .map_err(|e| format!("the edit would leave an invalid file ({e}); nothing was written"))?;
    // Compared as written data: an empty map and no map are the same file.
    if render::to_value(&got)? != render::to_value(&new)? {
        return Err("the file's layout is beyond what the line editor can change faithfully; nothing was written".into());
    }
    Ok(new_text)
}

/// Applies `op` to the typed kustomization, as kustomize's command does; returns notes.
pub fn edit_value(k: &mut Kustomization, op: &EditOp) -> std::result::Result<Vec<String>, String> {
    let mut notes = Vec::new();
    match op {
        EditOp::SetImage(args) => set_images(k, &parse_image_args(args)?)?,
        EditOp::SetNamespace(ns) => {
            if !is_dns1123_label(ns) {
                return Err(format!(
                    "{ns:?} is not a valid namespace name (RFC 1123 label)"
                ));
            }
            k.namespace = ns.clone();
        }
        EditOp::SetNamePrefix(p) => k.name_prefix = p.clone(),
        EditOp::SetNameSuffix(s) => k.name_suffix = s.clone(),
        EditOp::AddResource(p) => add_paths(k, PathList::Resources, p, &mut notes)?,
        EditOp::AddComponent(p) => add_paths(k, PathList::Components, p, &mut notes)?,
        EditOp::AddPaths(list, p) => add_paths(k, *list, p, &mut notes)?,
        EditOp::RemovePaths(list, patterns) => {
            if patterns.is_empty() {
                return Err(format!("must specify a {} file", list.noun()));
            }
            let entries = list.field(k);
            let mut keep = Vec::new();
            for e in entries.iter() {
                let mut hit = false;
                for p in patterns {
                    hit |= glob::matches(p, e)?;
                }
                if !hit {
                    keep.push(e.clone());
                }
            }
            *entries = keep;
        }
        EditOp::AddBase(args) => {
            let bases: Vec<&str> = args.iter().flat_map(|a| a.split(',')).collect();
            if bases.is_empty() || bases.iter().any(|b| b.is_empty()) {
                return Err("must specify a base directory".into());
            }
            for b in bases {
                if k.resources.iter().any(|r| r == b) {
                    return Err(format!("base {b} already in kustomization file"));
                }
                k.resources.push(b.to_string());
            }
        }
        EditOp::SetReplicas(args) => set_replicas(k, args)?,
        EditOp::AddMeta {
            kind,
            pairs,
            force,
            without_selector,
            include_templates,
        } => add_meta(
            k,
            *kind,
            pairs,
            *force,
            *without_selector,
            *include_templates,
        )?,
        EditOp::SetMeta(kind, pairs) => {
            let m = parse_meta(*kind, pairs)?;
            let target = meta_map(k, *kind);
            for (key, v) in m {
                target.insert(key, v);
            }
        }
        EditOp::RemoveMeta {
            kind,
            keys,
            ignore_missing,
        } => remove_meta(k, *kind, keys, *ignore_missing)?,
        EditOp::AddBuildMetadata(args) => {
            for o in build_metadata_options(args)? {
                if k.build_metadata.contains(&o) {
                    return Err(format!(
                        "buildMetadata option {o} already in kustomization file"
                    ));
                }
                k.build_metadata.push(o);
            }
        }
        EditOp::SetBuildMetadata(args) => k.build_metadata = build_metadata_options(args)?,
        EditOp::RemoveBuildMetadata(args) => {
            let gone = build_metadata_options(args)?;
            k.build_metadata.retain(|o| !gone.contains(o));
        }
        EditOp::AddPatch(f) => {
            let p = patch_of(f)?;
            if k.patches.contains(&p) {
                notes.push(format!(
                    "patch {} already in kustomization file",
                    patch_name(&p)
                ));
            } else {
                k.patches.push(p);
            }
        }
        EditOp::RemovePatch(f) => {
            let p = patch_of(f)?;
            let before = k.patches.len();
            k.patches.retain(|x| *x != p);
            if k.patches.len() == before {
                return Err(format!(
                    "patch {} doesn't exist in kustomization file",
                    patch_name(&p)
                ));
            }
        }
        EditOp::AddGenerator(g, args, flags) => add_generator(k, *g, args, flags)?,
        EditOp::SetGenerator(g, args, flags) => set_generator(k, *g, args, flags)?,
        EditOp::RemoveGenerator(g, args, ns) => remove_generator(k, *g, args, ns)?,
        EditOp::Fix { vars } => fix(k, *vars)?,
    }
    Ok(notes)
}

/// Appends paths to a list, noting those already there (kustomize logs and skips them).
fn add_paths(
    k: &mut Kustomization,
    list: PathList,
    paths: &[String],
    notes: &mut Vec<String>,
) -> std::result::Result<(), String> {
    let entries = list.field(k);
    for p in paths {
        if entries.contains(p) {
            notes.push(format!("{} {p} already in kustomization file", list.noun()));
        } else {
            entries.push(p.clone());
        }
    }
    Ok(())
}

/// `set image`: the named images are replaced (`*` parts kept from the existing entry),
/// the others kept, and the list sorted by name, as kustomize writes it.
fn set_images(k: &mut Kustomization, args: &[Image]) -> std::result::Result<(), String> {
    let keep = |new: &str, old: &str| {
        if new == "*" {
            old.to_string()
        } else {
            new.to_string()
        }
    };
    for arg in args {
        match k.images.iter_mut().find(|i| i.name == arg.name) {
            Some(old) => {
                *old = Image {
                    name: arg.name.clone(),
                    new_name: keep(&arg.new_name, &old.new_name),
                    new_tag: keep(&arg.new_tag, &old.new_tag),
                    digest: keep(&arg.digest, &old.digest),
                    tag_suffix: String::new(),
                }
            }
            None => k.images.push(Image {
                name: arg.name.clone(),
                new_name: keep(&arg.new_name, ""),
                new_tag: keep(&arg.new_tag, ""),
                digest: keep(&arg.digest, ""),
                tag_suffix: String::new(),
            }),
        }
    }
    k.images.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// `set replicas name=count ...`: replaced or added, sorted by name.
fn set_replicas(k: &mut Kustomization, args: &[String]) -> std::result::Result<(), String> {
    if args.is_empty() {
        return Err("no replicas specified".into());
    }
    let invalid = || "invalid format of replica, use the following format: <name>=<count>";
    for a in args {
        let parts: Vec<&str> = a.split('=').collect();
        if parts.len() != 2 {
            return Err(invalid().into());
        }
        let count: i64 = parts[1].parse().map_err(|_| invalid())?;
        let name = parts[0].to_string();
        match k.replicas.iter_mut().find(|r| r.name == name) {
            Some(r) => r.count = count,
            None => k.replicas.push(Replica { name, count }),
        }
    }
    k.replicas.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// Parses `key:value` arguments as kustomize's `ConvertSliceToMap` does: the first colon
/// splits, a missing value is empty, surrounding double quotes are dropped.
fn parse_meta(kind: Meta, args: &[String]) -> std::result::Result<StrMap, String> {
    if args.is_empty() {
        return Err(format!("must specify {}", kind.noun()));
    }
    let mut out = StrMap::new();
    for a in args {
        let (key, value) = match a.find(':') {
            Some(0) => {
                return Err(format!(
                    "invalid {}: '{a}' (need k:v pair where v may be quoted)",
                    kind.noun()
                ));
            }
            Some(c) => (&a[..c], &a[c + 1..]),
            None => (a.as_str(), ""),
        };
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        validate_meta(kind, key, value)?;
        out.insert(key.to_string(), value.to_string());
    }
    Ok(out)
}

/// Parses a comma-separated `k:v,k2:v2` flag as kustomize's `ConvertToMap` does (`create
/// --labels`); an empty flag is an empty map.
fn parse_meta_text(kind: Meta, text: &str) -> std::result::Result<StrMap, String> {
    if text.is_empty() {
        return Ok(StrMap::new());
    }
    let parts: Vec<String> = text.split(',').map(str::to_string).collect();
    parse_meta(kind, &parts)
}

/// Kubernetes' rules for label keys and values, and annotation keys.
fn validate_meta(kind: Meta, key: &str, value: &str) -> std::result::Result<(), String> {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    });
    if !prefix_ok || !name_ok(name) {
        return Err(format!(
            "invalid {} key {key:?}: a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'",
            kind.noun()
        ));
    }
    if kind == Meta::Label && !value.is_empty() && !name_ok(value) {
        return Err(format!(
            "invalid label value {value:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63)"
        ));
    }
    Ok(())
}

fn meta_map(k: &mut Kustomization, kind: Meta) -> &mut StrMap {
    let m = match kind {
        Meta::Label => &mut k.common_labels,
        Meta::Annotation => &mut k.common_annotations,
    };
    m.get_or_insert_with(StrMap::new)
}

/// `add label|annotation`.
fn add_meta(
    k: &mut Kustomization,
    kind: Meta,
    pairs: &[String],
    force: bool,
    without_selector: bool,
    include_templates: bool,
) -> std::result::Result<(), String> {
    if include_templates && !without_selector {
        return Err(
            "--without-selector flag must be specified for --include-templates to work".into(),
        );
    }
    let m = parse_meta(kind, pairs)?;
    let target: &mut StrMap = if kind == Meta::Label && without_selector {
        // kustomize adds to the first `labels` entry with the same settings, or a new one.
        let at = k.labels.iter().position(|l| {
            !l.include_selectors && l.include_templates == include_templates && l.fields.is_empty()
        });
        let at = match at {
            Some(i) => i,
            None => {
                k.labels.push(Label {
                    include_templates,
                    ..Label::default()
                });
                k.labels.len() - 1
            }
        };
        &mut k.labels[at].pairs
    } else {
        meta_map(k, kind)
    };
    for (key, v) in m {
        if target.contains_key(&key) && !force {
            return Err(format!(
                "{} {key} already in kustomization file",
                kind.noun()
            ));
        }
        target.insert(key, v);
    }
    Ok(())
}

/// `remove label|annotation k1,k2`.
fn remove_meta(
    k: &mut Kustomization,
    kind: Meta,
    args: &[String],
    ignore: bool,
) -> std::result::Result<(), String> {
    let noun = kind.noun();
    if args.is_empty() {
        return Err(format!("must specify {noun}"));
    }
    if args.len() > 1 {
        return Err(format!("{noun}s must be comma-separated, with no spaces"));
    }
    let keys: Vec<&str> = args[0].split(',').collect();
    if let Some(bad) = keys.iter().find(|x| x.is_empty()) {
        return Err(format!("invalid {noun}: '{bad}' (name is empty)"));
    }
    let (field, map) = match kind {
        Meta::Label => ("commonLabels", &mut k.common_labels),
        Meta::Annotation => ("commonAnnotations", &mut k.common_annotations),
    };
    let Some(m) = map.as_mut() else {
        if ignore {
            return Ok(());
        }
        return Err(format!("{field} is not defined in kustomization file"));
    };
    for key in keys {
        if m.shift_remove(key).is_none() && !ignore {
            return Err(format!("{noun} {key} is not defined in kustomization file"));
        }
    }
    Ok(())
}

/// The `buildMetadata` options kustomize knows.
const BUILD_METADATA: [&str; 3] = [
    "originAnnotations",
    "transformerAnnotations",
    "managedByLabel",
];

fn build_metadata_options(args: &[String]) -> std::result::Result<Vec<String>, String> {
    if args.is_empty() {
        return Err("must specify buildMetadata options".into());
    }
    if args.len() > 1 {
        return Err("buildMetadata options must be comma-separated, with no spaces".into());
    }
    let mut out: Vec<String> = Vec::new();
    for o in args[0].split(',') {
        if !BUILD_METADATA.contains(&o) {
            return Err(format!(
                "invalid buildMetadata option: {o}; must be one of {}",
                BUILD_METADATA.join(", ")
            ));
        }
        if !out.iter().any(|x| x == o) {
            out.push(o.to_string());
        }
    }
    Ok(out)
}

/// The patch entry `add patch` / `remove patch` flags describe.
fn patch_of(f: &PatchFlags) -> std::result::Result<Patch, String> {
    match (f.path.is_empty(), f.patch.is_empty()) {
        (true, true) => return Err("must provide either patch or path".into()),
        (false, false) => return Err("patch and path can't be set at the same time".into()),
        _ => {}
    }
    let target = (f.target != Selector::default()).then(|| f.target.clone());
    Ok(Patch {
        path: f.path.clone(),
        patch: f.patch.clone(),
        target,
        options: None,
    })
}

fn patch_name(p: &Patch) -> &str {
    if p.path.is_empty() { &p.patch } else { &p.path }
}

/// Checks the flags every `add configmap|secret` shares, as kustomize's flagsAndArgs does.
fn generator_name(args: &[String], f: &GenFlags) -> std::result::Result<String, String> {
    if args.len() != 1 {
        return Err("name must be specified once".into());
    }
    if f.env_file.is_empty() && f.files.is_empty() && f.literals.is_empty() {
        return Err("at least from-env-file, or from-file or from-literal must be set".into());
    }
    if !f.env_file.is_empty() && (!f.files.is_empty() || !f.literals.is_empty()) {
        return Err("from-env-file cannot be combined with from-file or from-literal".into());
    }
    if !matches!(f.behavior.as_str(), "" | "create" | "merge" | "replace") {
        return Err(r#"invalid behavior: must be one of "create", "merge", or "replace""#.into());
    }
    for l in &f.literals {
        check_literal(l)?;
    }
    Ok(args[0].clone())
}

/// A literal source must be `key=value` with a non-empty key.
fn check_literal(l: &str) -> std::result::Result<(), String> {
    match l.split_once('=') {
        Some((key, _)) if !key.is_empty() => Ok(()),
        _ => Err(format!("invalid literal source {l}, expected key=value")),
    }
}

/// `add configmap|secret`: sources go into the entry of that name and namespace, made if
/// missing.
fn add_generator(
    k: &mut Kustomization,
    g: Gen,
    args: &[String],
    f: &GenFlags,
) -> std::result::Result<(), String> {
    let name = generator_name(args, f)?;
    let list = g.field(k);
    let at = match list
        .iter()
        .position(|a| a.name == name && a.namespace == f.namespace)
    {
        Some(i) => i,
        None => {
            list.push(GeneratorArgs {
                name,
                namespace: f.namespace.clone(),
                kind: if g == Gen::Secret {
                    if f.kind.is_empty() {
                        "Opaque".into()
                    } else {
                        f.kind.clone()
                    }
                } else {
                    String::new()
                },
                ..GeneratorArgs::default()
            });
            list.len() - 1
        }
    };
    let e = &mut list[at];
    e.literals.extend(f.literals.iter().cloned());
    e.files.extend(f.files.iter().cloned());
    if !f.env_file.is_empty() {
        e.envs.push(f.env_file.clone());
    }
    if f.disable_hash {
        e.options = Some(GeneratorOptions {
            disable_name_suffix_hash: Some(true),
            ..GeneratorOptions::default()
        });
    }
    if !f.behavior.is_empty() {
        e.behavior = f.behavior.clone();
    }
    // kustomize checks the entry by generating the object, which refuses a repeated key.
    let mut keys: Vec<&str> = Vec::new();
    let file_keys = e.files.iter().map(|f| match f.split_once('=') {
        Some((k, _)) => k,
        None => f.rsplit('/').next().unwrap_or(f),
    });
    let literal_keys = e
        .literals
        .iter()
        .map(|l| l.split_once('=').map_or(l.as_str(), |(k, _)| k));
    for key in literal_keys.chain(file_keys) {
        if keys.contains(&key) {
            return Err(format!(
                "{} {} illegally repeats the key `{key}`",
                g.noun(),
                e.name
            ));
        }
        keys.push(key);
    }
    Ok(())
}

/// `set configmap|secret NAME --from-literal k=v [--namespace] [--new-namespace]`:
/// updates an existing entry's literals (a key's value replaced, new keys added).
fn set_generator(
    k: &mut Kustomization,
    g: Gen,
    args: &[String],
    f: &GenFlags,
) -> std::result::Result<(), String> {
    if args.len() != 1 {
        return Err("name must be specified once".into());
    }
    if f.literals.is_empty() && f.new_namespace.is_empty() {
        return Err("at least one of [--from-literal, --new-namespace] must be specified".into());
    }
    for l in &f.literals {
        check_literal(l)?;
    }
    let name = &args[0];
    let Some(e) = g
        .field(k)
        .iter_mut()
        .find(|a| a.name == *name && a.namespace == f.namespace)
    else {
        let ns = if f.namespace.is_empty() {
            "default"
        } else {
            &f.namespace
        };
        return Err(format!(
            "unable to find {} with name \"{name}\" in namespace \"{ns}\"",
            g.noun()
        ));
    };
    for l in &f.literals {
        let key = l.split_once('=').map_or(l.as_str(), |(k, _)| k);
        match e
            .literals
            .iter_mut()
            .find(|x| x.split_once('=').map_or(x.as_str(), |(k, _)| k) == key)
        {
            Some(slot) => *slot = l.clone(),
            None => e.literals.push(l.clone()),
        }
    }
    if !f.new_namespace.is_empty() {
        e.namespace = f.new_namespace.clone();
    }
    Ok(())
}

/// `remove configmap|secret NAME[,NAME] [--namespace]`.
fn remove_generator(
    k: &mut Kustomization,
    g: Gen,
    args: &[String],
    ns: &str,
) -> std::result::Result<(), String> {
    if args.is_empty() {
        return Err(format!("at least one {} name must be specified", g.noun()));
    }
    if args.len() > 1 {
        return Err(format!(
            "{} names must be comma-separated, with no spaces",
            g.noun()
        ));
    }
    let names: Vec<&str> = args[0].split(',').collect();
    let list = g.field(k);
    let before = list.len();
    list.retain(|a| !(names.contains(&a.name.as_str()) && a.namespace == ns));
    if list.len() == before {
        return Err(format!(
            "no {} with name(s) {} found in kustomization file",
            g.noun(),
            names.join(",")
        ));
    }
    Ok(())
}

/// `edit fix`: what kustomize's `FixKustomization` and `fix` do to legacy fields.
fn fix(k: &mut Kustomization, vars: bool) -> std::result::Result<(), String> {
    read_as_kustomize(k);
    for p in std::mem::take(&mut k.patches_strategic_merge) {
        // An entry is a file unless it holds YAML itself (a line break or a mapping).
        let inline = p.contains('\n') || p.contains(": ");
        k.patches.push(Patch {
            path: if inline { String::new() } else { p.clone() },
            patch: if inline { p } else { String::new() },
            ..Patch::default()
        });
    }
    k.patches.append(&mut k.patches_json6902);
    if let Some(labels) = k.common_labels.take()
        && !labels.is_empty()
    {
        k.labels.push(Label {
            pairs: labels,
            include_selectors: true,
            ..Label::default()
        });
    }
    if vars && !k.vars.is_empty() {
        return Err(
            "fix --vars: converting vars to replacements needs the resources that use them, which this editor does not read yet; convert the vars by hand"
                .into(),
        );
    }
    Ok(())
}
/// Parses `set image` arguments as kustomize does; a later argument for the same name wins.
pub fn parse_image_args(args: &[String]) -> std::result::Result<Vec<Image>, String> {
    if args.is_empty() {
        return Err("no image specified".into());
    }
    let mut out: Vec<Image> = Vec::new();
    for a in args {
        let img = parse_image_arg(a)?;
        match out.iter_mut().find(|i| i.name == img.name) {
            Some(slot) => *slot = img,
            None => out.push(img),
        }
    }
    Ok(out)
}

/// Parses one `set image` argument.
pub fn parse_image_arg(arg: &str) -> std::result::Result<Image, String> {
    let invalid = || {
        format!(
            "invalid format of image {arg:?}, use one of the following options:\n\
             - <image>=<newimage>:<newtag>\n- <image>=<newimage>@<digest>\n- <image>=<newimage>\n\
             - <image>:<newtag>\n- <image>@<digest>"
        )
    };
    let parts: Vec<&str> = arg.split('=').collect();
    let img = if parts.len() == 2 {
        let (name, tag, digest) = parse_overwrite(parts[1], true).ok_or_else(invalid)?;
        Image {
            name: parts[0].to_string(),
            new_name: name,
            new_tag: tag,
            digest,
            ..Image::default()
        }
    } else {
        let (name, tag, digest) = parse_overwrite(arg, false).ok_or_else(invalid)?;
        Image {
            name,
            new_tag: tag,
            digest,
            ..Image::default()
        }
    };
    if img.name.is_empty() {
        return Err(invalid());
    }
    Ok(img)
}

/// Splits `image@digest`, `image:tag` or (when `bare_ok`) `image` into its parts.
fn parse_overwrite(arg: &str, bare_ok: bool) -> Option<(String, String, String)> {
    let at: Vec<&str> = arg.split('@').collect();
    if at.len() > 1 {
        // `name:tag@digest` pins both; a colon before a `/` is a registry port, not a tag.
        if let Some((name, tag)) = at[0].rsplit_once(':')
            && is_tag(tag)
        {
            return Some((name.to_string(), tag.to_string(), at[1].to_string()));
        }
        return Some((at[0].to_string(), String::new(), at[1].to_string()));
    }
    if let Some(colon) = arg.rfind(':') {
        let tag = &arg[colon + 1..];
        if is_tag(tag) {
            return Some((arg[..colon].to_string(), tag.to_string(), String::new()));
        }
    }
    if bare_ok && !arg.is_empty() {
        return Some((arg.to_string(), String::new(), String::new()));
    }
    None
}

/// A tag as `set image` accepts it: `*`, or letters, digits, `.`, `_` and `-`.
fn is_tag(tag: &str) -> bool {
    tag == "*"
        || tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Returns true for an RFC 1123 label, as Kubernetes requires of namespace names.
fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

    /// The header every edit leaves (kustomize adds it to a file without one).
    const H: &str = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

    /// Edits a file that has the header; returns the text without it.
    fn edit(text: &str, op: EditOp) -> String {
        match edit_text(&format!("{H}{text}"), &op) {
            Ok((t, _)) => t.strip_prefix(H).map(str::to_string).unwrap_or(t),
            Err(e) => panic!("edit failed: {e}"),
        }
    }

    #[test]
    fn image_args_follow_kustomize_syntax() {
        let p = |a: &str| parse_image_arg(a).map(|i| (i.name, i.new_name, i.new_tag, i.digest));
        let s = |x: &str| x.to_string();
        assert_eq!(
            p("postgres=eu.gcr.io/p/postgres:latest"),
            Ok((s("postgres"), s("eu.gcr.io/p/postgres"), s("latest"), s("")))
        );
        assert_eq!(
            p(&format!("my-app=reg/my-app@{DIGEST}")),
            Ok((s("my-app"), s("reg/my-app"), s(""), s(DIGEST)))
        );
        assert_eq!(
            p("mysql=mariadb"),
            Ok((s("mysql"), s("mariadb"), s(""), s("")))
        );
        assert_eq!(p("node:8.15.0"), Ok((s("node"), s(""), s("8.15.0"), s(""))));
        assert_eq!(
            p(&format!("alpine@{DIGEST}")),
            Ok((s("alpine"), s(""), s(""), s(DIGEST)))
        );
        assert_eq!(
            p("localhost:5000/app:v1"),
            Ok((s("localhost:5000/app"), s(""), s("v1"), s("")))
        );
        // Found by the Argo CD contract: a tag and a digest together.
        assert_eq!(
            p(&format!("c:1.0@{DIGEST}")),
            Ok((s("c"), s(""), s("1.0"), s(DIGEST)))
        );
        assert_eq!(
            p(&format!("a=reg:5000/a:1.27@{DIGEST}")),
            Ok((s("a"), s("reg:5000/a"), s("1.27"), s(DIGEST)))
        );
        assert_eq!(
            p(&format!("localhost:5000/app@{DIGEST}")),
            Ok((s("localhost:5000/app"), s(""), s(""), s(DIGEST)))
        );
        assert!(p("alpine").is_err());
        assert!(p("localhost:5000/app").is_err());
        assert!(p("a=b=c").is_err());
    }

    #[test]
    fn set_image_updates_in_place_and_keeps_comments() {
        let k = "# Central dashboard\nresources:\n- deployment.yaml # the app\nimages:\n# pinned by CI\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  newTag: v0.6.0 # release\n- name: busybox\n  newTag: \"1.31\"\nnamespace: kubeflow\n";
        let out = edit(
            k,
            EditOp::SetImage(vec![format!(
                "gcr.io/kubeflow-images-public/centraldashboard@{DIGEST}"
            )]),
        );
        // kustomize keeps `images` sorted by name; the comments travel with their entries.
        let want = format!(
            "# Central dashboard\nresources:\n- deployment.yaml # the app\nimages:\n# pinned by CI\n- name: busybox\n  newTag: \"1.31\"\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  digest: {DIGEST}\nnamespace: kubeflow\n"
        );
        assert_eq!(out, want);
    }

    #[test]
    fn set_image_replaces_values_and_appends_new_entries() {
        let k = "images:\n  - name: a\n    newName: x # keep me\n    newTag: v1\nresources:\n  - r.yaml\n";
        let out = edit(
            k,
            EditOp::SetImage(vec!["a=y:v2".into(), "c:3".into(), "b=z".into()]),
        );
        assert_eq!(
            out,
            "images:\n  - name: a\n    newName: \"y\" # keep me\n    newTag: v2\n  - name: b\n    newName: z\n  - name: c\n    newTag: \"3\"\nresources:\n  - r.yaml\n"
        );
    }

    #[test]
    fn a_file_without_api_version_and_kind_gets_them() {
        let Ok((out, _)) = edit_text(
            "# mine\nresources:\n- a.yaml\n",
            &EditOp::SetNamePrefix("p-".into()),
        ) else {
            panic!("edit failed")
        };
        assert_eq!(
            out,
            format!("# mine\n{H}resources:\n- a.yaml\nnamePrefix: p-\n")
        );
    }

    #[test]
    fn set_image_star_keeps_existing_parts() {
        let k = "images:\n- name: a\n  newName: x\n  newTag: v1\n";
        let out = edit(k, EditOp::SetImage(vec!["a=*:v2".into()]));
        assert_eq!(out, "images:\n- name: a\n  newName: x\n  newTag: v2\n");
    }

    #[test]
    fn set_image_creates_the_field() {
        let k = "resources:\n- a.yaml\n\n# trailing comment\n";
        let out = edit(k, EditOp::SetImage(vec!["nginx:1.17".into()]));
        assert_eq!(
            out,
            "resources:\n- a.yaml\nimages:\n- name: nginx\n  newTag: \"1.17\"\n\n# trailing comment\n"
        );
        let out = edit("images: []\n", EditOp::SetImage(vec!["nginx:v1".into()]));
        assert_eq!(out, "images:\n- name: nginx\n  newTag: v1\n");
    }

    #[test]
    fn set_scalars() {
        let k = "namespace: old # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\n";
        let out = edit(k, EditOp::SetNamespace("kubeflow-ci".into()));
        assert_eq!(
            out,
            "namespace: kubeflow-ci # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\n"
        );
        let out = edit(k, EditOp::SetNameSuffix("-s".into()));
        assert_eq!(
            out,
            "namespace: old # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\nnameSuffix: \"-s\"\n"
        );
        let out = edit(k, EditOp::SetNamePrefix("q-".into()));
        assert_eq!(
            out,
            "namespace: old # ns\nnamePrefix: q-\nresources:\n- a.yaml\n"
        );
        assert!(edit_text(k, &EditOp::SetNamespace("Not_Valid".into())).is_err());
    }

    #[test]
    fn add_resource_and_component() {
        let k = "resources:\n- a.yaml # A\n# - b.yaml\nnamespace: x\n";
        let (out, notes) = match edit_text(
            &format!("{H}{k}"),
            &EditOp::AddResource(vec!["a.yaml".into(), "c.yaml".into()]),
        ) {
            Ok((t, n)) => (t.replacen(H, "", 1), n),
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            out,
            "resources:\n- a.yaml # A\n- c.yaml\n# - b.yaml\nnamespace: x\n"
        );
        assert_eq!(notes.len(), 1);
        let out = edit(k, EditOp::AddComponent(vec!["../c".into()]));
        assert_eq!(
            out,
            "resources:\n- a.yaml # A\n# - b.yaml\nnamespace: x\ncomponents:\n- ../c\n"
        );
        let out = edit(
            "resources: [a.yaml]\n",
            EditOp::AddResource(vec!["b.yaml".into()]),
        );
        assert_eq!(out, "resources: [a.yaml, b.yaml]\n");
    }

    #[test]
    fn every_kind_of_edit_keeps_the_comments_it_does_not_touch() {
        let k = format!(
            "{H}# why these resources\nresources:\n- a.yaml # first\n# b is optional\n- b.yaml\ncommonLabels:\n  team: x # owner\nreplicas:\n- name: web # the front end\n  count: 1\n"
        );
        let ops = [
            EditOp::AddPaths(PathList::Resources, vec!["c.yaml".into()]),
            EditOp::RemovePaths(PathList::Resources, vec!["a.yaml".into()]),
            EditOp::AddMeta {
                kind: Meta::Label,
                pairs: vec!["env:prod".into()],
                force: false,
                without_selector: false,
                include_templates: false,
            },
            EditOp::SetReplicas(vec!["web=3".into(), "api=2".into()]),
            EditOp::AddBuildMetadata(vec!["originAnnotations".into()]),
        ];
        let mut text = k;
        for op in &ops {
            text = match edit_text(&text, op) {
                Ok((t, _)) => t,
                Err(e) => panic!("{op:?}: {e}"),
            };
        }
        assert_eq!(
            text,
            format!(
                "{H}# why these resources\nresources:\n# b is optional\n- b.yaml\n- c.yaml\ncommonLabels:\n  team: x # owner\n  env: prod\nreplicas:\n- name: api\n  count: 2\n- name: web # the front end\n  count: 3\nbuildMetadata:\n- originAnnotations\n"
            )
        );
    }

    /// The fuzz target's property over every kind of edit and a spread of layouts: an
    /// edit gives a file that reads as intended (checked inside) and the same edit again
    /// changes nothing or is refused.
    #[test]
    fn edits_are_idempotent_across_layouts() {
        let texts = [
            "",
            "# only a comment\n",
            "resources: [a.yaml, b.yaml] # flow\n",
            "resources:\n  - a.yaml\n  - b.yaml\ncommonLabels: {a: b}\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1\r\nkind: Kustomization\r\nresources:\r\n- a.yaml\r\n",
            "\"namePrefix\": 'p-'\nimages:\n- name: x\n  newTag: \"1\"\n  # a comment inside\n  newName: y\n",
            "labels:\n- pairs:\n    a: b\n  includeSelectors: true\nreplicas:\n- {name: w, count: 2}\n",
            "configMapGenerator:\n- name: cm\n  literals:\n  - a=b # lit\n",
            "patches:\n- path: p.yaml\n  target:\n    kind: Deployment\nbuildMetadata: [managedByLabel]\n",
        ];
        let flags = GenFlags {
            literals: vec!["k=v".into()],
            ..GenFlags::default()
        };
        let ops = [
            EditOp::SetImage(vec!["x=z:2".into(), format!("c:1@{DIGEST}")]),
            EditOp::SetNamespace("ns".into()),
            EditOp::SetNamePrefix("q-".into()),
            EditOp::AddPaths(PathList::Resources, vec!["c.yaml".into()]),
            EditOp::RemovePaths(PathList::Resources, vec!["a*".into()]),
            EditOp::SetReplicas(vec!["w=5".into()]),
            EditOp::AddMeta {
                kind: Meta::Label,
                pairs: vec!["k:v".into()],
                force: true,
                without_selector: true,
                include_templates: false,
            },
            EditOp::SetMeta(Meta::Annotation, vec!["n:1".into()]),
            EditOp::RemoveMeta {
                kind: Meta::Label,
                keys: vec!["a".into()],
                ignore_missing: true,
            },
            EditOp::SetBuildMetadata(vec!["originAnnotations".into()]),
            EditOp::AddPatch(PatchFlags {
                path: "q.yaml".into(),
                ..PatchFlags::default()
            }),
            EditOp::AddGenerator(Gen::ConfigMap, vec!["cm".into()], flags.clone()),
            EditOp::SetGenerator(Gen::ConfigMap, vec!["cm".into()], flags),
            EditOp::Fix { vars: false },
        ];
        let mut edited = 0;
        for t in texts {
            for op in &ops {
                let Ok((once, _)) = edit_text(t, op) else {
                    continue;
                };
                edited += 1;
                if let Ok((twice, _)) = edit_text(&once, op) {
                    assert_eq!(twice, once, "{op:?} on {t:?}");
                }
            }
        }
        assert!(edited > 100, "only {edited} edits applied");
    }

    /// Found by fuzz/edit_text: a file with a lone CR became CRLF-terminated by the line
    /// the edit added, and the same edit again rewrote every line end.
    #[test]
    fn edits_of_mixed_line_ends_are_idempotent() {
        for k in ["#\r", "namespace: a\r\nresources:\n- a.yaml\n"] {
            let op = EditOp::SetNameSuffix("-s".into());
            let once = edit(k, op.clone());
            assert_eq!(edit(&once, op), once, "{k:?}");
        }
    }

    #[test]
    fn unfaithful_edits_are_refused() {
        // A repeated key: kustomize reads the last, the line editor would change the first.
        let k = "namespace: a\nnamespace: b\n";
        assert!(edit_text(k, &EditOp::SetNamespace("c".into())).is_err());
        assert!(edit_text("resourcez: []\n", &EditOp::SetNamespace("a".into())).is_err());
    }
}

//! Finds and reads kustomization roots and the files they name, through [`Fs`] only.
//!
//! The loader enforces kustomize's load restrictions (files must stay under the root of
//! the kustomization naming them, after symlinks are resolved), finds the kustomization
//! file, refuses remote targets, and turns resource files into [`Resource`]s.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::fs::{Fs, Kind, MAX_FILE_BYTES};
use crate::kustomization::{FILE_NAMES, Kustomization};
use crate::resource::Resource;
use crate::yaml::{AliasBudget, Node, parse_documents, parse_documents_in};

/// kustomize's `--load-restrictor`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoadRestrictor {
    /// Files must be in or below the kustomization root (the default).
    #[default]
    RootOnly,
    /// Any file may be read.
    None,
}

impl LoadRestrictor {
    /// Parses the flag value.
    pub fn parse(s: &str) -> Option<LoadRestrictor> {
        match s {
            "LoadRestrictionsRootOnly" | "rootOnly" => Some(LoadRestrictor::RootOnly),
            "LoadRestrictionsNone" | "none" => Some(LoadRestrictor::None),
            _ => None,
        }
    }
}

/// The environment variables a caller hands to a build (the library reads none): where an
/// env file's line names a key without `=`, kustomize takes the value from here.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env(Arc<BTreeMap<String, String>>);

impl Env {
    /// Wraps the variables.
    pub fn new(vars: BTreeMap<String, String>) -> Env {
        Env(Arc::new(vars))
    }

    /// The value of a variable, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Every variable, in name order (what an exec function inherits).
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl std::fmt::Debug for Env {
    // Values may be secrets: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Env({} variables)", self.0.len())
    }
}

/// What a loaded resource must carry to be accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Naming {
    /// kustomize's rule: a `kind` and a `metadata.name` (a `generateName` is not one).
    #[default]
    Required,
    /// kfctl's rule, for app builds: a `metadata.generateName` stands in for the name,
    /// which name-gen fills in once the application is built.
    GenerateName,
}

/// Returns the identity field `node` lacks (`kind`, then `metadata.name`), if any:
/// kustomize refuses such an object wherever it enters or leaves a step.
pub fn missing_identity(node: &Node, naming: Naming) -> Option<&'static str> {
    let present = |path: &[&str]| {
        node.get_path(path)
            .is_some_and(|n| !n.is_null() && n.as_str().is_some_and(|s| !s.is_empty()))
    };
    if !present(&["kind"]) {
        return Some("kind");
    }
    let named = present(&["metadata", "name"])
        || (naming == Naming::GenerateName && present(&["metadata", "generateName"]));
    (!named).then_some("metadata.name")
}

/// Refuses the first resource that lacks its kind or name; `path` is the file that
/// brought them and `after` the step they came out of, for the message.
pub fn check_identities<'r>(
    resources: impl IntoIterator<Item = &'r Resource>,
    naming: Naming,
    path: &Path,
    after: Option<&str>,
) -> Result<()> {
    for r in resources {
        if let Some(field) = missing_identity(&r.node, naming) {
            return Err(Error::Incomplete {
                path: path.to_path_buf(),
                field,
                id: r.id(),
                after: after.map(str::to_string),
            });
        }
    }
    Ok(())
}

/// What KRM functions a build may run: `kustomize build`'s function flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionOptions {
    /// `--enable-alpha-plugins`: functions other than wasm plugins may load at all.
    pub enable_alpha_plugins: bool,
    /// `--enable-exec`: exec functions may run (with `--enable-alpha-plugins`).
    pub enable_exec: bool,
    /// `-e`/`--env`: `KEY=VALUE` sets a variable for functions; a bare `KEY` passes the
    /// caller's value (which exec functions inherit anyway).
    pub env: Vec<String>,
}

/// Reads files for a build.
pub struct Loader<'f> {
    fs: &'f dyn Fs,
    restrictor: LoadRestrictor,
    naming: Naming,
    /// Canonical forms of the directories seen so far: a file's canonical path is then
    /// its directory's plus its name, after one check that the name is no symlink
    /// (where resolving the whole path anew costs a system call per component).
    dirs: Mutex<HashMap<PathBuf, PathBuf>>,
    /// What YAML aliases may still expand to in this build's files.
    aliases: AliasBudget,
    env: Env,
    functions: FunctionOptions,
}

/// A kustomization root: its directory and the loader, for reading files relative to it.
#[derive(Clone, Copy)]
pub struct Root<'a> {
    /// The loader.
    pub loader: &'a Loader<'a>,
    /// The root directory (canonical).
    pub dir: &'a Path,
    /// The kustomization file in it, for messages.
    pub file: &'a Path,
}

impl<'f> Loader<'f> {
    /// Creates a loader over a file system.
    pub fn new(fs: &'f dyn Fs, restrictor: LoadRestrictor) -> Loader<'f> {
        Loader {
            fs,
            restrictor,
            naming: Naming::Required,
            dirs: Mutex::new(HashMap::new()),
            aliases: AliasBudget::default(),
            env: Env::default(),
            functions: Default::default(),
        }
    }

    /// The same loader, with a tighter bound on what YAML aliases may expand to in all of
    /// the build's files together than [`crate::yaml::MAX_ALIAS_NODES_PER_BUILD`].
    pub fn with_alias_budget(mut self, nodes: usize) -> Loader<'f> {
        self.aliases = AliasBudget::new(nodes.min(crate::yaml::MAX_ALIAS_NODES_PER_BUILD));
        self
    }

    /// The same loader, with the environment env files may read.
    pub fn with_env(mut self, env: Env) -> Loader<'f> {
        self.env = env;
        self
    }

    /// The environment the caller handed over.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The same loader, with what KRM functions may run.
    pub fn with_functions(mut self, functions: FunctionOptions) -> Loader<'f> {
        self.functions = functions;
        self
    }

    /// What KRM functions may run (`build --enable-alpha-plugins --enable-exec`).
    pub fn functions(&self) -> &FunctionOptions {
        &self.functions
    }

    /// Sets what resources must carry to load (kustomize's rule by default).
    pub fn with_naming(mut self, naming: Naming) -> Loader<'f> {
        self.naming = naming;
        self
    }

    /// Returns what resources must carry to load.
    pub fn naming(&self) -> Naming {
        self.naming
    }

    /// Resolves symlinks and `..` as [`Fs::canonicalize`] does, reusing the canonical
    /// forms of directories already resolved.
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        if let (Some(Component::Normal(name)), Some(parent)) =
            (path.components().next_back(), path.parent())
            && !parent.as_os_str().is_empty()
        {
            // Any doubt (a parent only a virtual file system knows, a missing file) goes
            // to the file system's own answer, errors included.
            if let Ok(dir) = self.canonical_parent(parent) {
                let candidate = dir.join(name);
                if let Ok(false) = self.fs.is_symlink(&candidate) {
                    return Ok(candidate);
                }
            }
        }
        self.fs.canonicalize(path)
    }

    fn canonical_parent(&self, dir: &Path) -> std::io::Result<PathBuf> {
        let known = |d: &Path| match self.dirs.lock() {
            Ok(m) => m.get(d).cloned(),
            Err(p) => p.into_inner().get(d).cloned(),
        };
        if let Some(c) = known(dir) {
            return Ok(c);
        }
        let c = self.canonicalize(dir)?;
        match self.dirs.lock() {
            Ok(mut m) => m.insert(dir.to_path_buf(), c.clone()),
            Err(p) => p.into_inner().insert(dir.to_path_buf(), c.clone()),
        };
        Ok(c)
    }

    /// Returns the file system.
    pub fn fs(&self) -> &'f dyn Fs {
        self.fs
    }

    /// Returns the canonical form of a directory given on the command line.
    pub fn canonical_dir(&self, dir: &Path) -> Result<PathBuf> {
        let c = self.canonicalize(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            source: e,
        })?;
        if self.fs.kind(&c) != Some(Kind::Dir) {
            return Err(Error::config(dir, "not a directory"));
        }
        Ok(c)
    }

    /// Finds the kustomization file in `dir`. More than one is an error; none is `Ok(None)`.
    /// Under `RootOnly` the load restriction applies to the kustomization file too: a
    /// symlink to a file outside `dir` does not count (as in kustomize), and when it is the
    /// only candidate the error says so, before a byte of it is read.
    pub fn kustomization_file(&self, dir: &Path) -> Result<Option<PathBuf>> {
        let mut restricted: Option<(PathBuf, PathBuf)> = None;
        let found: Vec<PathBuf> = FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| self.fs.kind(p) == Some(Kind::File))
            .filter(|p| match self.escaping(dir, p) {
                Some(escape) => {
                    restricted.get_or_insert(escape);
                    false
                }
                None => true,
            })
            .collect();
        match found.len() {
            0 => match restricted {
                Some((path, root)) => Err(Error::Restricted { path, root }),
                None => Ok(None),
            },
            1 => Ok(found.into_iter().next()),
            _ => Err(Error::config(
                dir,
                format!(
                    "found multiple kustomization files: {}",
                    found
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Under `RootOnly`, returns the canonical path of `file` and of `dir` when the file
    /// resolves outside the directory.
    fn escaping(&self, dir: &Path, file: &Path) -> Option<(PathBuf, PathBuf)> {
        if self.restrictor != LoadRestrictor::RootOnly {
            return None;
        }
        // A path that cannot be resolved is left to the read, which reports it.
        let root = self.canonicalize(dir).ok()?;
        let canon = self.canonicalize(file).ok()?;
        (!canon.starts_with(&root)).then_some((canon, root))
    }

    /// Reads and parses the kustomization in `dir` (legacy fields folded in).
    pub fn kustomization(&self, dir: &Path) -> Result<(PathBuf, Kustomization)> {
        let Some(file) = self.kustomization_file(dir)? else {
            return Err(Error::config(
                dir,
                format!(
                    "unable to find one of {} in directory",
                    FILE_NAMES
                        .iter()
                        .map(|n| format!("'{n}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let text = self.read_text(&file)?;
        // kustomize warns on stderr for each deprecated field, as it loads each file:
        // the parse notes them in `deprecations`.
        let mut k = Kustomization::parse(&text).map_err(|m| Error::config(&file, m))?;
        k.fix_legacy();
        Ok((file, k))
    }

    /// Reads a whole file, refusing files over [`MAX_FILE_BYTES`].
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>> {
        let io = |e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let size = self.fs.size(path).map_err(io)?;
        if size > MAX_FILE_BYTES {
            return Err(Error::TooLarge {
                path: path.to_path_buf(),
                size,
                limit: MAX_FILE_BYTES,
            });
        }
        self.fs.read(path).map_err(io)
    }

    /// Reads a UTF-8 text file.
    pub fn read_text(&self, path: &Path) -> Result<String> {
        let bytes = self.read_bytes(path)?;
        String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })
    }

    /// Resolves `rel` against `root` to a canonical path, enforcing the load restrictor.
    pub fn resolve(&self, root: &Path, rel: &str) -> Result<PathBuf> {
        let joined = root.join(rel);
        let canon = self.canonicalize(&joined).map_err(|e| Error::Io {
            path: joined.clone(),
            source: e,
        })?;
        if self.restrictor == LoadRestrictor::RootOnly && !canon.starts_with(root) {
            return Err(Error::Restricted {
                path: canon,
                root: root.to_path_buf(),
            });
        }
        Ok(canon)
    }

    /// Resolves a directory (a base or component); directories are not restricted to the
    /// root, as in kustomize, since overlays name `../base`.
    pub fn resolve_dir(&self, root: &Path, rel: &str) -> Result<PathBuf> {
        let joined = root.join(rel);
        self.canonicalize(&joined).map_err(|e| Error::Io {
            path: joined,
            source: e,
        })
    }

    /// Returns what `path` names.
    pub fn kind(&self, path: &Path) -> Option<Kind> {
        self.fs.kind(path)
    }

    /// Reads a resource file: every non-empty document, with `List` kinds flattened; each
    /// must have a kind and a name.
    pub fn resources_from_file(&self, path: &Path) -> Result<Vec<Resource>> {
        let text = self.read_text(path)?;
        let resources = resources_from_docs(self.parse_yaml(&text, path)?, path)?;
        check_identities(&resources, self.naming, path, None)?;
        Ok(resources)
    }

    /// What YAML aliases may still expand to in this build's files, for the readers
    /// outside this module (JSON 6902 patches in YAML).
    pub fn alias_budget(&self) -> &AliasBudget {
        &self.aliases
    }

    /// Parses a file of this build's, its aliases counted against the build's budget.
    pub fn parse_yaml(&self, text: &str, path: &Path) -> Result<Vec<Node>> {
        parse_documents_in(text, &self.aliases).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            source: e,
        })
    }
}

impl Root<'_> {
    /// Reads a file named relative to this root, under the load restrictor.
    pub fn read_text(&self, rel: &str) -> Result<String> {
        let p = self.loader.resolve(self.dir, rel)?;
        self.loader.read_text(&p)
    }

    /// Reads raw bytes of a file named relative to this root, under the load restrictor.
    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        let p = self.loader.resolve(self.dir, rel)?;
        self.loader.read_bytes(&p)
    }

    /// Resolves a file name relative to this root, under the load restrictor.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf> {
        self.loader.resolve(self.dir, rel)
    }
}

/// Parses resources from YAML or JSON text; `path` names the source in errors.
pub fn resources_from_text(text: &str, path: &Path) -> Result<Vec<Resource>> {
    let docs = parse_documents(text).map_err(|e| Error::Yaml {
        path: path.to_path_buf(),
        source: e,
    })?;
    resources_from_docs(docs, path)
}

/// Resources from parsed documents (empty ones dropped, `List` kinds flattened); `path`
/// names the source in errors.
pub fn resources_from_docs(docs: Vec<Node>, path: &Path) -> Result<Vec<Resource>> {
    let mut out = Vec::new();
    for doc in docs {
        push_resource(doc, path, &mut out)?;
    }
    Ok(out)
}

fn push_resource(doc: Node, path: &Path, out: &mut Vec<Resource>) -> Result<()> {
    match doc {
        Node::Scalar(_) if doc.is_null() => Ok(()),
        Node::Map(ref m) if m.is_empty() => Ok(()),
        Node::Map(_) => {
            let kind = doc.str_at(&["kind"]).unwrap_or("").to_string();
            if kind.ends_with("List") && doc.get("items").is_some() {
                let items = match doc {
                    Node::Map(mut m) => m.shift_remove("items"),
                    _ => None,
                };
                match items {
                    Some(Node::Seq(items)) => {
                        for it in items {
                            push_resource(it, path, out)?;
                        }
                        Ok(())
                    }
                    Some(n) if n.is_null() => Ok(()),
                    _ => Err(Error::config(
                        path,
                        format!("{kind}: items must be a sequence"),
                    )),
                }
            } else {
                let mut r = Resource::new(stringify_metadata(doc));
                r.source = Some(path.display().to_string());
                out.push(r);
                Ok(())
            }
        }
        Node::Seq(items) => {
            for it in items {
                push_resource(it, path, out)?;
            }
            Ok(())
        }
        Node::Scalar(s) => Err(Error::config(
            path,
            format!(
                "a resource must be a mapping, found the scalar {:?}",
                s.value
            ),
        )),
    }
}

/// kustomize reads label and annotation values as strings whatever their spelling
/// (`port: 8080` prints as `port: "8080"`), so their tags become `Str` here, on load.
/// Annotations are rewritten by kustomize on every resource, so even a null annotation
/// value comes out as the string `"null"`; null label values stay null.
fn stringify_metadata(mut doc: Node) -> Node {
    for field in ["labels", "annotations"] {
        if let Some(Node::Map(m)) = doc.get_path_mut(&["metadata", field]) {
            for v in m.values_mut() {
                if let Node::Scalar(s) = v
                    && (field == "annotations" || !matches!(s.tag, crate::yaml::Tag::Null))
                {
                    s.tag = crate::yaml::Tag::Str;
                }
            }
        }
    }
    doc
}

/// Returns true when a `resources:` entry names something remote rather than a path.
pub fn looks_remote(target: &str) -> bool {
    target.contains("://")
        || target.starts_with("git@")
        || target.starts_with("github.com/")
        || target.starts_with("gitlab.com/")
        || target.starts_with("bitbucket.org/")
        || target.contains("?ref=")
        || target.contains(".git//")
}

/// Returns `path` relative to `base` when it is below it, else `path` unchanged; used to
/// keep build-machine paths out of messages and provenance.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    match path.strip_prefix(base) {
        Ok(p) if p.components().next().is_some() => p.to_path_buf(),
        Ok(_) => PathBuf::from("."),
        Err(_) => {
            // Walk up from base to find a common ancestor.
            let mut up = PathBuf::new();
            let mut b = base.to_path_buf();
            loop {
                if let Ok(rest) = path.strip_prefix(&b) {
                    return up.join(rest);
                }
                if !b.pop() {
                    return path.to_path_buf();
                }
                up.push(Component::ParentDir);
            }
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "the test builds a tree with symlinks on disk"
)]
mod tests {
    use super::*;
    use crate::fs::DiskFs;

    #[test]
    fn identity_needs_kind_and_name_or_generate_name_for_apps() {
        let doc = |t: &str| crate::yaml::parse_one(t).unwrap_or_default();
        let named = doc("kind: Pod\nmetadata:\n  name: p\n");
        let generated = doc("kind: Pod\nmetadata:\n  generateName: p-\n");
        let neither = doc("metadata:\n  generateName: p-\n");
        let int_name = doc("kind: Pod\nmetadata:\n  name: 12\n");
        for n in [Naming::Required, Naming::GenerateName] {
            assert_eq!(missing_identity(&named, n), None);
            assert_eq!(missing_identity(&int_name, n), None);
            assert_eq!(missing_identity(&neither, n), Some("kind"));
        }
        assert_eq!(
            missing_identity(&generated, Naming::Required),
            Some("metadata.name")
        );
        assert_eq!(missing_identity(&generated, Naming::GenerateName), None);
    }

    /// The loader's cached resolution agrees with the real `canonicalize` through file
    /// and directory symlinks, `..`, and missing paths.
    #[test]
    fn cached_canonical_paths_equal_the_real_ones() {
        let t = std::env::temp_dir().join(format!("strata-canon-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        let mk = |p: &str| std::fs::create_dir_all(t.join(p)).unwrap_or_default();
        mk("real/deep");
        mk("other");
        std::fs::write(t.join("real/deep/x.yaml"), "a: b\n").unwrap_or_default();
        std::fs::write(t.join("other/y.yaml"), "a: b\n").unwrap_or_default();
        let link = |target: &str, at: &str| {
            std::os::unix::fs::symlink(t.join(target), t.join(at)).unwrap_or_default()
        };
        link("real", "dirlink");
        link("other/y.yaml", "real/deep/ylink.yaml");
        link("real/deep", "other/deeplink");
        let loader = Loader::new(&DiskFs, LoadRestrictor::None);
        for p in [
            "real/deep/x.yaml",
            "dirlink/deep/x.yaml",
            "real/deep/ylink.yaml",
            "dirlink/deep/ylink.yaml",
            "other/deeplink/x.yaml",
            "other/deeplink/../y.yaml",
            "real/deep/../deep/x.yaml",
            "real/deep/missing.yaml",
            "real/deep/x.yaml/nothing",
            "other/deeplink",
        ] {
            let path = t.join(p);
            // Twice: the second time the directories come from the cache.
            for _ in 0..2 {
                let ours = loader.canonicalize(&path).map_err(|e| e.kind());
                let real = std::fs::canonicalize(&path).map_err(|e| e.kind());
                assert_eq!(ours, real, "{p}");
            }
        }
        let _ = std::fs::remove_dir_all(&t);
    }
}

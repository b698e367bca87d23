//! Patches: kustomize's PatchStrategicMergeTransformer (`patchesStrategicMerge:`),
//! PatchTransformer (`patches:`) and PatchJson6902Transformer (`patchesJson6902:`).
//!
//! Each is configured once (files read and parsed, so a malformed patch fails before any
//! resource is touched, naming its file) and then applied in kustomize's order by the
//! transformer table in `builtins`. The merge itself is in [`strategic_merge`], JSON
//! 6902 in [`json6902`], target selection in [`target`].

pub mod json6902;
pub mod strategic_merge;

use std::path::{Path, PathBuf};

use json_patch::Patch as JsonPatch;

use crate::error::{Error, Result};
use crate::kustomization::{Patch, Selector};
use crate::loader::{Root, resources_from_docs};
use crate::resource::{ResId, ResMap, Resource};
use crate::schema::merge::Schema;
use crate::transform::{Context, Transformer};
use crate::yaml::Node;

pub use crate::kustomization::config_fields;
pub use crate::resource::selector::{self as target, Target};
pub use crate::resource::stringify_annotations;

/// Where a patch came from, for messages: the kustomization (or plugin config) and the
/// patch file or "inline".
#[derive(Clone, Debug)]
struct Origin {
    file: PathBuf,
    what: String,
}

impl Origin {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::transform(&self.file, &self.what, msg)
    }
    fn err_on(&self, id: ResId, msg: impl Into<String>) -> Error {
        Error::Transform {
            path: self.file.clone(),
            what: self.what.clone(),
            resource: Some(id),
            msg: msg.into(),
        }
    }
}

/// Parses a patch's text once, its aliases counted against the build's budget.
fn patch_docs(root: &Root<'_>, text: &str, source: &Path) -> Result<Vec<Node>> {
    root.loader.parse_yaml(text, source)
}

/// Strategic-merge patches from a patch's documents (empty documents dropped).
fn sm_patches(docs: Vec<Node>, source: &Path) -> Result<Vec<Resource>> {
    if docs.iter().any(|d| !d.is_null() && d.as_map().is_none()) {
        // Lists and other shapes: the resource loader's rules (flattening, errors).
        return resources_from_docs(docs, source);
    }
    let mut out = Vec::new();
    for d in docs {
        match d {
            Node::Map(ref m) if m.is_empty() => {}
            Node::Map(_) => {
                let mut node = d;
                stringify_annotations(&mut node);
                let mut r = Resource::new(node);
                r.source = Some(source.display().to_string());
                out.push(r);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Returns the documents as strategic-merge patches if they read as such (every
/// document a mapping, at least one).
fn as_sm(docs: Vec<Node>, source: &Path) -> Option<Vec<Resource>> {
    let real: Vec<&Node> = docs.iter().filter(|d| !d.is_null()).collect();
    if real.is_empty() || real.iter().any(|d| d.as_map().is_none()) {
        return None;
    }
    sm_patches(docs, source).ok().filter(|v| !v.is_empty())
}

/// Applies one strategic-merge patch to the resource at `i`; returns false when the
/// patch deleted it. `retarget` gives the patch the resource's apiVersion and kind
/// (kustomize's `ResMap.ApplySmPatch`).
fn apply_sm_at(
    schema: &Schema,
    resources: &mut ResMap,
    i: usize,
    patch: &Resource,
    opts: PatchOptions,
    retarget: bool,
    origin: &Origin,
) -> Result<bool> {
    let Some(res) = resources.at_mut(i) else {
        return Ok(true);
    };
    let (name, ns, kind) = (
        res.name().to_string(),
        res.namespace().to_string(),
        res.kind().to_string(),
    );
    let mut p = patch.node.clone();
    if retarget && let Node::Map(m) = &mut p {
        m.insert("apiVersion".into(), Node::str(res.api_version()));
        if !m.contains_key("kind") {
            m.insert("kind".into(), Node::str(""));
        }
    }
    if opts.allow_name_change || opts.allow_kind_change {
        res.remember_id();
    }
    let id = res.id();
    let merged =
        // The node moves into the merge; on failure the build stops, so nothing reads the
        // emptied resource.
        strategic_merge::merge(std::mem::take(&mut res.node), p, schema)
            .map_err(|m| origin.err_on(id, m))?;
    let Some(merged) = merged.filter(|n| n.as_map().is_some_and(|m| !m.is_empty())) else {
        return Ok(false);
    };
    res.node = merged;
    // The merge writes scalars in place: one that a labels transformer shared shows the
    // patched value everywhere.
    res.reconcile_aliases();
    stringify_annotations(&mut res.node);
    if !opts.allow_kind_change
        && let Some(Node::Map(m)) = Some(&mut res.node)
    {
        m.insert("kind".into(), Node::str(kind));
    }
    if !opts.allow_name_change {
        res.set_name(&name);
    }
    if ns.is_empty() {
        if let Some(meta) = res.node.get_mut("metadata").and_then(Node::as_map_mut) {
            meta.shift_remove("namespace");
        }
    } else {
        res.set_namespace(&ns);
    }
    Ok(true)
}

/// Finds the one resource that has (or had) the patch's id.
fn unique_target(resources: &ResMap, patch: &Resource, origin: &Origin) -> Result<usize> {
    let pid = patch.id();
    let key = pid.key();
    let hits: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.all_ids().iter().any(|id| id.key() == key))
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => Err(origin.err(format!(
            "no resource matches strategic merge patch \"{pid}\": no matches for Id {pid}; failed to find unique target for patch {pid}"
        ))),
        _ => Err(origin.err(format!(
            "multiple matches for Id {pid}; failed to find unique target for patch {pid}"
        ))),
    }
}

/// `allowNameChange` / `allowKindChange`.
#[derive(Clone, Copy, Debug, Default)]
struct PatchOptions {
    allow_name_change: bool,
    allow_kind_change: bool,
}

/// The body of a `patches:` entry once loaded.
enum Body {
    Sm(Vec<Resource>),
    Json(JsonPatch, String),
}

/// kustomize's PatchTransformer: one `patches:` entry.
pub struct PatchTransformer {
    body: Body,
    target: Option<Target>,
    opts: PatchOptions,
    origin: Origin,
}

impl PatchTransformer {
    /// Loads a `patches:` entry (or a PatchTransformer config) relative to `root`.
    pub fn new(p: &Patch, root: &Root<'_>, file: &Path) -> Result<PatchTransformer> {
        let inline = p.patch.trim().to_string();
        let what = if p.path.is_empty() {
            "patches (inline patch)".to_string()
        } else {
            format!("patch {}", p.path)
        };
        let origin = Origin {
            file: file.to_path_buf(),
            what,
        };
        if inline.is_empty() && p.path.is_empty() {
            return Err(origin.err("must specify one of patch and path"));
        }
        if !inline.is_empty() && !p.path.is_empty() {
            return Err(origin.err("patch and path can't be set at the same time"));
        }
        let (text, source) = if p.path.is_empty() {
            (inline, file.to_path_buf())
        } else {
            let path = root.resolve(&p.path).map_err(|e| {
                origin.err(format!(
                    "failed to get the patch file from path({}): {e}",
                    p.path
                ))
            })?;
            (root.loader.read_text(&path)?, path)
        };
        let docs = patch_docs(root, &text, &source);
        // A patch file with nothing in it (empty, blank or comments only) is ignored.
        if !p.path.is_empty() && docs.as_ref().is_ok_and(|d| d.iter().all(Node::is_null)) {
            return Ok(PatchTransformer {
                body: Body::Sm(Vec::new()),
                target: None,
                opts: PatchOptions::default(),
                origin,
            });
        }
        // Refused for its aliases, the text is no patch of either kind: say why.
        if let Err(e @ Error::Yaml { source: y, .. }) = &docs
            && y.is_alias_bound()
        {
            return Err(origin.err(e.to_string()));
        }
        let sm = docs.ok().and_then(|d| as_sm(d, &source));
        let json = json6902::decode_in(&text, root.loader.alias_budget()).ok();
        let body = match (sm, json) {
            (Some(_), Some(_)) => {
                return Err(origin.err(format!(
                    "illegally qualifies as both an SM and JSON patch: [{text}]"
                )));
            }
            (None, None) => {
                return Err(origin.err(format!("unable to parse SM or JSON patch from [{text}]")));
            }
            (Some(s), None) => Body::Sm(s),
            (None, Some(j)) => Body::Json(j, text),
        };
        if p.target.is_some() && matches!(&body, Body::Sm(v) if v.len() > 1) {
            return Err(origin.err(format!(
                "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: [path: {:?}]",
                p.path
            )));
        }
        let target = match &p.target {
            Some(s) => Some(Target::new(s).map_err(|m| origin.err(m))?),
            None => None,
        };
        let opt = |k: &str| {
            p.options
                .as_ref()
                .and_then(|o| o.get(k))
                .copied()
                .unwrap_or(false)
        };
        Ok(PatchTransformer {
            body,
            target,
            opts: PatchOptions {
                allow_name_change: opt("allowNameChange"),
                allow_kind_change: opt("allowKindChange"),
            },
            origin,
        })
    }
}

impl Transformer for PatchTransformer {
    fn name(&self) -> &str {
        "PatchTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        match &self.body {
            Body::Sm(patches) => {
                for patch in patches {
                    match &self.target {
                        None => {
                            let i = unique_target(resources, patch, &self.origin)?;
                            if !apply_sm_at(
                                cx.schema,
                                resources,
                                i,
                                patch,
                                self.opts,
                                false,
                                &self.origin,
                            )? {
                                resources.remove_at(i);
                            }
                        }
                        Some(t) => {
                            let selected: Vec<usize> = resources
                                .iter()
                                .enumerate()
                                .filter(|(_, r)| t.matches(r))
                                .map(|(i, _)| i)
                                .collect();
                            let mut deleted = Vec::new();
                            for i in selected {
                                if !apply_sm_at(
                                    cx.schema,
                                    resources,
                                    i,
                                    patch,
                                    self.opts,
                                    true,
                                    &self.origin,
                                )? {
                                    deleted.push(i);
                                }
                            }
                            for i in deleted.into_iter().rev() {
                                resources.remove_at(i);
                            }
                        }
                    }
                    resources.fresh();
                }
                Ok(())
            }
            Body::Json(patch, text) => {
                let Some(t) = &self.target else {
                    return Err(self
                        .origin
                        .err(format!("must specify a target for patch {text}")));
                };
                apply_json(resources, t, patch, &self.origin).map(|_| ())
            }
        }
    }
}

fn apply_json(
    resources: &mut ResMap,
    t: &Target,
    patch: &JsonPatch,
    origin: &Origin,
) -> Result<usize> {
    let selected: Vec<usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| t.matches(r))
        .map(|(i, _)| i)
        .collect();
    for &i in &selected {
        if let Some(res) = resources.at_mut(i) {
            res.remember_id();
            let out = json6902::apply(&res.node, patch).map_err(|m| origin.err_on(res.id(), m))?;
            res.node = out;
            // kustomize applies the patch to a JSON copy: no node is shared any more.
            res.aliases.clear();
            stringify_annotations(&mut res.node);
        }
    }
    resources.fresh();
    Ok(selected.len())
}

impl Transformer for PatchJson6902Transformer {
    fn name(&self) -> &str {
        "PatchJson6902Transformer"
    }

    fn transform(&self, resources: &mut ResMap, _cx: &Context<'_>) -> Result<()> {
        // kustomize (v5) does not complain when nothing matches.
        apply_json(resources, &self.target, &self.patch, &self.origin)?;
        Ok(())
    }
}

/// kustomize's PatchJson6902Transformer: one `patchesJson6902:` entry.
pub struct PatchJson6902Transformer {
    patch: JsonPatch,
    target: Target,
    origin: Origin,
}

impl PatchJson6902Transformer {
    /// Loads a `patchesJson6902:` entry (`path` or inline `patch` as the jsonOp).
    pub fn new(
        target: Option<&Selector>,
        path: &str,
        json_op: &str,
        root: &Root<'_>,
        file: &Path,
    ) -> Result<PatchJson6902Transformer> {
        let what = if path.is_empty() {
            "patchesJson6902 (inline)".to_string()
        } else {
            format!("patchesJson6902 {path}")
        };
        let origin = Origin {
            file: file.to_path_buf(),
            what,
        };
        let Some(sel) = target.filter(|t| !t.name.is_empty()) else {
            return Err(origin.err("must specify the target name"));
        };
        if path.is_empty() && json_op.is_empty() {
            return Err(origin.err("empty file path and empty jsonOp"));
        }
        if !path.is_empty() && !json_op.is_empty() {
            return Err(origin.err("must specify a file path or jsonOp, not both"));
        }
        let text = if path.is_empty() {
            json_op.to_string()
        } else {
            let t = root.read_text(path)?;
            if t.is_empty() {
                return Err(origin.err(format!("patch file '{path}' empty seems to be empty")));
            }
            t
        };
        let patch = json6902::decode_in(&text, root.loader.alias_budget())
            .map_err(|m| origin.err(format!("decoding {}: {m}", text.trim_end())))?;
        if patch.is_empty() {
            return Err(origin.err(format!(
                "patch appears to be empty; file={path}, JsonOp={}",
                text.trim_end()
            )));
        }
        let t = Target::new(sel).map_err(|m| origin.err(m))?;
        Ok(PatchJson6902Transformer {
            patch,
            target: t,

            origin,
        })
    }
}

/// kustomize's PatchStrategicMergeTransformer: all `patchesStrategicMerge:` entries.
pub struct PatchStrategicMergeTransformer {
    patches: Vec<Resource>,
    origin: Origin,
}

impl PatchStrategicMergeTransformer {
    /// Loads the entries: each is inline patch YAML (legacy) or a file name.
    pub fn new(
        paths: &[String],
        inline: &str,
        root: &Root<'_>,
        file: &Path,
    ) -> Result<PatchStrategicMergeTransformer> {
        let origin = Origin {
            file: file.to_path_buf(),
            what: "patchesStrategicMerge".into(),
        };
        if paths.is_empty() && inline.is_empty() {
            return Err(origin.err("empty file path and empty patch content"));
        }
        let mut patches = Vec::new();
        for p in paths {
            if let Some(inline) = patch_docs(root, p, file).ok().and_then(|d| as_sm(d, file)) {
                patches.extend(inline);
                continue;
            }
            let path = root.resolve(p)?;
            let text = root.loader.read_text(&path)?;
            patches.extend(sm_patches(patch_docs(root, &text, &path)?, &path)?);
        }
        if !inline.is_empty() {
            patches.extend(sm_patches(patch_docs(root, inline, file)?, file)?);
        }
        if patches.is_empty() {
            return Err(origin.err(format!(
                "patch appears to be empty; files=[{}], Patch={inline}",
                paths.join(" ")
            )));
        }
        Ok(PatchStrategicMergeTransformer { patches, origin })
    }
}

impl Transformer for PatchStrategicMergeTransformer {
    fn name(&self) -> &str {
        "PatchStrategicMergeTransformer"
    }

    fn transform(&self, resources: &mut ResMap, cx: &Context<'_>) -> Result<()> {
        for patch in &self.patches {
            let mut origin = self.origin.clone();
            if let Some(src) = &patch.source {
                origin.what = format!("patchesStrategicMerge {src}");
            }
            let i = unique_target(resources, patch, &origin)?;
            if !apply_sm_at(
                cx.schema,
                resources,
                i,
                patch,
                PatchOptions::default(),
                true,
                &origin,
            )? {
                resources.remove_at(i);
            }
            resources.fresh();
        }
        Ok(())
    }
}

/// A list of configured transformers.
pub type Transformers = Vec<Box<dyn Transformer>>;

/// The patch transformers a kustomization's fields ask for, split as kustomize orders
/// them: (patchesStrategicMerge + patches, which run first; patchesJson6902, which runs
/// after annotations).
pub fn field_transformers(
    k: &crate::kustomization::Kustomization,
    root: &Root<'_>,
) -> Result<(Transformers, Transformers)> {
    let mut early: Vec<Box<dyn Transformer>> = Vec::new();
    let mut late: Vec<Box<dyn Transformer>> = Vec::new();
    if !k.patches_strategic_merge.is_empty() {
        early.push(Box::new(PatchStrategicMergeTransformer::new(
            &k.patches_strategic_merge,
            "",
            root,
            root.file,
        )?));
    }
    for p in &k.patches {
        early.push(Box::new(PatchTransformer::new(p, root, root.file)?));
    }
    for p in &k.patches_json6902 {
        late.push(Box::new(PatchJson6902Transformer::new(
            p.target.as_ref(),
            &p.path,
            &p.patch,
            root,
            root.file,
        )?));
    }
    Ok((early, late))
}

/// The `transformers:` entries this module provides (`apiVersion: builtin` with kind
/// PatchTransformer, PatchStrategicMergeTransformer or PatchJson6902Transformer); None
/// for other kinds.
pub fn transformer_from_config(
    node: &Node,
    root: &Root<'_>,
    file: &Path,
) -> Result<Option<Box<dyn Transformer>>> {
    let kind = node.str_at(&["kind"]).unwrap_or("");
    let plugin_id = ResId::of(node).to_string();
    let fail =
        |m: String| Error::config(file, format!("plugin {plugin_id} fails configuration: {m}"));
    let wrap = |e: Error| match e {
        Error::Transform { msg, .. } => fail(msg),
        other => other,
    };
    Ok(Some(match kind {
        "PatchTransformer" => {
            let p: Patch = config_fields(node).map_err(fail)?;
            Box::new(PatchTransformer::new(&p, root, file).map_err(wrap)?)
        }
        "PatchStrategicMergeTransformer" => {
            #[derive(serde::Deserialize)]
            struct C {
                #[serde(default)]
                paths: Vec<String>,
                #[serde(default)]
                patches: String,
            }
            let c: C = config_fields(node).map_err(fail)?;
            Box::new(
                PatchStrategicMergeTransformer::new(&c.paths, &c.patches, root, file)
                    .map_err(wrap)?,
            )
        }
        "PatchJson6902Transformer" => {
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct C {
                #[serde(default)]
                target: Option<Selector>,
                #[serde(default)]
                path: String,
                #[serde(default)]
                json_op: String,
            }
            let c: C = config_fields(node).map_err(fail)?;
            Box::new(
                PatchJson6902Transformer::new(c.target.as_ref(), &c.path, &c.json_op, root, file)
                    .map_err(wrap)?,
            )
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use crate::{BuildOptions, Reorder};

    /// Builds a one-directory tree and prints it (or the error).
    pub(crate) fn build(files: &[(&str, &str)]) -> String {
        let opts = BuildOptions {
            reorder: Reorder::None,
            ..Default::default()
        };
        crate::testing::build_in_memory(files, &opts).unwrap_or_else(|e| format!("error: {e}"))
    }

    const RES: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n";

    /// Patches are files of the build: what their aliases expand to counts against the
    /// build's budget (strategic-merge patches, and JSON 6902 patches written in YAML).
    #[test]
    fn patch_aliases_count_against_the_builds_budget() {
        use super::{PatchJson6902Transformer, PatchTransformer};
        use crate::fs::overlay::OverlayFs;
        use crate::kustomization::{Patch, Selector};
        use crate::loader::{LoadRestrictor, Loader, Root};
        use std::path::{Path, PathBuf};

        let inner = crate::fs::EmptyFs;
        let mut fs = OverlayFs::new(&inner);
        // Each file's aliases expand to a few nodes, far under the per-file bound.
        let sm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: &d {k: v}\nx: [*d, *d, *d]\n";
        let json = "- op: add\n  path: /x\n  value: &v [a, b]\n- op: add\n  path: /y\n  value: [*v, *v, *v]\n";
        for n in ["sm1.yaml", "sm2.yaml"] {
            fs.add_file(PathBuf::from("/t").join(n), sm.as_bytes().to_vec());
        }
        for n in ["j1.yaml", "j2.yaml"] {
            fs.add_file(PathBuf::from("/t").join(n), json.as_bytes().to_vec());
        }
        let file = Path::new("/t/kustomization.yaml");
        let sm_patch = |loader: &Loader<'_>, name: &str| {
            let root = Root {
                loader,
                dir: Path::new("/t"),
                file,
            };
            let p = Patch {
                path: name.into(),
                ..Default::default()
            };
            PatchTransformer::new(&p, &root, file)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let json_patch = |loader: &Loader<'_>, name: &str| {
            let root = Root {
                loader,
                dir: Path::new("/t"),
                file,
            };
            let target = Selector {
                name: "c".into(),
                kind: "ConfigMap".into(),
                ..Default::default()
            };
            PatchJson6902Transformer::new(Some(&target), name, "", &root, file)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        // With the default budget every patch reads.
        let roomy = Loader::new(&fs, LoadRestrictor::RootOnly);
        for n in ["sm1.yaml", "sm2.yaml"] {
            assert_eq!(sm_patch(&roomy, n), Ok(()));
        }
        for n in ["j1.yaml", "j2.yaml"] {
            assert_eq!(json_patch(&roomy, n), Ok(()));
        }
        // With room for one file's expansion, the second file of each kind is refused.
        let tight = Loader::new(&fs, LoadRestrictor::RootOnly).with_alias_budget(10);
        assert_eq!(sm_patch(&tight, "sm1.yaml"), Ok(()));
        let e = sm_patch(&tight, "sm2.yaml").unwrap_err();
        assert!(e.contains("alias"), "{e}");
        let tight = Loader::new(&fs, LoadRestrictor::RootOnly).with_alias_budget(10);
        assert_eq!(json_patch(&tight, "j1.yaml"), Ok(()));
        let e = json_patch(&tight, "j2.yaml").unwrap_err();
        assert!(e.contains("files of this build together"), "{e}");
    }

    #[test]
    fn patches_apply_in_kustomize_order() {
        let out = build(&[
            ("r.yaml", RES),
            (
                "kustomization.yaml",
                "resources: [r.yaml]\nnamePrefix: p-\npatches:\n- path: sm.yaml\n- target: {kind: Deploy.*, labelSelector: app=web}\n  patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 3}]'\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  patch: '[{\"op\": \"add\", \"path\": \"/metadata/annotations\", \"value\": {\"n\": 1}}]'\n",
            ),
            (
                "sm.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: side\n        image: s\n",
            ),
        ]);
        assert_eq!(
            out,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    \"n\": \"1\"\n  labels:\n    app: web\n  name: p-web\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - image: s\n        name: side\n      - image: nginx\n        name: c\n"
        );
    }

    #[test]
    fn malformed_patches_name_their_file() {
        let out = build(&[
            ("r.yaml", RES),
            (
                "kustomization.yaml",
                "resources: [r.yaml]\npatches:\n- path: bad.yaml\n",
            ),
            ("bad.yaml", "just a string\n"),
        ]);
        assert!(
            out.starts_with("error:") && out.contains("bad.yaml"),
            "{out}"
        );
        let out = build(&[
            ("r.yaml", RES),
            (
                "kustomization.yaml",
                "resources: [r.yaml]\npatches:\n- path: j.yaml\n  target: {kind: Deployment}\n",
            ),
            ("j.yaml", "- op: remove\n  path: /spec/nothere\n"),
        ]);
        assert!(
            out.contains("j.yaml") && out.contains("/spec/nothere"),
            "{out}"
        );
    }

    #[test]
    fn replacements_and_vars() {
        let out = build(&[
            (
                "r.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  image: nginx:2\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\nspec:\n  containers:\n  - name: c\n    image: old\n    args: [\"--cfg=$(CFG)\"]\n",
            ),
            (
                "kustomization.yaml",
                "resources: [r.yaml]\nreplacements:\n- source: {kind: ConfigMap, name: cfg, fieldPath: data.image}\n  targets:\n  - select: {kind: Pod}\n    fieldPaths:\n    - spec.containers.[name=c].image\nvars:\n- name: CFG\n  objref: {apiVersion: v1, kind: ConfigMap, name: cfg}\n",
            ),
        ]);
        assert!(out.contains("image: nginx:2\n    name: c"), "{out}");
        assert!(out.contains("- --cfg=cfg\n"), "{out}");
    }
}

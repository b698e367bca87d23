//! The recursive walk of a kustomization tree (kustomize's `KustTarget`).
//!
//! For each kustomization: resources (files and sub-kustomizations, each built on its
//! own), then field specs from `configurations:` and `crds:`, then generators, then
//! components (applied onto what has accumulated so far), then transformers and
//! validators. Besides `loader`, this is the one module that reads files: the config
//! entries of `transformers:`, `generators:` and `validators:`, field-spec files and the
//! `openapi:` schema are read here and handed to `registry` and `schema` as values.
//! At the top only, after the walk: content-hash suffixes, name back-references,
//! variables, removal of local-config resources, and the output order.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::builtins::{self, sort_order};
use crate::error::{Error, Result};
use crate::fieldspec::TransformerConfig;
use crate::fs::{Fs, Kind};
use crate::kustomization::{Kustomization, Var};
use crate::loader::{LoadRestrictor, Loader, Naming, Root, check_identities, looks_remote};
use crate::plugin::HostOptions;
use crate::registry;
use crate::resource::{Behavior, ResMap, Resource};
use crate::schema::merge::Schema;
use crate::transform::{Context, Generator, Warnings};
use crate::yaml::Node;

/// kustomize's `--reorder`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reorder {
    /// Not given: `sortOptions` if present, else legacy.
    #[default]
    Unspecified,
    /// Legacy kind order.
    Legacy,
    /// Accumulation order.
    None,
}

/// What the caller of a build chooses.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// `--load-restrictor`.
    pub load_restrictor: LoadRestrictor,
    /// `--reorder`.
    pub reorder: Reorder,
    /// The environment, for env-file lines without a value (empty: none is read).
    pub env: crate::loader::Env,
    /// Plugin settings: default limits and their caps, the compile cache, the clock.
    pub plugins: Arc<HostOptions>,
    /// The schema strategic merge follows when the kustomization names none (`openapi:`);
    /// None: the built-in one. A build sets it for the configs it builds for itself.
    pub schema: Option<Arc<Schema>>,
    /// Where plugin warnings go, in the order of a sequential walk.
    pub warnings: Warnings,
    /// `--enable-managedby-label`: label every resource `app.kubernetes.io/managed-by`.
    pub managed_by_label: bool,
    /// What KRM functions may run (`--enable-alpha-plugins`, `--enable-exec`, ...).
    pub functions: crate::loader::FunctionOptions,
    /// The threads the build may use in all (`STRATA_THREADS`); clones share it, so
    /// every level of the walk draws on one budget. Output never depends on it.
    pub threads: crate::par::Threads,
}

/// What accumulates while walking a tree.
#[derive(Debug, Default)]
pub struct Accumulator {
    /// The resources, in accumulation order.
    pub resources: ResMap,
    /// Field specs merged from every layer so far.
    pub config: TransformerConfig,
    /// Variables declared so far.
    pub vars: Vec<Var>,
    /// `buildMetadata: [transformerAnnotations]` of the top kustomization: record which
    /// transformers ran over each resource.
    pub transformer_origins: bool,
    /// The build's options, with the schema in force; `warnings` is this layer's list.
    pub opts: BuildOptions,
}

/// Builds the kustomization in `dir`: what `kustomize build DIR` prints, as resources.
pub fn build(fs: &dyn Fs, dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    build_with_naming(fs, dir, opts, Naming::Required)
}

/// [`build`] with a choice of what the built resources must carry: app builds accept
/// kfctl's `generateName`-only resources and name them afterwards.
pub fn build_with_naming(
    fs: &dyn Fs,
    dir: &Path,
    opts: &BuildOptions,
    naming: Naming,
) -> Result<ResMap> {
    // During the walk a `generateName` stands in for a name, so that a transformer
    // (name-gen) can name the resource; a build that ends without a name fails below.
    let loader = Loader::new(fs, opts.load_restrictor)
        .with_naming(Naming::GenerateName)
        .with_env(opts.env.clone())
        .with_functions(opts.functions.clone());
    let root = loader.canonical_dir(dir)?;
    let (file, k) = loader.kustomization(&root)?;
    note_deprecations(&k, &opts.warnings);
    // kustomize builds a Component named on the command line like a Kustomization.
    // `openapi:` of the top kustomization sets the schema strategic merge uses, for the
    // whole build (as kustomize's global schema), and for the configs it builds itself.
    let schema = openapi_schema(
        &k,
        &Root {
            loader: &loader,
            dir: &root,
            file: &file,
        },
    )?;
    let mut ra = Accumulator {
        transformer_origins: k
            .build_metadata
            .iter()
            .any(|b| b == "transformerAnnotations"),
        opts: BuildOptions {
            schema: schema.map(Arc::new).or_else(|| opts.schema.clone()),
            ..opts.clone()
        },
        ..Default::default()
    };
    let mut stack = vec![root.clone()];
    accumulate(&loader, &root, &file, &k, &mut ra, &mut stack)?;
    finish(&root, &file, &k, &mut ra, opts.managed_by_label)?;
    order(&file, &k, opts.reorder, &mut ra.resources)?;
    // kustomize's last step rewrites every resource's annotations without its internal
    // ones, which drops an empty or null `metadata.annotations` (labels are untouched).
    for r in ra.resources.iter_mut() {
        r.drop_empty_annotations();
    }
    if naming == Naming::Required {
        for r in &ra.resources {
            let from = r.source.as_deref().map(PathBuf::from);
            check_identities([r], naming, from.as_deref().unwrap_or(&file), None)?;
        }
    }
    Ok(ra.resources)
}

/// kustomize prints a file's deprecation warnings as it loads the file: here, in the
/// order of a sequential walk.
fn note_deprecations(k: &Kustomization, warnings: &Warnings) {
    for w in &k.deprecations {
        warnings.note(w.clone());
    }
}

/// The steps kustomize runs once, after the whole tree has accumulated.
fn finish(
    root: &Path,
    file: &Path,
    k: &Kustomization,
    ra: &mut Accumulator,
    managed_by_label: bool,
) -> Result<()> {
    // Content-hash suffixes, then every name reference follows the renames.
    builtins::hash_suffix::add_hashes(&mut ra.resources);
    builtins::name_reference::fix_back_references(&mut ra.resources, &ra.config, file)?;
    // Legacy `$(VAR)` references, after all names are final.
    crate::replacement::vars::resolve(&mut ra.resources, &ra.vars, &ra.config, file)?;
    // Resources marked `config.kubernetes.io/local-config: "true"` are inputs for other
    // transformers only and never printed.
    ra.resources
        .retain(|r| r.annotation(LOCAL_CONFIG) != Some("true"));
    builtins::build_metadata::finish(
        &mut ra.resources,
        &k.build_metadata,
        root,
        file,
        managed_by_label,
    )?;
    Ok(())
}

/// The field specs one kustomization layer contributes: kustomize's defaults plus its
/// `configurations:` files and `crds:`.
fn layer_config(k: &Kustomization, root: &Root<'_>) -> Result<TransformerConfig> {
    let mut tc = TransformerConfig::defaults();
    for c in &k.configurations {
        let text = root.read_text(c)?;
        let extra = TransformerConfig::parse(&text)
            .map_err(|m| Error::config(root.resolve(c).unwrap_or_else(|_| root.dir.join(c)), m))?;
        tc.merge(&extra);
    }
    for c in &k.crds {
        let text = root.read_text(c)?;
        let extra = crate::fieldspec::crds::parse(&text)
            .map_err(|m| Error::config(root.resolve(c).unwrap_or_else(|_| root.dir.join(c)), m))?;
        tc.merge(&extra);
    }
    Ok(tc)
}

/// Reads `transformers:` / `generators:` / `validators:` entries: inline YAML, a file
/// of configs, or a directory whose kustomization builds the configs. Returns each
/// config with the file it came from.
fn plugin_configs(
    entries: &[String],
    root: &Root<'_>,
    outer: &BuildOptions,
) -> Result<Vec<(Node, std::path::PathBuf)>> {
    let mut out = Vec::new();
    for e in entries {
        let inline = e.contains('\n') || e.trim_start().starts_with('{');
        if inline {
            let configs = crate::loader::resources_from_text(e, root.file)?;
            crate::loader::check_identities(&configs, root.loader.naming(), root.file, None)?;
            for r in configs {
                out.push((r.node, root.file.to_path_buf()));
            }
            continue;
        }
        let joined = root.dir.join(e);
        match root.loader.kind(&joined) {
            Some(crate::fs::Kind::Dir) => {
                let dir = root.loader.resolve_dir(root.dir, e)?;
                let opts = BuildOptions {
                    reorder: Reorder::None,
                    env: root.loader.env().clone(),
                    functions: root.loader.functions().clone(),
                    plugins: outer.plugins.clone(),
                    schema: outer.schema.clone(),
                    warnings: outer.warnings.clone(),
                    ..Default::default()
                };
                let built = build(root.loader.fs(), &dir, &opts)?;
                for r in built.into_vec() {
                    out.push((r.node, dir.clone()));
                }
            }
            Some(crate::fs::Kind::File) => {
                let path = root.resolve(e)?;
                for r in root.loader.resources_from_file(&path)? {
                    out.push((r.node, path.clone()));
                }
            }
            _ => {
                return Err(Error::config(
                    root.file,
                    format!("'{}' does not exist", joined.display()),
                ));
            }
        }
    }
    Ok(out)
}

/// The schema a kustomization's `openapi:` field asks for: None for the built-in one,
/// the parsed file for `path:`; an unknown `version:` is refused as kustomize refuses it.
fn openapi_schema(
    k: &Kustomization,
    root: &Root<'_>,
) -> Result<Option<crate::schema::merge::Schema>> {
    let Some(o) = &k.openapi else { return Ok(None) };
    if let Some(path) = o.get("path").filter(|p| !p.is_empty()) {
        let full = root.resolve(path)?;
        let text = root.loader.read_text(&full)?;
        // A file of the build: its aliases count against the build's budget.
        let doc = root
            .loader
            .parse_yaml(&text, &full)?
            .into_iter()
            .find(|d| !d.is_null())
            .unwrap_or_else(crate::yaml::Node::null);
        return Ok(Some(crate::schema::merge::Schema::from_openapi(&doc)));
    }
    if let Some(v) = o.get("version").filter(|v| !v.is_empty())
        && v != crate::schema::merge::BUILTIN_VERSION
    {
        return Err(Error::config(
            root.file,
            "the specified OpenAPI version is not built in",
        ));
    }
    Ok(None)
}

/// The schema strategic merge follows in this build.
fn schema_of(opts: &BuildOptions) -> &Schema {
    opts.schema
        .as_deref()
        .unwrap_or_else(|| crate::schema::merge::builtin())
}

/// What the plugins this layer declares run with.
fn plugin_host(opts: &BuildOptions) -> registry::PluginHost<'_> {
    registry::PluginHost {
        options: &opts.plugins,
        warnings: &opts.warnings,
    }
}

const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";

fn order(file: &Path, k: &Kustomization, reorder: Reorder, res: &mut ResMap) -> Result<()> {
    if let Some(opts) = &k.sort_options {
        sort_order::validate(opts).map_err(|m| Error::transform(file, "sortOptions", m))?;
        sort_order::apply(res, opts);
    } else if reorder != Reorder::None {
        sort_order::legacy_sort(res, &sort_order::default_legacy());
    }
    Ok(())
}

/// Refuses the fields whose transforms this build cannot apply yet, so that nothing is
/// silently ignored.
fn refuse_unsupported(file: &Path, k: &Kustomization) -> Result<()> {
    let helm = [
        ("helmCharts", !k.helm_charts.is_empty()),
        ("helmGlobals", k.helm_globals.is_some()),
        (
            "helmChartInflationGenerator",
            !k.helm_chart_inflation_generator.is_empty(),
        ),
    ];
    if let Some((field, _)) = helm.iter().find(|(_, set)| *set) {
        // `--enable-helm` is accepted, but kustomize inflates charts by running the helm
        // binary, and there is none to run.
        return Err(Error::config(
            file,
            format!(
                "{field} needs the helm binary (kustomize build --enable-helm runs `helm template`), which Strata does not have; \
                 render the chart with `helm template` and list the output under resources:, or generate it with a wasm plugin (plugins/ABI.md)"
            ),
        ));
    }
    let checks: [(&str, bool); 1] = [("inventory", k.inventory.is_some())];
    for (field, set) in checks {
        if set {
            return Err(Error::NotSupported {
                path: file.to_path_buf(),
                field: field.to_string(),
            });
        }
    }
    Ok(())
}

fn accumulate(
    loader: &Loader<'_>,
    dir: &Path,
    file: &Path,
    k: &Kustomization,
    ra: &mut Accumulator,
    stack: &mut Vec<PathBuf>,
) -> Result<()> {
    refuse_unsupported(file, k)?;
    // Each entry of `resources:` is read or built on its own, so the entries are loaded
    // in parallel, then taken in order: the result, the first error and the plugin
    // warnings are those of a sequential walk.
    let origins = ra.transformer_origins;
    let opts = &ra.opts;
    let pieces = crate::par::map_ordered(&opts.threads, &k.resources, |entry| {
        let mut stack = stack.clone();
        let own = BuildOptions {
            warnings: Warnings::default(),
            ..opts.clone()
        };
        let piece = load_resource(loader, dir, file, entry, origins, &own, &mut stack);
        (piece, own.warnings.take())
    });
    for (piece, warnings) in pieces {
        ra.opts.warnings.extend(warnings);
        piece?.add_to(ra)?;
    }
    // kustomize's order: configurations, generators, then components, then transformers.
    let root = Root { loader, dir, file };
    let layer = layer_config(k, &root)?;
    ra.config.merge_owned(layer);
    run_generators(&root, k, ra)?;
    for entry in &k.components {
        let sub = sub_root(loader, dir, file, entry, stack)?;
        let (sub_file, sub_k) = loader.kustomization(&sub)?;
        note_deprecations(&sub_k, &ra.opts.warnings);
        if !sub_k.is_component() {
            return Err(Error::config(
                &sub_file,
                format!(
                    "expected kind 'Component' for path '{entry}' but got '{}'",
                    kind_or_default(&sub_k)
                ),
            ));
        }
        stack.push(sub.clone());
        accumulate(loader, &sub, &sub_file, &sub_k, ra, stack)?;
        stack.pop();
    }
    run_transformers(&root, k, ra)?;
    ra.vars.extend(crate::replacement::vars::declare(
        &k.vars,
        &ra.resources,
        file,
    )?);
    Ok(())
}

fn kind_or_default(k: &Kustomization) -> &str {
    if k.kind.is_empty() {
        "Kustomization"
    } else {
        &k.kind
    }
}

/// What one entry of `resources:` contributes, loaded but not yet added.
enum Piece {
    /// A sub-kustomization, built on its own; `file` is the kustomization naming it.
    Built {
        file: PathBuf,
        sub: Box<Accumulator>,
    },
    /// The resources of one file.
    File {
        path: PathBuf,
        resources: Vec<Resource>,
    },
}

impl Piece {
    /// Appends the piece's resources (and a sub-build's field specs and variables).
    fn add_to(self, ra: &mut Accumulator) -> Result<()> {
        match self {
            Piece::Built { file, sub } => {
                ra.resources
                    .append_all(sub.resources)
                    .map_err(|d| Error::DuplicateId {
                        path: file,
                        id: d.0,
                    })?;
                ra.config.merge_owned(sub.config);
                ra.vars.extend(sub.vars);
            }
            Piece::File { path, resources } => {
                for r in resources {
                    ra.resources.append(r).map_err(|d| Error::DuplicateId {
                        path: path.clone(),
                        id: d.0,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// Reads or builds one entry of `resources:`; touches nothing shared, so entries can
/// load on different threads.
fn load_resource(
    loader: &Loader<'_>,
    dir: &Path,
    file: &Path,
    entry: &str,
    transformer_origins: bool,
    opts: &BuildOptions,
    stack: &mut Vec<PathBuf>,
) -> Result<Piece> {
    let joined = dir.join(entry);
    match loader.kind(&joined) {
        Some(Kind::Dir) => {
            let sub = sub_root(loader, dir, file, entry, stack)?;
            let (sub_file, sub_k) = loader.kustomization(&sub)?;
            note_deprecations(&sub_k, &opts.warnings);
            if sub_k.is_component() {
                return Err(Error::config(
                    &sub_file,
                    format!("expected kind != 'Component' for path '{entry}'"),
                ));
            }
            let mut sub_ra = Accumulator {
                transformer_origins,
                opts: opts.clone(),
                ..Default::default()
            };
            stack.push(sub.clone());
            accumulate(loader, &sub, &sub_file, &sub_k, &mut sub_ra, stack)?;
            stack.pop();
            Ok(Piece::Built {
                file: file.to_path_buf(),
                sub: Box::new(sub_ra),
            })
        }
        Some(Kind::File) => {
            let path = loader.resolve(dir, entry)?;
            let resources = loader.resources_from_file(&path)?;
            Ok(Piece::File { path, resources })
        }
        None if looks_remote(entry) => Err(Error::Remote {
            path: file.to_path_buf(),
            target: entry.to_string(),
        }),
        None => Err(Error::config(
            file,
            format!(
                "accumulating resources: '{}' does not exist",
                joined.display()
            ),
        )),
    }
}

fn sub_root(
    loader: &Loader<'_>,
    dir: &Path,
    file: &Path,
    entry: &str,
    stack: &[PathBuf],
) -> Result<PathBuf> {
    if loader.kind(&dir.join(entry)).is_none() {
        if looks_remote(entry) {
            return Err(Error::Remote {
                path: file.to_path_buf(),
                target: entry.to_string(),
            });
        }
        return Err(Error::config(
            file,
            format!("'{}' does not exist", dir.join(entry).display()),
        ));
    }
    let sub = loader.resolve_dir(dir, entry)?;
    // A root that contains the current one, or one already on the path, would recurse
    // forever; kustomize calls both a cycle.
    if let Some(pos) = stack.iter().position(|p| *p == sub) {
        let mut chain: Vec<PathBuf> = stack[pos..].to_vec();
        chain.push(sub);
        return Err(Error::Cycle { chain });
    }
    if dir.starts_with(&sub) {
        let mut chain = stack.to_vec();
        chain.push(sub);
        return Err(Error::Cycle { chain });
    }
    Ok(sub)
}

fn run_generators(root: &Root<'_>, k: &Kustomization, ra: &mut Accumulator) -> Result<()> {
    let cx = Context {
        root: *root,
        config: &ra.config,
        schema: schema_of(&ra.opts),
    };
    let mut generated: Vec<Vec<Resource>> = Vec::new();
    let run = |g: Box<dyn Generator>| -> Result<Vec<Resource>> {
        let batch = g.generate(&cx)?;
        check_identities(&batch, root.loader.naming(), root.file, Some(g.name()))?;
        Ok(batch)
    };
    for g in registry::field_generators(k, root)? {
        generated.push(run(g)?);
    }
    let configs = plugin_configs(&k.generators, root, &ra.opts)?;
    for g in registry::config_generators(configs, root, plugin_host(&ra.opts))? {
        generated.push(run(g)?);
    }
    for batch in generated {
        for r in batch {
            absorb(root.file, &mut ra.resources, r)?;
        }
    }
    Ok(())
}

/// Adds a generated resource, honouring its `behavior` against an existing one of the
/// same id (kustomize's `ResMap.AbsorbAll`).
fn absorb(file: &Path, resources: &mut ResMap, r: Resource) -> Result<()> {
    let id = r.id();
    let found = resources.positions_by_any_id(&id);
    let dup = |id| Error::DuplicateId {
        path: file.to_path_buf(),
        id,
    };
    match (r.behavior, found.as_slice()) {
        (Behavior::Create, []) => resources.append(r).map_err(|d| dup(d.0)),
        (Behavior::Create, _) => Err(Error::Transform {
            path: file.to_path_buf(),
            what: "generator".into(),
            resource: Some(id.clone()),
            msg: format!(
                "id {id} exists; can not use behavior 'create', behavior must be merge or replace"
            ),
        }),
        (_, []) => Err(Error::Transform {
            path: file.to_path_buf(),
            what: "generator".into(),
            resource: Some(id.clone()),
            msg: format!("id {id} does not exist; cannot merge or replace"),
        }),
        (behavior, [i]) => {
            let i = *i;
            let Some(old) = resources.at(i).cloned() else {
                return Ok(());
            };
            let merged = builtins::merge_generated(old, r, behavior)
                .map_err(|m| Error::transform(file, "generator", m))?;
            resources.replace_at(i, merged);
            Ok(())
        }
        (_, _) => Err(Error::Transform {
            path: file.to_path_buf(),
            what: "generator".into(),
            resource: Some(id),
            msg: "found multiple possible resources to merge into".into(),
        }),
    }
}

fn run_transformers(root: &Root<'_>, k: &Kustomization, ra: &mut Accumulator) -> Result<()> {
    let mut all = registry::field_transformers(k, root, &ra.config)?;
    all.extend(registry::config_transformers(
        plugin_configs(&k.transformers, root, &ra.opts)?,
        root,
        plugin_host(&ra.opts),
    )?);
    for t in all {
        let cx = Context {
            root: *root,
            config: &ra.config,
            schema: schema_of(&ra.opts),
        };
        t.transform(&mut ra.resources, &cx)?;
        // A patch may remove a name or kind (`op: remove, path: /metadata`).
        check_identities(
            &ra.resources,
            root.loader.naming(),
            root.file,
            Some(t.name()),
        )?;
        ra.resources.fresh();
        if ra.transformer_origins {
            builtins::build_metadata::record_transformer(&mut ra.resources, root.file, t.name());
        }
    }
    let configs = plugin_configs(&k.validators, root, &ra.opts)?;
    for v in registry::config_validators(configs, root, plugin_host(&ra.opts))? {
        let cx = Context {
            root: *root,
            config: &ra.config,
            schema: schema_of(&ra.opts),
        };
        v.transform(&mut ra.resources, &cx)?;
        ra.resources.fresh();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::build_in_memory;

    /// An env-file line that is a bare key reads the environment the caller handed over in
    /// `BuildOptions` (the library reads none itself); unset, the value is empty.
    #[test]
    fn env_file_bare_keys_read_the_environment_given_as_a_value() {
        let files = [
            (
                "kustomization.yaml",
                "configMapGenerator:\n- name: c\n  envs: [vars.env]\n  options:\n    disableNameSuffixHash: true\n",
            ),
            ("vars.env", "A=1\nFROM_ENV\nNOT_SET\n"),
        ];
        let mut vars = std::collections::BTreeMap::new();
        vars.insert("FROM_ENV".to_string(), "given".to_string());
        let given = BuildOptions {
            env: crate::loader::Env::new(vars),
            ..Default::default()
        };
        let expect = |v: &str| {
            format!(
                "apiVersion: v1\ndata:\n  A: \"1\"\n  FROM_ENV: {v}\n  NOT_SET: \"\"\nkind: ConfigMap\nmetadata:\n  name: c\n"
            )
        };
        assert_eq!(build_in_memory(&files, &given), Ok(expect("given")));
        assert_eq!(
            build_in_memory(&files, &BuildOptions::default()),
            Ok(expect("\"\""))
        );
    }

    /// The refusal names the kustomization and says what kustomize says (the tree is also
    /// an oracle case, tests/cases/builtins/replicas-on-a-kind-without-replicas-is-refused).
    #[test]
    fn replicas_on_a_kind_without_replicas_is_refused_naming_the_file() {
        let files = [
            (
                "kustomization.yaml",
                "resources: [cm.yaml]\nreplicas:\n- name: c\n  count: 2\n",
            ),
            (
                "cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            ),
        ];
        let err = build_in_memory(&files, &BuildOptions::default())
            .err()
            .unwrap_or_default();
        assert!(err.contains("kustomization.yaml"), "{err}");
        assert!(err.contains("resource with name c does not match a config with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] ReplicationController.[noVer].[noGrp]]"), "{err}");
    }

    /// The refusal names the kustomization and the missing id, as kustomize does (also an
    /// oracle case, tests/cases/builtins/a-generator-merging-into-nothing-is-refused).
    #[test]
    fn a_generator_merging_into_nothing_is_refused_naming_the_file() {
        let files = [(
            "kustomization.yaml",
            "configMapGenerator:\n- name: x\n  behavior: merge\n  literals: [a=b]\n",
        )];
        let err = build_in_memory(&files, &BuildOptions::default())
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("ConfigMap.v1.[noGrp]/x.[noNs] does not exist; cannot merge or replace"),
            "{err}"
        );
        assert!(err.contains("kustomization.yaml"), "{err}");
    }
}

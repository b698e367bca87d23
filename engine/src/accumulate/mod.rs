//! The recursive walk of a kustomization tree (kustomize's `KustTarget`).
//!
//! For each kustomization: resources (files and sub-kustomizations, each built on its
//! own), then components (applied onto what has accumulated so far), then field specs
//! from `configurations:` and `crds:`, then generators, transformers and validators.
//! At the top only, after the walk: content-hash suffixes, name back-references,
//! variables, removal of local-config resources, and the output order.

use std::path::{Path, PathBuf};

use crate::builtins::{self, Context, sort_order};
use crate::error::{Error, Result};
use crate::fieldspec::TransformerConfig;
use crate::fs::{Fs, Kind};
use crate::kustomization::{Kustomization, Var};
use crate::loader::{LoadRestrictor, Loader, Naming, Root, check_identities, looks_remote};
use crate::resource::{Behavior, ResMap, Resource};

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
    /// `--enable-managedby-label`: label every resource `app.kubernetes.io/managed-by`.
    pub managed_by_label: bool,
    /// What KRM functions may run (`--enable-alpha-plugins`, `--enable-exec`, ...).
    pub functions: crate::plugin::exec::FunctionOptions,
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
    // kustomize builds a Component named on the command line like a Kustomization.
    // `openapi:` of the top kustomization sets the schema strategic merge uses, for the
    // whole build (as kustomize's global schema); restored when the build ends.
    let _schema =
        crate::schema::merge::SchemaGuard::install(crate::schema::merge::for_kustomization(
            &k,
            &Root {
                loader: &loader,
                dir: &root,
                file: &file,
            },
        )?);
    let mut ra = Accumulator {
        transformer_origins: k
            .build_metadata
            .iter()
            .any(|b| b == "transformerAnnotations"),
        ..Default::default()
    };
    let mut stack = vec![root.clone()];
    accumulate(&loader, &root, &file, &k, &mut ra, &mut stack)?;
    finish(&loader, &root, &file, &k, &mut ra, opts.managed_by_label)?;
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

/// The steps kustomize runs once, after the whole tree has accumulated.
fn finish(
    _loader: &Loader<'_>,
    _root: &Path,
    _file: &Path,
    _k: &Kustomization,
    ra: &mut Accumulator,
    managed_by_label: bool,
) -> Result<()> {
    // Content-hash suffixes, then every name reference follows the renames.
    builtins::hash_suffix::add_hashes(&mut ra.resources);
    builtins::name_reference::fix_back_references(&mut ra.resources, &ra.config, _file)?;
    // Legacy `$(VAR)` references, after all names are final.
    crate::replacement::vars::resolve(&mut ra.resources, &ra.vars, &ra.config, _file)?;
    // Resources marked `config.kubernetes.io/local-config: "true"` are inputs for other
    // transformers only and never printed.
    ra.resources
        .retain(|r| r.annotation(LOCAL_CONFIG) != Some("true"));
    builtins::build_metadata::finish(
        &mut ra.resources,
        &_k.build_metadata,
        _root,
        _file,
        managed_by_label,
    )?;
    Ok(())
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
    let pending = crate::builtins::pending_fields(k);
    for (field, set) in checks.into_iter().chain(pending) {
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
    let schema = crate::schema::merge::current_custom();
    let origins = ra.transformer_origins;
    let pieces = crate::par::map_ordered(&k.resources, |entry| {
        let _schema = crate::schema::merge::SchemaGuard::install_shared(schema.clone());
        let mut stack = stack.clone();
        crate::plugin::collect_warnings(|| {
            load_resource(loader, dir, file, entry, origins, &mut stack)
        })
    });
    for (piece, warnings) in pieces {
        crate::plugin::forward_warnings(warnings);
        piece?.add_to(ra)?;
    }
    // kustomize's order: configurations, generators, then components, then transformers.
    let root = Root { loader, dir, file };
    let layer = builtins::layer_config(k, &root)?;
    ra.config.merge_owned(layer);
    run_generators(&root, k, ra)?;
    for entry in &k.components {
        let sub = sub_root(loader, dir, file, entry, stack)?;
        let (sub_file, sub_k) = loader.kustomization(&sub)?;
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
    stack: &mut Vec<PathBuf>,
) -> Result<Piece> {
    let joined = dir.join(entry);
    match loader.kind(&joined) {
        Some(Kind::Dir) => {
            let sub = sub_root(loader, dir, file, entry, stack)?;
            let (sub_file, sub_k) = loader.kustomization(&sub)?;
            if sub_k.is_component() {
                return Err(Error::config(
                    &sub_file,
                    format!("expected kind != 'Component' for path '{entry}'"),
                ));
            }
            let mut sub_ra = Accumulator {
                transformer_origins,
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
    };
    let mut generated: Vec<Vec<Resource>> = Vec::new();
    let run = |g: Box<dyn builtins::Generator>| -> Result<Vec<Resource>> {
        let batch = g.generate(&cx)?;
        check_identities(&batch, root.loader.naming(), root.file, Some(g.name()))?;
        Ok(batch)
    };
    for g in builtins::field_generators(k, root)? {
        generated.push(run(g)?);
    }
    for g in builtins::config_generators(k, root)? {
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
    let mut all = builtins::field_transformers(k, root, &ra.config)?;
    all.extend(builtins::config_transformers(k, root)?);
    for t in all {
        let cx = Context {
            root: *root,
            config: &ra.config,
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
    for v in builtins::config_validators(k, root)? {
        let cx = Context {
            root: *root,
            config: &ra.config,
        };
        v.transform(&mut ra.resources, &cx)?;
        ra.resources.fresh();
    }
    Ok(())
}

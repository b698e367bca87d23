//! Tekton Bundles: the Tekton part of a render, packed by Tekton's bundle contract, and
//! PipelineRuns pinned to it.
//!
//! The contract (Tekton Bundle Contract v0.1, as served by the `bundles` resolver):
//! only the kinds the resolver serves may be in a bundle (here `Task`, `Pipeline` and
//! `StepAction` of `tekton.dev`); one resource per layer; at most 20 layers; every layer
//! annotated with `dev.tekton.image.apiVersion`, `dev.tekton.image.kind` (the kind, lower
//! case) and `dev.tekton.image.name`, the three unique per layer; layers compressed with a
//! supported OCI media type (gzip here). The run side of Tekton (`PipelineRun`, `TaskRun`,
//! `Run`, `CustomRun`, and the v1alpha1 `PipelineResource`s a run binds) uses a bundle
//! rather than being part of it, so it is left out, as are the run's supporting resources
//! of other API groups (ServiceAccount, RBAC, claims: the main bundle carries them); any
//! other tekton.dev kind is refused, naming the rule.
//!
//! A bundled tekton.dev/v1 or v1beta1 Pipeline reaches its Tasks by content, not by name:
//! each pipeline task whose `taskRef` names a Task of the render gets that Task's `spec`
//! inlined as its `taskSpec` ([`inline_tasks`]), annotated `strata.dev/task:
//! NAME@sha256:HEX` with the digest of the Task's bundled YAML, so a run pinned to the
//! bundle runs exactly the bundled bytes and `strata verify` can check each one. A
//! tekton.dev/v1alpha1 Pipeline is left as it is: Tekton v0.8 and v0.9 have neither an
//! inline `taskSpec` nor a bundle reference in a pipeline task, so no v1alpha1 Pipeline
//! can reach a Task by digest (and `--pin` refuses v1alpha1 runs).

use crate::resource::Resource;
use crate::yaml::{Map, Node};

use super::oci::{self, Blob, Image};
use super::{BundleError, file_name, resource_yaml};

/// The kinds the bundles resolver serves.
pub const SERVED_KINDS: [&str; 3] = ["Task", "Pipeline", "StepAction"];
/// The most layers a Tekton bundle may have.
pub const MAX_LAYERS: usize = 20;
/// The run-side tekton.dev kinds: they use bundles and stay out of them.
pub const RUN_KINDS: [&str; 5] = [
    "PipelineRun",
    "TaskRun",
    "Run",
    "CustomRun",
    "PipelineResource",
];
const GROUP: &str = "tekton.dev";

fn refuse(rule: &str, detail: String) -> BundleError {
    BundleError::Tekton {
        rule: rule.to_string(),
        detail,
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map(|(g, _)| g).unwrap_or("")
}

/// Returns the resources that go into the Tekton bundle, checking the contract.
pub fn select(resources: &[Resource]) -> Result<Vec<&Resource>, BundleError> {
    let mut chosen: Vec<&Resource> = Vec::new();
    for r in resources {
        let group = group_of(r.api_version());
        if (group == GROUP && RUN_KINDS.contains(&r.kind()))
            || (group != GROUP && !r.api_version().is_empty())
        {
            continue;
        }
        if r.api_version().is_empty() || r.kind().is_empty() || r.name().is_empty() {
            return Err(refuse(
                "each layer holds one complete resource",
                format!(
                    "a resource lacks apiVersion, kind or metadata.name: {}",
                    r.id()
                ),
            ));
        }
        if !SERVED_KINDS.contains(&r.kind()) {
            return Err(refuse(
                "only the kinds the bundles resolver serves (Task, Pipeline, StepAction of tekton.dev) may be in a Tekton bundle",
                format!(
                    "{} {} ({}) is not one of them",
                    r.kind(),
                    r.name(),
                    r.api_version()
                ),
            ));
        }
        if let Some(other) = chosen.iter().find(|o| {
            o.api_version() == r.api_version() && o.kind() == r.kind() && o.name() == r.name()
        }) {
            return Err(refuse(
                "the dev.tekton.image.apiVersion, dev.tekton.image.kind and dev.tekton.image.name annotations must be unique per layer",
                format!(
                    "two {} layers are named {:?} (namespaces {:?} and {:?})",
                    r.kind().to_lowercase(),
                    r.name(),
                    other.namespace(),
                    r.namespace()
                ),
            ));
        }
        chosen.push(r);
    }
    if chosen.is_empty() {
        return Err(refuse(
            "a Tekton bundle holds at least one Task or Pipeline",
            "the render has none".into(),
        ));
    }
    if chosen.len() > MAX_LAYERS {
        return Err(refuse(
            "at most 20 layers (one resource per layer) in a Tekton bundle",
            format!("the render has {} Tekton resources", chosen.len()),
        ));
    }
    Ok(chosen)
}

/// The annotation an inlined `taskSpec` carries: `NAME@sha256:HEX` of the Task it is.
pub const ANN_TASK: &str = "strata.dev/task";

/// A pipeline task that reaches its Task by content: which Task, and the digest of the
/// Task's YAML as bundled (its layer's file).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaskPin {
    /// The Pipeline.
    pub pipeline: String,
    /// The pipeline task.
    pub pipeline_task: String,
    /// The Task.
    pub task: String,
    /// `sha256:HEX` of the Task's bundled YAML.
    pub digest: String,
}

/// Returns `sha256:HEX` of a resource's bundled YAML.
pub fn yaml_digest(r: &Resource) -> Result<String, BundleError> {
    Ok(format!(
        "sha256:{}",
        crate::fs::record::sha256_hex(resource_yaml(r)?.as_bytes())
    ))
}

/// What [`inline_tasks`] made of the bundle's resources.
#[derive(Debug)]
pub struct Inlined {
    /// The resources, Pipelines rewritten.
    pub resources: Vec<Resource>,
    /// The inlined Tasks, sorted.
    pub pins: Vec<TaskPin>,
    /// `Pipeline/pipeline-task -> Task` references left by name (the Task is not in the
    /// render), which a pinned run would look up in the cluster.
    pub by_name: Vec<String>,
}

/// Rewrites every tekton.dev/v1 and v1beta1 Pipeline among `chosen` so that each pipeline
/// task naming a Task of `chosen` (of the Pipeline's apiVersion) carries that Task's spec
/// inline.
pub fn inline_tasks(chosen: &[&Resource]) -> Result<Inlined, BundleError> {
    let mut out = Vec::with_capacity(chosen.len());
    let mut pins = Vec::new();
    let mut by_name = Vec::new();
    for r in chosen {
        let mut r = (*r).clone();
        let api = r.api_version().to_string();
        if r.kind() == "Pipeline" && (api == "tekton.dev/v1" || api == "tekton.dev/v1beta1") {
            let pipeline = r.name().to_string();
            for list in ["tasks", "finally"] {
                let Some(Node::Seq(items)) = r.node.get_path_mut(&["spec", list]) else {
                    continue;
                };
                for t in items.iter_mut() {
                    let Some(name) = plain_task_ref(t) else {
                        continue;
                    };
                    let Some(task) = chosen
                        .iter()
                        .find(|c| c.kind() == "Task" && c.name() == name && c.api_version() == api)
                    else {
                        let pt = t.str_at(&["name"]).unwrap_or("");
                        by_name.push(format!("{pipeline}/{pt} -> Task {name}"));
                        continue;
                    };
                    let digest = yaml_digest(task)?;
                    let mut spec = task.node.get("spec").cloned().unwrap_or_default();
                    let mut ann = Map::new();
                    ann.insert(ANN_TASK.into(), Node::str(format!("{name}@{digest}")));
                    let mut meta = Map::new();
                    meta.insert("annotations".into(), Node::Map(ann));
                    if let Node::Map(m) = &mut spec {
                        m.shift_remove("metadata");
                        m.insert("metadata".into(), Node::Map(meta));
                    }
                    let pipeline_task = t.str_at(&["name"]).unwrap_or("").to_string();
                    if let Node::Map(m) = t {
                        m.shift_remove("taskRef");
                        m.insert("taskSpec".into(), spec);
                    }
                    pins.push(TaskPin {
                        pipeline: pipeline.clone(),
                        pipeline_task,
                        task: name,
                        digest,
                    });
                }
            }
        }
        out.push(r);
    }
    pins.sort();
    Ok(Inlined {
        resources: out,
        pins,
        by_name,
    })
}

/// The Task a pipeline task names by `taskRef.name` alone (kind Task, no resolver).
fn plain_task_ref(t: &Node) -> Option<String> {
    let tr = t.get("taskRef")?;
    let kind = tr.str_at(&["kind"]).unwrap_or("Task");
    let plain = kind == "Task" && tr.get("resolver").is_none() && tr.get("bundle").is_none();
    plain
        .then(|| tr.str_at(&["name"]).map(str::to_string))
        .flatten()
}

/// Packs the Tekton part of `resources` as a Tekton bundle image, its Pipelines reaching
/// their Tasks by content ([`inline_tasks`]); returns the image and the pins.
pub fn image(resources: &[Resource], mtime: u64) -> Result<(Image, Inlined), BundleError> {
    let chosen = select(resources)?;
    let inlined = inline_tasks(&chosen)?;
    let mut layers = Vec::new();
    for r in &inlined.resources {
        let yaml = resource_yaml(r)?;
        let annotations = vec![
            (
                "dev.tekton.image.apiVersion".to_string(),
                r.api_version().to_string(),
            ),
            ("dev.tekton.image.kind".to_string(), r.kind().to_lowercase()),
            ("dev.tekton.image.name".to_string(), r.name().to_string()),
            (oci::TITLE.to_string(), file_name(r)),
        ];
        layers.push(oci::layer(
            &file_name(r),
            yaml.as_bytes(),
            mtime,
            annotations,
        ));
    }
    let diff_ids: Vec<String> = layers.iter().filter_map(|l| l.diff_id.clone()).collect();
    // A minimal image configuration, so registries and tools that read it see a valid one.
    let config = serde_json::json!({
        "architecture": "",
        "os": "",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    });
    let config = Blob::new(
        oci::IMAGE_CONFIG,
        serde_json::to_vec(&config).unwrap_or_default(),
        Vec::new(),
    );
    Ok((Image::new(config, layers), inlined))
}

/// Checks a `--pin` argument: `REGISTRY/REPO`, without a tag or digest.
pub fn check_repository(repo: &str) -> Result<(), BundleError> {
    let last = repo.rsplit('/').next().unwrap_or("");
    let bad = repo.is_empty()
        || !repo.contains('/')
        || repo.contains('@')
        || last.contains(':')
        || repo
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_uppercase());
    if bad {
        return Err(BundleError::Pin(format!(
            "--pin {repo:?}: expected REGISTRY/REPO in lower case, without a tag or digest (the digest is added)"
        )));
    }
    Ok(())
}

/// Rewrites each tekton.dev/v1 PipelineRun whose `spec.pipelineRef.name` names a Pipeline
/// of the bundle to resolve it through the bundles resolver at `reference`
/// (`REGISTRY/REPO@sha256:...`). A PipelineRun of another version that names a bundled
/// Pipeline is refused, since only tekton.dev/v1 is rewritten.
pub fn pin(resources: &mut [Resource], reference: &str) -> Result<usize, BundleError> {
    let pipelines: Vec<String> = resources
        .iter()
        .filter(|r| group_of(r.api_version()) == GROUP && r.kind() == "Pipeline")
        .map(|r| r.name().to_string())
        .collect();
    let mut n = 0;
    for r in resources.iter_mut() {
        if group_of(r.api_version()) != GROUP || r.kind() != "PipelineRun" {
            continue;
        }
        let Some(name) = r
            .node
            .str_at(&["spec", "pipelineRef", "name"])
            .map(str::to_string)
        else {
            continue;
        };
        if !pipelines.contains(&name) {
            return Err(BundleError::Pin(format!(
                "PipelineRun {:?} runs pipeline {name:?}, which is not in the Tekton bundle",
                r.name()
            )));
        }
        if r.api_version() != "tekton.dev/v1" {
            return Err(BundleError::Pin(format!(
                "PipelineRun {:?} is {}; --pin rewrites tekton.dev/v1 PipelineRuns only (pipelineRef.resolver)",
                r.name(),
                r.api_version()
            )));
        }
        let param = |k: &str, v: &str| {
            let mut m = Map::new();
            m.insert("name".into(), Node::str(k));
            m.insert("value".into(), Node::str(v));
            Node::Map(m)
        };
        let mut pref = Map::new();
        pref.insert("resolver".into(), Node::str("bundles"));
        pref.insert(
            "params".into(),
            Node::Seq(vec![
                param("bundle", reference),
                param("name", &name),
                param("kind", "pipeline"),
            ]),
        );
        if let Some(slot) = r.node.get_path_mut(&["spec", "pipelineRef"]) {
            *slot = Node::Map(pref);
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn res(api: &str, kind: &str, name: &str, extra: &str) -> Resource {
        let text = format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n{extra}");
        Resource::new(parse_one(&text).unwrap_or_default())
    }

    fn rule(e: Result<Vec<&Resource>, BundleError>) -> String {
        match e {
            Err(BundleError::Tekton { rule, .. }) => rule,
            Err(other) => format!("other error: {other}"),
            Ok(v) => format!("accepted {} resources", v.len()),
        }
    }

    #[test]
    fn runs_are_left_out_and_other_kinds_refused() {
        let v = vec![
            res("tekton.dev/v1", "Pipeline", "p", ""),
            res("tekton.dev/v1", "PipelineRun", "r", ""),
            res("tekton.dev/v1alpha1", "PipelineResource", "git", ""),
            res("tekton.dev/v1", "Task", "t", ""),
        ];
        assert_eq!(rule(select(&v)), "accepted 2 resources");
        // The run's supporting resources stay in the main bundle.
        let mut support = v.clone();
        support.push(res("v1", "ServiceAccount", "sa", ""));
        assert_eq!(rule(select(&support)), "accepted 2 resources");
        let mut bad = v.clone();
        bad.push(res("tekton.dev/v1beta1", "ClusterTask", "d", ""));
        assert!(rule(select(&bad)).starts_with("only the kinds the bundles resolver serves"));
        let mut twice = v.clone();
        twice.push(res("tekton.dev/v1", "Task", "t", "  namespace: other\n"));
        assert!(rule(select(&twice)).contains("must be unique per layer"));
        let many: Vec<Resource> = (0..=MAX_LAYERS)
            .map(|i| res("tekton.dev/v1", "Task", &format!("t{i}"), ""))
            .collect();
        assert!(rule(select(&many)).starts_with("at most 20 layers"));
        assert!(rule(select(&many[..MAX_LAYERS])).starts_with("accepted 20"));
    }

    #[test]
    fn layers_carry_the_tekton_annotations() {
        let v = vec![res("tekton.dev/v1", "Task", "build", "")];
        let (img, _) = image(&v, 0).unwrap_or_else(|e| panic!("{e}"));
        let a = &img.layers[0].annotations;
        assert!(a.contains(&("dev.tekton.image.kind".to_string(), "task".to_string())));
        assert!(a.contains(&("dev.tekton.image.name".to_string(), "build".to_string())));
        assert!(a.contains(&(
            "dev.tekton.image.apiVersion".to_string(),
            "tekton.dev/v1".to_string()
        )));
        assert_eq!(img.layers[0].media_type, oci::LAYER_GZIP);
    }

    #[test]
    fn bundled_v1_pipelines_reach_their_tasks_by_content() {
        let steps = "spec:\n  steps:\n  - name: s\n    image: alpine\n";
        let tasks = "spec:\n  tasks:\n  - name: a\n    taskRef:\n      name: t\n  - name: b\n    taskRef:\n      name: in-cluster\n";
        let v = [
            res("tekton.dev/v1", "Task", "t", steps),
            res("tekton.dev/v1", "Pipeline", "p", tasks),
            res("tekton.dev/v1alpha1", "Pipeline", "old", tasks),
        ];
        let chosen: Vec<&Resource> = v.iter().collect();
        let Inlined {
            resources: out,
            pins,
            by_name,
        } = inline_tasks(&chosen).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(by_name, ["p/b -> Task in-cluster"]);
        let digest = yaml_digest(&v[0]).unwrap_or_default();
        assert_eq!(
            pins,
            vec![TaskPin {
                pipeline: "p".into(),
                pipeline_task: "a".into(),
                task: "t".into(),
                digest: digest.clone(),
            }]
        );
        let a = out[1]
            .node
            .get_path(&["spec", "tasks"])
            .and_then(Node::as_seq)
            .map(|s| s[0].clone())
            .unwrap_or_default();
        assert!(a.get("taskRef").is_none());
        assert_eq!(a.str_at(&["taskSpec", "steps"]), None);
        assert_eq!(
            a.get_path(&["taskSpec", "steps"]),
            v[0].node.get_path(&["spec", "steps"])
        );
        assert_eq!(
            a.get_path(&["taskSpec", "metadata", "annotations"])
                .and_then(|m| m.str_at(&[ANN_TASK])),
            Some(format!("t@{digest}").as_str())
        );
        // A Task not in the render, and any v1alpha1 Pipeline, keep their references.
        assert_eq!(out[1].node.str_at(&["spec", "tasks"]), None);
        assert!(
            out[1]
                .node
                .get_path(&["spec", "tasks"])
                .and_then(Node::as_seq)
                .is_some_and(|s| s[1].get("taskRef").is_some())
        );
        assert_eq!(out[2].node, v[2].node);
    }

    #[test]
    fn pin_rewrites_v1_runs_and_refuses_older_ones() {
        let run = "spec:\n  pipelineRef:\n    name: p\n";
        let mut v = vec![
            res("tekton.dev/v1", "Pipeline", "p", ""),
            res("tekton.dev/v1", "PipelineRun", "r", run),
        ];
        assert_eq!(pin(&mut v, "reg/x@sha256:00").ok(), Some(1));
        assert_eq!(
            v[1].node.str_at(&["spec", "pipelineRef", "resolver"]),
            Some("bundles")
        );
        assert!(v[1].node.str_at(&["spec", "pipelineRef", "name"]).is_none());
        let mut old = vec![
            res("tekton.dev/v1", "Pipeline", "p", ""),
            res("tekton.dev/v1beta1", "PipelineRun", "r", run),
        ];
        assert!(
            matches!(pin(&mut old, "reg/x@sha256:00"), Err(BundleError::Pin(m)) if m.contains("tekton.dev/v1 PipelineRuns only"))
        );
        assert!(check_repository("registry.example/ci/pipe").is_ok());
        assert!(check_repository("registry.example/ci/pipe:v1").is_err());
        assert!(check_repository("pipe").is_err());
    }
}

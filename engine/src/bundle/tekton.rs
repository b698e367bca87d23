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
//! rather than being part of it, so it is left out; anything else is refused, naming the
//! rule.

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
        if group == GROUP && RUN_KINDS.contains(&r.kind()) {
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
        if group != GROUP || !SERVED_KINDS.contains(&r.kind()) {
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

/// Packs the Tekton part of `resources` as a Tekton bundle image.
pub fn image(resources: &[Resource], mtime: u64) -> Result<Image, BundleError> {
    let chosen = select(resources)?;
    let mut layers = Vec::new();
    for r in chosen {
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
    Ok(Image::new(config, layers))
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
        let mut bad = v.clone();
        bad.push(res("apps/v1", "Deployment", "d", ""));
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
        let img = image(&v, 0).unwrap_or_else(|e| panic!("{e}"));
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

//! The lock document: a bundle's config blob, saying exactly what the bundle was made from.
//!
//! It lists every input file with its sha256 (paths relative to the repo or directory
//! they belong to), the files composition synthesised in memory, every plugin with its
//! sha256, the applications with their overlays and parameters, the engine version, the
//! `SOURCE_DATE_EPOCH` used for tar mtimes, and the Tekton bundle it pins, if any, with
//! the Tasks its Pipelines reach by digest.
//! It is canonical JSON (compact, keys in the order written here, lists sorted where
//! order carries no meaning), so it adds nothing machine-dependent to the bundle digest.

use serde_json::{Map, Value, json};

use crate::app::{InputFile, Provenance};

/// The lock document's `apiVersion`.
pub const API_VERSION: &str = "strata.dev/v1alpha1";

/// What a lock says about a bundle's Tekton part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TektonLock {
    /// The Tekton bundle's manifest digest.
    pub digest: String,
    /// The reference PipelineRuns were pinned to (`REGISTRY/REPO@sha256:...`), if pinned.
    pub pin: Option<String>,
    /// The repository given to `--pin`, if pinned.
    pub repository: Option<String>,
    /// The Tasks the bundled Pipelines reach by content.
    pub tasks: Vec<super::tekton::TaskPin>,
}

/// Renders the lock document.
pub fn render(p: &Provenance, source_date_epoch: u64, tekton: Option<&TektonLock>) -> Vec<u8> {
    let files = |v: &[InputFile]| -> Value {
        Value::Array(
            v.iter()
                .map(|f| {
                    let mut m = Map::new();
                    if !f.repo.is_empty() {
                        m.insert("repo".into(), json!(f.repo));
                    }
                    m.insert("path".into(), json!(f.path));
                    m.insert("sha256".into(), json!(f.sha256));
                    Value::Object(m)
                })
                .collect(),
        )
    };
    let apps: Vec<Value> = p
        .applications
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "repo": a.repo,
                "path": a.path,
                "overlays": a.overlays,
                "parameters": a.parameters.iter().map(|nv| json!({"name": nv.name, "value": nv.value})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut m = Map::new();
    m.insert("apiVersion".into(), json!(API_VERSION));
    m.insert("kind".into(), json!("BundleLock"));
    m.insert(
        "engine".into(),
        json!({"name": "strata", "version": env!("CARGO_PKG_VERSION")}),
    );
    m.insert("sourceDateEpoch".into(), json!(source_date_epoch));
    m.insert(
        "source".into(),
        json!({"kind": p.source_kind, "file": p.source}),
    );
    m.insert("applications".into(), Value::Array(apps));
    m.insert("inputs".into(), files(&p.inputs));
    m.insert("generated".into(), files(&p.generated));
    m.insert(
        "plugins".into(),
        Value::Array(
            p.plugins
                .iter()
                .map(|u| json!({"name": u.name, "sha256": u.sha256}))
                .collect(),
        ),
    );
    if let Some(t) = tekton {
        let mut tm = Map::new();
        tm.insert("digest".into(), json!(t.digest));
        if let Some(pin) = &t.pin {
            tm.insert("pin".into(), json!(pin));
        }
        if let Some(r) = &t.repository {
            tm.insert("repository".into(), json!(r));
        }
        if !t.tasks.is_empty() {
            let tasks: Vec<Value> = t
                .tasks
                .iter()
                .map(|p| json!({"pipeline": p.pipeline, "pipelineTask": p.pipeline_task, "task": p.task, "digest": p.digest}))
                .collect();
            tm.insert("tasks".into(), Value::Array(tasks));
        }
        m.insert("tekton".into(), Value::Object(tm));
    }
    let mut out = serde_json::to_vec(&Value::Object(m)).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The settings a rebuild must reuse, read back from a lock document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockSettings {
    /// `sourceDateEpoch`.
    pub source_date_epoch: u64,
    /// True when the bundle had a Tekton part.
    pub tekton: bool,
    /// `tekton.repository` (the `--pin` argument).
    pub pin: Option<String>,
    /// The input files, as `(repo, path, sha256)`.
    pub inputs: Vec<(String, String, String)>,
}

/// Parses the settings out of a lock document; `Err` says what is wrong.
pub fn parse(bytes: &[u8]) -> Result<LockSettings, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the lock document is not JSON: {e}"))?;
    if v["apiVersion"] != json!(API_VERSION) {
        return Err(format!(
            "the lock document's apiVersion is {}, expected {API_VERSION}",
            v["apiVersion"]
        ));
    }
    let s = |x: &Value| x.as_str().unwrap_or("").to_string();
    let inputs = v["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| (s(&f["repo"]), s(&f["path"]), s(&f["sha256"])))
                .collect()
        })
        .unwrap_or_default();
    Ok(LockSettings {
        source_date_epoch: v["sourceDateEpoch"].as_u64().unwrap_or(0),
        tekton: v.get("tekton").is_some(),
        pin: v["tekton"]["repository"].as_str().map(str::to_string),
        inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_settings_a_rebuild_needs() {
        let p = Provenance {
            source_kind: "KfDef".into(),
            source: "app.yaml".into(),
            inputs: vec![InputFile {
                repo: "m".into(),
                path: "a/b.yaml".into(),
                sha256: "00".into(),
            }],
            ..Provenance::default()
        };
        let t = TektonLock {
            digest: "sha256:1".into(),
            pin: Some("r/p@sha256:1".into()),
            repository: Some("r/p".into()),
            tasks: Vec::new(),
        };
        let bytes = render(&p, 42, Some(&t));
        assert_eq!(render(&p, 42, Some(&t)), bytes);
        let back = parse(&bytes);
        assert_eq!(
            back,
            Ok(LockSettings {
                source_date_epoch: 42,
                tekton: true,
                pin: Some("r/p".into()),
                inputs: vec![("m".into(), "a/b.yaml".into(), "00".into())],
            })
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with(r#"{"apiVersion":"strata.dev/v1alpha1","kind":"BundleLock","engine":{"name":"strata","version":""#));
        assert!(parse(b"{}").is_err());
    }
}

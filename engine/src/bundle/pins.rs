//! `strata verify`'s check of the digest pins inside a bundle: that each bundled
//! Pipeline's inlined Task is the bundled Task it names (by the digest of its YAML), that
//! the Tasks the lock records have those digests, and that a pinned PipelineRun names the
//! Tekton bundle the lock records.

use std::io::Read as _;

use serde_json::Value;

use super::tekton::ANN_TASK;
use super::verify::Layout;
use crate::fs::record::sha256_hex;
use crate::yaml::Node;

/// A layer's file never decompresses to more than this (a bundle is untrusted input).
const MAX_LAYER_BYTES: u64 = 64 << 20;

/// One bundled resource: its parsed YAML and the digest of its bytes.
struct Layer {
    node: Node,
    digest: String,
}

impl Layer {
    fn is(&self, kind: &str) -> bool {
        self.node
            .str_at(&["apiVersion"])
            .is_some_and(|a| a.starts_with("tekton.dev/"))
            && self.node.str_at(&["kind"]) == Some(kind)
    }
    fn name(&self) -> &str {
        self.node.str_at(&["metadata", "name"]).unwrap_or("")
    }
}

/// Reads a layer: gzip, a tar of one file, YAML.
fn read_layer(layout: &Layout, digest: &str) -> Result<Layer, String> {
    let blob = digest
        .split_once(':')
        .and_then(|(a, h)| layout.files.get(&format!("blobs/{a}/{h}")))
        .ok_or_else(|| format!("layer {digest}: blob missing"))?;
    let mut tar_bytes = Vec::new();
    flate2::read::GzDecoder::new(blob.as_slice())
        .take(MAX_LAYER_BYTES + 1)
        .read_to_end(&mut tar_bytes)
        .map_err(|e| format!("layer {digest}: not gzip: {e}"))?;
    if tar_bytes.len() as u64 > MAX_LAYER_BYTES {
        return Err(format!(
            "layer {digest}: larger than {MAX_LAYER_BYTES} bytes"
        ));
    }
    let entries = super::tar::read(&tar_bytes).map_err(|e| format!("layer {digest}: {e}"))?;
    let file = entries
        .into_iter()
        .find(|e| !e.dir)
        .ok_or_else(|| format!("layer {digest}: holds no file"))?;
    let text = String::from_utf8(file.data)
        .map_err(|_| format!("layer {digest}: {} is not UTF-8", file.path))?;
    let node = crate::yaml::parse_one(&text).map_err(|e| format!("layer {digest}: {e}"))?;
    Ok(Layer {
        node,
        digest: format!("sha256:{}", sha256_hex(text.as_bytes())),
    })
}

/// Checks every pin in every manifest of `layout`; returns how many were checked, or
/// every problem found.
pub fn check(layout: &Layout) -> Result<usize, Vec<String>> {
    let mut problems = Vec::new();
    let mut checked = 0;
    let index: Value = layout
        .files
        .get("index.json")
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or_default();
    for md in index["manifests"].as_array().into_iter().flatten() {
        let blob = |d: &Value| {
            d.as_str()
                .and_then(|d| d.split_once(':'))
                .and_then(|(a, h)| layout.files.get(&format!("blobs/{a}/{h}")))
        };
        let Some(m) = blob(&md["digest"]).and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            continue;
        };
        let mut layers = Vec::new();
        for l in m["layers"].as_array().into_iter().flatten() {
            match read_layer(layout, l["digest"].as_str().unwrap_or("")) {
                Ok(layer) => layers.push(layer),
                Err(e) => problems.push(e),
            }
        }
        let task = |name: &str| layers.iter().find(|l| l.is("Task") && l.name() == name);
        // Inlined Tasks: the annotation names a bundled Task by the digest of its YAML.
        for p in layers.iter().filter(|l| l.is("Pipeline")) {
            for list in ["tasks", "finally"] {
                let items = p.node.get_path(&["spec", list]).and_then(Node::as_seq);
                for t in items.into_iter().flatten() {
                    let Some(spec) = t.get("taskSpec") else {
                        continue;
                    };
                    let Some(pin) = spec.str_at(&["metadata", "annotations", ANN_TASK]) else {
                        continue;
                    };
                    checked += 1;
                    let at = format!(
                        "Pipeline {} task {}",
                        p.name(),
                        t.str_at(&["name"]).unwrap_or("")
                    );
                    let Some((name, digest)) = pin.split_once('@') else {
                        problems.push(format!("{at}: {ANN_TASK} {pin:?} is not NAME@sha256:HEX"));
                        continue;
                    };
                    let Some(bundled) = task(name) else {
                        problems.push(format!(
                            "{at}: inlines Task {name}, which is not in the bundle"
                        ));
                        continue;
                    };
                    if bundled.digest != digest {
                        problems.push(format!(
                            "{at}: inlines Task {name} at {digest}, the bundled Task is {}",
                            bundled.digest
                        ));
                    }
                    let mut inline = spec.clone();
                    if let Node::Map(m) = &mut inline {
                        m.shift_remove("metadata");
                    }
                    if bundled.node.get("spec") != Some(&inline) {
                        problems.push(format!(
                            "{at}: the inlined spec is not the spec of the bundled Task {name}"
                        ));
                    }
                }
            }
        }
        // What the lock records: the Tasks' digests and the Tekton bundle runs are pinned to.
        let Some(lock) =
            blob(&m["config"]["digest"]).and_then(|b| serde_json::from_slice::<Value>(b).ok())
        else {
            continue;
        };
        for rec in lock["tekton"]["tasks"].as_array().into_iter().flatten() {
            checked += 1;
            let name = rec["task"].as_str().unwrap_or("");
            let digest = rec["digest"].as_str().unwrap_or("");
            match task(name) {
                Some(l) if l.digest == digest => {}
                Some(l) => problems.push(format!(
                    "the lock records Task {name} at {digest}, the bundle holds {}",
                    l.digest
                )),
                None => problems.push(format!(
                    "the lock records Task {name}, which is not in the bundle"
                )),
            }
        }
        if let Some(pin) = lock["tekton"]["pin"].as_str() {
            for run in layers.iter().filter(|l| l.is("PipelineRun")) {
                let Some(pref) = run.node.get_path(&["spec", "pipelineRef"]) else {
                    continue;
                };
                if pref.str_at(&["resolver"]) != Some("bundles") {
                    continue;
                }
                checked += 1;
                let params = pref.get("params").and_then(Node::as_seq);
                let bundle = params
                    .into_iter()
                    .flatten()
                    .find(|p| p.str_at(&["name"]) == Some("bundle"))
                    .and_then(|p| p.str_at(&["value"]));
                if bundle != Some(pin) {
                    problems.push(format!(
                        "PipelineRun {} runs the bundle {}, the lock pins {pin}",
                        run.name(),
                        bundle.unwrap_or("(none)")
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::Resource;

    fn res(text: &str) -> Resource {
        Resource::new(crate::yaml::parse_one(text).unwrap_or_default())
    }

    fn layout(resources: &[Resource]) -> Layout {
        let (img, _) = super::super::tekton::image(resources, 0).unwrap_or_else(|e| panic!("{e}"));
        Layout {
            files: img.layout_files("latest"),
        }
    }

    const TASK: &str = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n  - name: s\n    image: alpine\n";
    const PIPELINE: &str = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n  - name: a\n    taskRef:\n      name: t\n";

    #[test]
    fn inlined_tasks_must_be_the_bundled_ones() {
        let good = [res(TASK), res(PIPELINE)];
        assert_eq!(check(&layout(&good)), Ok(1));
        // The Pipeline inlined the first Task; the bundle now holds another one.
        let (img, _) = super::super::tekton::image(&good, 0).unwrap_or_else(|e| panic!("{e}"));
        let inlined = Layout {
            files: img.layout_files("latest"),
        };
        let pipeline = read_layer(&inlined, img.layers[1].digest.as_str())
            .map(|l| l.node)
            .unwrap_or_default();
        let other = res(&TASK.replace("alpine", "busybox"));
        let got = check(&layout(&[other, Resource::new(pipeline)]));
        let problems = got.err().unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("Pipeline p task a: inlines Task t at sha256:"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("is not the spec of the bundled Task t"),
            "{problems:?}"
        );
    }
}

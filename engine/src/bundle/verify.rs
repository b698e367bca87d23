//! Reading a bundle back and checking it: every digest in the layout, and a rebuild
//! compared resource by resource.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::fs::record::sha256_hex;
use crate::fs::{Fs, Kind};

use super::oci::Image;
use super::{ANN_API_VERSION, ANN_KIND, ANN_NAME, ANN_NAMESPACE, BundleError, lock, tar};

/// The files of an OCI image layout, from a directory or a tar archive.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Relative path (`/`-separated) to contents.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// What a successful check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The manifest digests the index names, in order.
    pub manifests: Vec<String>,
    /// How many blobs were checked.
    pub blobs: usize,
    /// How many digest pins were checked (inlined Tasks, locked Tasks, pinned runs).
    pub pins: usize,
}

/// Reads a layout directory or a tar archive of one.
pub fn read(fs: &dyn Fs, path: &Path) -> Result<Layout, BundleError> {
    let io = |e| BundleError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut files = BTreeMap::new();
    match fs.kind(path) {
        Some(Kind::Dir) => {
            let mut stack = vec![path.to_path_buf()];
            while let Some(dir) = stack.pop() {
                for p in fs.read_dir(&dir).map_err(io)? {
                    match fs.kind(&p) {
                        Some(Kind::Dir) => stack.push(p),
                        Some(Kind::File) => {
                            let rel = p.strip_prefix(path).unwrap_or(&p);
                            let rel: Vec<String> = rel
                                .components()
                                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                                .collect();
                            files.insert(rel.join("/"), fs.read(&p).map_err(io)?);
                        }
                        None => {}
                    }
                }
            }
        }
        Some(Kind::File) => {
            let bytes = fs.read(path).map_err(io)?;
            let entries = tar::read(&bytes).map_err(|m| BundleError::Invalid {
                path: path.to_path_buf(),
                problems: vec![m],
            })?;
            for e in entries.into_iter().filter(|e| !e.dir) {
                files.insert(e.path, e.data);
            }
        }
        None => return Err(io(std::io::ErrorKind::NotFound.into())),
    }
    Ok(Layout { files })
}

impl Layout {
    fn blob(&self, digest: &str) -> Option<&Vec<u8>> {
        let (alg, hex) = digest.split_once(':')?;
        self.files.get(&format!("blobs/{alg}/{hex}"))
    }

    fn json(&self, digest: &str) -> Option<Value> {
        self.blob(digest)
            .and_then(|b| serde_json::from_slice(b).ok())
    }

    /// Returns the first manifest's digest and its parsed JSON.
    pub fn main_manifest(&self) -> Option<(String, Value)> {
        let index: Value = serde_json::from_slice(self.files.get("index.json")?).ok()?;
        let d = index["manifests"][0]["digest"].as_str()?.to_string();
        let m = self.json(&d)?;
        Some((d, m))
    }

    /// Returns the lock document of the first manifest, parsed.
    pub fn lock(&self) -> Option<lock::LockSettings> {
        let (_, m) = self.main_manifest()?;
        lock::parse(self.blob(m["config"]["digest"].as_str()?)?).ok()
    }
}

/// Checks every digest and size in the layout; `Err` lists every problem found.
pub fn check(layout: &Layout) -> Result<Report, Vec<String>> {
    let mut problems = Vec::new();
    match layout
        .files
        .get("oci-layout")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    {
        Some(v) if v["imageLayoutVersion"].is_string() => {}
        _ => problems.push("oci-layout is missing or has no imageLayoutVersion".to_string()),
    }
    let mut blobs = 0;
    for (p, bytes) in &layout.files {
        if let Some(hex) = p.strip_prefix("blobs/sha256/") {
            blobs += 1;
            let actual = sha256_hex(bytes);
            if actual != hex {
                problems.push(format!("{p}: content has sha256 {actual}"));
            }
        } else if p.starts_with("blobs/") {
            problems.push(format!("{p}: unsupported digest algorithm"));
        }
    }
    let check_desc = |what: &str, d: &Value, problems: &mut Vec<String>| -> Option<Vec<u8>> {
        let digest = d["digest"].as_str().unwrap_or("");
        let Some(bytes) = layout.blob(digest) else {
            problems.push(format!("{what} {digest}: blob missing"));
            return None;
        };
        if d["size"].as_u64() != Some(bytes.len() as u64) {
            problems.push(format!(
                "{what} {digest}: size {} in its descriptor, {} on disk",
                d["size"],
                bytes.len()
            ));
        }
        Some(bytes.clone())
    };
    let mut manifests = Vec::new();
    match layout
        .files
        .get("index.json")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    {
        None => problems.push("index.json is missing or not JSON".to_string()),
        Some(index) => {
            for md in index["manifests"].as_array().cloned().unwrap_or_default() {
                let digest = md["digest"].as_str().unwrap_or("").to_string();
                let Some(bytes) = check_desc("manifest", &md, &mut problems) else {
                    continue;
                };
                manifests.push(digest.clone());
                let Ok(m) = serde_json::from_slice::<Value>(&bytes) else {
                    problems.push(format!("manifest {digest}: not JSON"));
                    continue;
                };
                check_desc("config", &m["config"], &mut problems);
                for (i, l) in m["layers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    check_desc(&format!("layer {i}"), l, &mut problems);
                }
            }
            if manifests.is_empty() && problems.is_empty() {
                problems.push("index.json names no manifest".to_string());
            }
        }
    }
    if problems.is_empty() {
        Ok(Report {
            manifests,
            blobs,
            pins: 0,
        })
    } else {
        Err(problems)
    }
}

fn layer_id(l: &Value) -> String {
    let a = &l["annotations"];
    let s = |k: &str| a[k].as_str().unwrap_or("").to_string();
    let ns = s(ANN_NAMESPACE);
    let name = if ns.is_empty() {
        s(ANN_NAME)
    } else {
        format!("{ns}/{}", s(ANN_NAME))
    };
    format!("{} {name} ({})", s(ANN_KIND), s(ANN_API_VERSION))
}

/// Returns each layer of a manifest as (resource id, layer digest), in order.
fn layer_digests(manifest: &Value) -> Vec<(String, String)> {
    let layers = manifest["layers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    layers
        .iter()
        .map(|l| (layer_id(l), l["digest"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// Lists how a rebuilt image differs from the first image of a layout: resources added,
/// removed, changed or reordered, and inputs whose digests differ.
pub fn compare(rebuilt: &Image, found: &Layout) -> Vec<String> {
    let Some((digest, m)) = found.main_manifest() else {
        return vec!["the bundle has no readable manifest".to_string()];
    };
    if digest == rebuilt.digest() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let theirs = layer_digests(&m);
    let ours = layer_digests(&serde_json::from_slice(&rebuilt.manifest.bytes).unwrap_or_default());
    for (id, d) in &ours {
        match theirs.iter().find(|(i, _)| i == id) {
            None => out.push(format!("resource {id}: in the rebuild, not in the bundle")),
            Some((_, td)) if td != d => out.push(format!(
                "resource {id}: differs (bundle layer {td}, rebuilt layer {d})"
            )),
            Some(_) => {}
        }
    }
    for (id, _) in &theirs {
        if !ours.iter().any(|(i, _)| i == id) {
            out.push(format!("resource {id}: in the bundle, not in the rebuild"));
        }
    }
    if out.is_empty() && ours != theirs {
        out.push("the resources are the same but in another order".to_string());
    }
    let their_cfg = m["config"]["digest"].as_str().unwrap_or("");
    if their_cfg != rebuilt.config.digest {
        let theirs = found.lock().map(|l| l.inputs).unwrap_or_default();
        let ours = lock::parse(&rebuilt.config.bytes)
            .map(|l| l.inputs)
            .unwrap_or_default();
        let name = |(r, p, _): &(String, String, String)| {
            if r.is_empty() {
                p.clone()
            } else {
                format!("{r}:{p}")
            }
        };
        let mut n = 0;
        for o in &ours {
            match theirs.iter().find(|t| t.0 == o.0 && t.1 == o.1) {
                None => out.push(format!("input {}: read by the rebuild only", name(o))),
                Some(t) if t.2 != o.2 => out.push(format!(
                    "input {}: sha256 {} in the bundle, {} now",
                    name(o),
                    t.2,
                    o.2
                )),
                Some(_) => continue,
            }
            n += 1;
        }
        for t in &theirs {
            if !ours.iter().any(|o| o.0 == t.0 && o.1 == t.1) {
                out.push(format!(
                    "input {}: read by the bundle's build only",
                    name(t)
                ));
                n += 1;
            }
        }
        if n == 0 {
            out.push(format!("the lock document differs (bundle {their_cfg}, rebuild {}): same inputs, other settings or engine", rebuilt.config.digest));
        }
    }
    if out.is_empty() {
        out.push(format!(
            "the manifest differs (bundle {digest}, rebuild {})",
            rebuilt.digest()
        ));
    }
    out
}

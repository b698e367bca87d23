//! The synthetic scale benchmark: generated trees of N resources, built by the release
//! binary; time per resource must stay flat as N grows (no quadratic step).
//!
//! Three trees per size: `plain` (base + overlay with prefix, namespace, labels,
//! annotations, a strategic-merge patch on every Deployment, image overrides, a ConfigMap
//! generator and name references from Deployments to ConfigMaps and Secrets),
//! `configmap-generator` (N ConfigMaps from `configMapGenerator:` entries, an overlay that
//! prefixes them all and merges data into every tenth) and `plugin-generator` (N
//! ConfigMaps from one wasm generator plugin).
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it builds, generates and benchmarks files"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util;

/// The trees measured at each size: a name and the function that writes it.
type Tree = (&'static str, fn(&Path, usize) -> Result<()>);

const TREES: [Tree; 3] = [
    ("plain", generate),
    ("configmap-generator", generate_configmaps),
    ("plugin-generator", generate_plugin),
];

/// Resources per generated file, so that file count and file size both stay realistic.
const PER_FILE: usize = 300;

/// Runs `xtask bench --scale [N,N,...]`.
pub fn run(sizes: &[usize], repeat: usize) -> Result<()> {
    util::cargo(&["build", "--release", "-p", "strata"])?;
    let engine = util::root().join("target/release/strata");
    // A cache of its own, so the plugin tree's first build compiles and the rest do not.
    let cache = util::root().join("target/scale/plugin-cache");
    let mut rows = Vec::new();
    for (tree, write) in TREES {
        for &n in sizes {
            let dir = util::root()
                .join("target/scale")
                .join(tree)
                .join(n.to_string());
            write(&dir, n)?;
            let overlay = dir.join("overlay");
            let mut times = Vec::new();
            let mut out_len = 0;
            for _ in 0..repeat.max(1) {
                let t = Instant::now();
                let out = Command::new(&engine)
                    .arg("build")
                    .arg(&overlay)
                    .env("STRATA_CACHE_DIR", &cache)
                    .output()
                    .with_context(|| format!("running {}", engine.display()))?;
                times.push(t.elapsed());
                if !out.status.success() {
                    bail!(
                        "strata build {} failed: {}",
                        overlay.display(),
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                out_len = out.stdout.len();
            }
            times.sort();
            rows.push((tree, n, times[times.len() / 2], out_len));
        }
    }
    println!(
        "{:<20} {:>9} {:>10} {:>12} {:>14}",
        "tree", "resources", "median", "output", "µs/resource"
    );
    for (tree, n, t, len) in &rows {
        let per = per_resource(*t, *n);
        let base = rows
            .iter()
            .find(|r| r.0 == *tree)
            .map(|r| per_resource(r.2, r.1));
        println!(
            "{tree:<20} {n:>9} {:>9.3}s {:>10.1}MB {per:>13.1}{}",
            t.as_secs_f64(),
            *len as f64 / 1e6,
            base.map(|b| format!("  ({:.2}x of the smallest)", per / b))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn per_resource(t: Duration, n: usize) -> f64 {
    t.as_secs_f64() * 1e6 / n as f64
}

/// Writes the tree for `n` resources under `dir` (replacing what was there).
pub fn generate(dir: &Path, n: usize) -> Result<()> {
    let (base, overlay) = fresh_tree(dir)?;
    // Each unit is a ConfigMap, a Deployment that refers to it, and a Service: 3 resources.
    let units = n / 3;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut text = String::new();
    let mut in_file = 0;
    for i in 0..units {
        write!(
            text,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  key: value-{i}\n  other: \"{i}\"\n---\n\
apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  labels:\n    app: app-{i}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n    metadata:\n      labels:\n        app: app-{i}\n    spec:\n      serviceAccountName: sa\n      containers:\n      - name: main\n        image: registry.example/app:v1\n        envFrom:\n        - configMapRef:\n            name: cm-{i}\n        - secretRef:\n            name: shared-secret\n        volumeMounts:\n        - name: config\n          mountPath: /etc/app\n      volumes:\n      - name: config\n        configMap:\n          name: cm-{i}\n---\n\
apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  selector:\n    app: app-{i}\n  ports:\n  - port: 80\n    targetPort: 8080\n---\n"
        )?;
        in_file += 3;
        if in_file >= PER_FILE || i + 1 == units {
            let name = format!("r-{:05}.yaml", files.len());
            std::fs::write(base.join(&name), &text)?;
            files.push(PathBuf::from(name));
            text.clear();
            in_file = 0;
        }
    }
    let mut k = String::from(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n",
    );
    for f in &files {
        writeln!(k, "- {}", f.display())?;
    }
    k.push_str("- sa.yaml\nsecretGenerator:\n- name: shared-secret\n  literals:\n  - token=abc\ncommonLabels:\n  tier: backend\n");
    std::fs::write(base.join("kustomization.yaml"), k)?;
    std::fs::write(
        base.join("sa.yaml"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n",
    )?;
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../base\n\
namePrefix: prod-\nnamespace: prod\ncommonAnnotations:\n  owner: team-a\n\
images:\n- name: registry.example/app\n  newTag: v2\n\
configMapGenerator:\n- name: settings\n  literals:\n  - mode=prod\n\
patches:\n- target:\n    kind: Deployment\n  patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: any\n    spec:\n      replicas: 3\n      template:\n        spec:\n          containers:\n          - name: main\n            resources:\n              limits:\n                memory: 256Mi\n",
    )?;
    Ok(())
}

/// Writes a tree of `n` ConfigMaps from `configMapGenerator:` entries: a base generating
/// them, an overlay that prefixes every name (so each has a previous id) and merges a key
/// into every tenth (the `behavior: merge` lookups).
pub fn generate_configmaps(dir: &Path, n: usize) -> Result<()> {
    let (base, overlay) = fresh_tree(dir)?;
    let mut k = String::from("configMapGenerator:\n");
    for i in 0..n {
        writeln!(k, "- name: gen-{i}\n  literals:\n  - key=value-{i}")?;
    }
    std::fs::write(base.join("kustomization.yaml"), k)?;
    let mut k = String::from("resources:\n- ../base\nnamePrefix: prod-\nconfigMapGenerator:\n");
    for i in (0..n).step_by(10) {
        writeln!(
            k,
            "- name: gen-{i}\n  behavior: merge\n  literals:\n  - extra=more-{i}"
        )?;
    }
    std::fs::write(overlay.join("kustomization.yaml"), k)?;
    Ok(())
}

/// Writes a tree of `n` ConfigMaps from one wasm generator plugin (its output a data
/// segment, so the time is the engine's, not the plugin's), under a prefixing overlay.
pub fn generate_plugin(dir: &Path, n: usize) -> Result<()> {
    let (base, overlay) = fresh_tree(dir)?;
    let mut list = String::from(r#"{"kind":"ResourceList","items":["#);
    for i in 0..n {
        if i > 0 {
            list.push(',');
        }
        write!(
            list,
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"gen-{i}"}},"data":{{"key":"value-{i}"}}}}"#
        )?;
    }
    list.push_str("]}\n");
    let escaped = list
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    // The iovec at 0 points at the data from 64 on; one fd_write prints it all.
    let pages = (64 + list.len()).div_ceil(65536);
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") {pages})
  (data (i32.const 64) "{escaped}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const {len}))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"#,
        len = list.len()
    );
    let wasm = wat::parse_str(&wat).context("assembling the generator plugin")?;
    let sha = util::sha256_hex(&wasm);
    std::fs::write(base.join("gen.wasm"), &wasm)?;
    std::fs::write(
        base.join("gen.yaml"),
        format!(
            "apiVersion: strata.dev/v1alpha1\nkind: Gen\nmetadata:\n  name: gen\n  annotations:\n    config.kubernetes.io/function: |\n      wasm: {{path: gen.wasm, sha256: {sha}}}\n"
        ),
    )?;
    std::fs::write(base.join("kustomization.yaml"), "generators:\n- gen.yaml\n")?;
    std::fs::write(
        overlay.join("kustomization.yaml"),
        "resources:\n- ../base\nnamePrefix: prod-\n",
    )?;
    Ok(())
}

/// Empties `dir` and creates its `base` and `overlay` directories.
fn fresh_tree(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    let _ = std::fs::remove_dir_all(dir);
    let (base, overlay) = (dir.join("base"), dir.join("overlay"));
    std::fs::create_dir_all(&base)?;
    std::fs::create_dir_all(&overlay)?;
    Ok((base, overlay))
}

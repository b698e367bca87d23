//! The synthetic scale benchmark: generated trees of N resources (base + overlay with
//! prefix, namespace, labels, annotations, a strategic-merge patch on every Deployment,
//! image overrides, a ConfigMap generator and name references from Deployments to
//! ConfigMaps and Secrets), built by the release binary; time per resource must stay
//! flat as N grows (no quadratic step).
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

/// Resources per generated file, so that file count and file size both stay realistic.
const PER_FILE: usize = 300;

/// Runs `xtask bench --scale [N,N,...]`.
pub fn run(sizes: &[usize], repeat: usize) -> Result<()> {
    util::cargo(&["build", "--release", "-p", "strata"])?;
    let engine = util::root().join("target/release/strata");
    let mut rows = Vec::new();
    for &n in sizes {
        let dir = util::root().join("target/scale").join(n.to_string());
        generate(&dir, n)?;
        let overlay = dir.join("overlay");
        let mut times = Vec::new();
        let mut out_len = 0;
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let out = Command::new(&engine)
                .arg("build")
                .arg(&overlay)
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
        let median = times[times.len() / 2];
        let docs = n;
        rows.push((n, median, out_len, docs));
    }
    println!(
        "{:>8} {:>10} {:>12} {:>14}",
        "resources", "median", "output", "µs/resource"
    );
    let base = rows.first().map(|r| per_resource(r.1, r.0));
    for (n, t, len, _) in &rows {
        let per = per_resource(*t, *n);
        println!(
            "{n:>8} {:>9.3}s {:>10.1}MB {per:>13.1}{}",
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
    let _ = std::fs::remove_dir_all(dir);
    let base = dir.join("base");
    let overlay = dir.join("overlay");
    std::fs::create_dir_all(&base)?;
    std::fs::create_dir_all(&overlay)?;
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

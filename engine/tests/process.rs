//! The one test file that runs the real `strata` binary: exit codes, the stdout/stderr
//! split, no half-written output, and the conformance floor.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn strata(args: &[&str], cwd: &Path) -> Output {
    strata_threads(args, cwd, None)
}

/// Runs strata, with `STRATA_THREADS` set when `threads` is given.
fn strata_threads(args: &[&str], cwd: &Path, threads: Option<usize>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.args(args).current_dir(cwd);
    if let Some(n) = threads {
        cmd.env("STRATA_THREADS", n.to_string());
    }
    cmd.output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

/// Asserts a success, showing stderr otherwise.
fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh directory under the target dir, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

/// Asserts a refusal: exit 1, nothing on stdout, one error paragraph naming `needle`.
fn assert_refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout must stay empty on failure");
    assert!(err.starts_with("Error: "), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "stderr: {err}"
    );
}

#[test]
fn builds_a_tree_and_prints_kustomize_bytes() {
    let d = scratch("ok");
    write(&d, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(&d, "cm.yaml", CM);
    let out = strata(&["build", "."], &d);
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: cm\n"
    );
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let d = scratch("malformed");
    write(&d, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(
        &d,
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [cm\n",
    );
    assert_refused(
        &strata(&["build", "."], &d),
        "cm.yaml: invalid YAML at line",
    );
}

#[test]
fn missing_file_is_named() {
    let d = scratch("missing");
    write(&d, "kustomization.yaml", "resources:\n- nope.yaml\n");
    assert_refused(&strata(&["build", "."], &d), "nope.yaml' does not exist");
}

#[test]
fn cycle_is_named() {
    let d = scratch("cycle");
    write(&d, "a/kustomization.yaml", "resources:\n- ../b\n");
    write(&d, "b/kustomization.yaml", "resources:\n- ../a\n");
    assert_refused(&strata(&["build", "a"], &d), "cycle detected");
}

#[test]
fn path_escaping_the_root_is_refused() {
    let d = scratch("escape");
    write(&d, "cm.yaml", CM);
    write(&d, "app/kustomization.yaml", "resources:\n- ../cm.yaml\n");
    assert_refused(&strata(&["build", "app"], &d), "is not in or below");
    let out = strata(
        &["build", "app", "--load-restrictor", "LoadRestrictionsNone"],
        &d,
    );
    assert_ok(&out);
}

#[cfg(unix)]
#[test]
fn symlink_escaping_the_root_is_refused() {
    let d = scratch("symlink");
    write(&d, "secret.yaml", CM);
    write(&d, "app/kustomization.yaml", "resources:\n- link.yaml\n");
    std::os::unix::fs::symlink(d.join("secret.yaml"), d.join("app/link.yaml"))
        .unwrap_or_else(|e| panic!("symlink: {e}"));
    assert_refused(&strata(&["build", "app"], &d), "is not in or below");
}

#[test]
fn non_utf8_is_refused_with_offset() {
    let d = scratch("utf8");
    write(&d, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(
        &d,
        "cm.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n",
    );
    assert_refused(&strata(&["build", "."], &d), "not UTF-8 text");
}

#[test]
fn empty_kustomization_is_refused_and_empty_resource_file_is_nothing() {
    let d = scratch("empty");
    write(&d, "kustomization.yaml", "");
    assert_refused(&strata(&["build", "."], &d), "kustomization file is empty");
    write(&d, "kustomization.yaml", "resources:\n- e.yaml\n");
    write(&d, "e.yaml", "");
    let out = strata(&["build", "."], &d);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn huge_file_is_refused_before_reading() {
    let d = scratch("huge");
    write(&d, "kustomization.yaml", "resources:\n- big.yaml\n");
    let f = std::fs::File::create(d.join("big.yaml")).unwrap_or_else(|e| panic!("{e}"));
    // A sparse 1 GiB file: no disk or memory is used unless someone reads it.
    f.set_len(1 << 30).unwrap_or_else(|e| panic!("{e}"));
    assert_refused(&strata(&["build", "."], &d), "more than the");
}

/// Runs strata, killing it and failing the test if it has not finished after a minute
/// (a read that blocks or never ends is the bug these tests catch).
fn strata_or_hang(args: &[&str], cwd: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("running strata: {e}"));
    for _ in 0..600 {
        if child.try_wait().ok().flatten().is_some() {
            return child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("strata's output: {e}"));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("strata build {args:?} hung");
}

#[cfg(target_os = "linux")]
#[test]
fn devices_are_refused_not_read() {
    let d = scratch("devzero");
    // stat says /dev/zero has 0 bytes; reading it never ends.
    write(&d, "kustomization.yaml", "resources:\n- /dev/zero\n");
    let none = ["build", ".", "--load-restrictor", "LoadRestrictionsNone"];
    assert_refused(&strata_or_hang(&none, &d), "/dev/zero: not a regular file");
    write(
        &d,
        "kustomization.yaml",
        "configMapGenerator:\n- name: z\n  files:\n  - zero=/dev/zero\n",
    );
    assert_refused(&strata_or_hang(&none, &d), "not a regular file");
}

#[cfg(unix)]
#[test]
fn fifos_are_refused_not_waited_on() {
    let d = scratch("fifo");
    write(&d, "kustomization.yaml", "resources:\n- pipe.yaml\n");
    let made = Command::new("mkfifo")
        .arg(d.join("pipe.yaml"))
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    // Opening a FIFO for reading waits for a writer, which never comes.
    assert_refused(
        &strata_or_hang(&["build", "."], &d),
        "pipe.yaml: not a regular file",
    );
    // The kustomization file itself.
    let k = scratch("fifo-kustomization");
    let made = Command::new("mkfifo")
        .arg(k.join("kustomization.yaml"))
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
    assert_refused(&strata_or_hang(&["build", "."], &k), "not a regular file");
}

#[cfg(unix)]
#[test]
fn kustomization_symlink_escaping_the_root_is_refused_unread() {
    let d = scratch("kustomization-symlink");
    // Not YAML a kustomization could be: a parse error would quote it.
    write(
        &d,
        "outside/secret.txt",
        "resources: [\nhunter2-do-not-print\n",
    );
    write(&d, "outside/k.yaml", "resources:\n- cm.yaml\n");
    write(&d, "root/cm.yaml", CM);
    std::os::unix::fs::symlink(
        d.join("outside/secret.txt"),
        d.join("root/kustomization.yaml"),
    )
    .unwrap_or_else(|e| panic!("symlink: {e}"));
    let out = strata(&["build", "root"], &d);
    assert_refused(&out, "is not in or below");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
    // kustomize reads it under LoadRestrictionsNone, its entries relative to the root.
    let _ = std::fs::remove_file(d.join("root/kustomization.yaml"));
    std::os::unix::fs::symlink(d.join("outside/k.yaml"), d.join("root/kustomization.yaml"))
        .unwrap_or_else(|e| panic!("symlink: {e}"));
    assert_refused(&strata(&["build", "root"], &d), "is not in or below");
    let out = strata(
        &["build", "root", "--load-restrictor", "LoadRestrictionsNone"],
        &d,
    );
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: cm\n"));
}

#[test]
fn resources_without_kind_or_name_are_refused_as_kustomize_does() {
    let d = scratch("unnamed");
    let cases = [
        ("metadata:\n  labels:\n    a: b\n", "missing metadata.name"),
        ("data:\n  a: b\n", "missing metadata.name"),
        ("metadata:\n  name: \"\"\n", "missing metadata.name"),
        ("metadata:\n  name: ~\n", "missing metadata.name"),
        ("metadata:\n  generateName: x-\n", "missing metadata.name"),
    ];
    write(&d, "kustomization.yaml", "resources:\n- r.yaml\n");
    for (rest, needle) in cases {
        write(
            &d,
            "r.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\n{rest}"),
        );
        assert_refused(&strata(&["build", "."], &d), needle);
    }
    for doc in [
        "apiVersion: v1\nmetadata:\n  name: x\n",
        "apiVersion: v1\nkind: \"\"\nmetadata:\n  name: x\n",
        // Both missing: kustomize names the kind.
        "apiVersion: v1\ndata:\n  a: b\n",
        // A List's items too.
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  metadata:\n    name: x\n",
    ] {
        write(&d, "r.yaml", doc);
        assert_refused(&strata(&["build", "."], &d), "r.yaml: missing kind");
    }
    // A transformer that removes them.
    write(&d, "r.yaml", CM);
    for (path, needle) in [
        ("/metadata", "missing metadata.name"),
        ("/metadata/name", "missing metadata.name"),
        ("/kind", "missing kind"),
    ] {
        write(
            &d,
            "kustomization.yaml",
            format!(
                "resources:\n- r.yaml\npatches:\n- target:\n    kind: ConfigMap\n  patch: |-\n    - op: remove\n      path: {path}\n"
            ),
        );
        let out = strata(&["build", "."], &d);
        assert_refused(&out, needle);
        assert_refused(&out, "kustomization.yaml");
    }
}

#[test]
fn generate_name_base_is_refused_alone_and_named_in_its_app() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = strata(&["build", "overlays/ci/ci-pipeline-run/base"], &repo);
    assert_refused(&out, "pipeline-run.yaml: missing metadata.name");
    let out = strata(
        &[
            "build",
            "overlays/apps/ci-centraldashboard-pipeline-run.yaml",
        ],
        &repo,
    );
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("kind: PipelineRun\nmetadata:\n")
            && text.contains("  name: ci-centraldashboard-pipeline-run-"),
        "{text}"
    );
}

#[test]
fn remote_resources_are_refused_offline() {
    let d = scratch("remote");
    write(
        &d,
        "kustomization.yaml",
        "resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n",
    );
    assert_refused(&strata(&["build", "."], &d), "not supported");
}

#[test]
fn unknown_kustomization_field_is_refused() {
    let d = scratch("unknown");
    write(&d, "kustomization.yaml", "resources: []\nresourcez: []\n");
    assert_refused(&strata(&["build", "."], &d), "resourcez");
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let d = scratch("output");
    write(&d, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(&d, "cm.yaml", CM);
    let out = strata(&["build", ".", "-o", "out.yaml"], &d);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(d.join("out.yaml")).is_ok_and(|s| s.contains("name: cm")));
    write(&d, "cm.yaml", "apiVersion: v1\nkind: [\n");
    let out = strata(&["build", ".", "-o", "out2.yaml"], &d);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !d.join("out2.yaml").exists(),
        "a failed build must not leave an output file"
    );
}

#[test]
fn output_directory_gets_one_file_per_resource() {
    let d = scratch("outdir");
    write(&d, "kustomization.yaml", "resources:\n- r.yaml\n");
    write(
        &d,
        "r.yaml",
        format!("{CM}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: Web\n"),
    );
    std::fs::create_dir_all(d.join("out")).unwrap_or_else(|e| panic!("{e}"));
    let out = strata(&["build", ".", "-o", "out"], &d);
    assert_ok(&out);
    assert!(d.join("out/v1_configmap_cm.yaml").exists());
    assert!(d.join("out/apps_v1_deployment_web.yaml").exists());
}

/// The conformance floor: the pass rate on ../shared/conformance may only go up
/// (`cargo xtask conformance --ratchet` raises tests/conformance.floor).
#[test]
fn conformance_pass_rate_stays_above_the_floor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runner = root.join("../shared/conformance/run");
    assert!(
        runner.exists(),
        "the conformance runner is missing at {}",
        runner.display()
    );
    let out = Command::new(&runner)
        .arg("--engine")
        .arg(env!("CARGO_BIN_EXE_strata"))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", runner.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    let rate: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("pass rate "))
        .and_then(|l| l.split('%').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no pass rate in:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let floor: f64 = std::fs::read_to_string(root.join("tests/conformance.floor"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("tests/conformance.floor must hold a number"));
    assert!(
        rate + 1e-9 >= floor,
        "conformance pass rate {rate}% fell below the floor {floor}%:\n{text}"
    );
}

/// Sub-kustomizations build in parallel; the bytes are kustomize's whatever the number
/// of threads (the Kubeflow platform: 26 sibling trees, 636 resources).
#[test]
fn output_does_not_depend_on_the_thread_count() {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench");
    let expected = std::fs::read(bench.join("expected/kubeflow-manifests__example.yaml"))
        .unwrap_or_else(|e| panic!("the bench corpus is missing: {e}"));
    for threads in [1, 2, 5] {
        let out = strata_threads(
            &["build", "kubeflow-manifests/example"],
            &bench.join("corpus"),
            Some(threads),
        );
        assert_ok(&out);
        assert!(
            out.stdout == expected,
            "with {threads} threads the output differs from kustomize's"
        );
    }
}

/// When several sibling trees are broken, the error is the first one in `resources:`
/// order, as in a sequential walk, however the work was spread over threads.
#[test]
fn the_first_error_in_order_wins_whatever_the_threads() {
    let d = scratch("first-error");
    let names: Vec<String> = (0..12).map(|i| format!("t{i:02}")).collect();
    let mut top = String::from("resources:\n");
    for (i, n) in names.iter().enumerate() {
        top.push_str(&format!("- {n}\n"));
        write(
            &d,
            &format!("{n}/kustomization.yaml"),
            "resources:\n- cm.yaml\n",
        );
        // Trees 3, 7 and 11 are broken; the others are fine and take longer.
        if i % 4 == 3 {
            write(&d, &format!("{n}/cm.yaml"), "a: [unclosed\n");
        } else {
            let many: String = (0..200)
                .map(|j| CM.replace("name: cm", &format!("name: cm-{n}-{j}")))
                .collect::<Vec<_>>()
                .join("---\n");
            write(&d, &format!("{n}/cm.yaml"), many);
        }
    }
    write(&d, "kustomization.yaml", top);
    for threads in [1, 2, 4] {
        let out = strata_threads(&["build", "."], &d, Some(threads));
        assert_refused(&out, "t03");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("t07") && !err.contains("t11"), "{err}");
    }
}

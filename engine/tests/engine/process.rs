//! The real `strata` binary's contract: exit codes, the stdout/stderr split, no
//! half-written output, and the conformance floor (bundle.rs runs the binary too, for
//! `strata bundle`).
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::support::write;

fn strata(args: &[&str], cwd: &Path) -> Output {
    strata_threads(args, cwd, None)
}

/// Runs strata, with `STRATA_THREADS` set when `threads` is given.
fn strata_threads(args: &[&str], cwd: &Path, threads: Option<usize>) -> Output {
    let n = threads.map(|n| n.to_string());
    let env: Vec<(&str, &str)> = n.iter().map(|n| ("STRATA_THREADS", n.as_str())).collect();
    super::support::strata_env(args, cwd, &env)
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
    super::support::scratch!("process", name)
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

// ---- Outputs: `-o` writes only inside what it names, whole or not at all, and keeps
// what is there (links, modes, devices, trees Strata did not write).

use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};

/// Every entry under `dir` (relative path, and the bytes of files), sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap_or_else(|e| panic!("{e}")).path();
            let rel = p.strip_prefix(dir).unwrap_or(&p).display().to_string();
            let m = std::fs::symlink_metadata(&p).unwrap_or_else(|e| panic!("{e}"));
            if m.is_dir() {
                stack.push(p);
                out.push((format!("{rel}/"), Vec::new()));
            } else if m.is_file() {
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            } else {
                // A link, device or FIFO: opening a FIFO to read it would block.
                out.push((rel, Vec::new()));
            }
        }
    }
    out.sort();
    out
}

/// The names in `dir` that look like Strata temporaries.
fn temporaries(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| p.contains(".strata-tmp-") || p.contains("strata-old"))
        .collect()
}

/// A fresh directory holding a kustomization of the one ConfigMap `CM`.
fn cm_tree(name: &str) -> PathBuf {
    let d = scratch(name);
    write(&d, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(&d, "cm.yaml", CM);
    d
}

/// A kustomization in `d` of ConfigMaps with these (name, namespace) pairs.
fn configmaps(d: &Path, maps: &[(&str, &str)]) {
    write(d, "kustomization.yaml", "resources:\n- r.yaml\n");
    let docs: Vec<String> = maps
        .iter()
        .map(|(n, ns)| {
            let ns = if ns.is_empty() {
                String::new()
            } else {
                format!("  namespace: {ns:?}\n")
            };
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {n:?}\n{ns}")
        })
        .collect();
    write(d, "r.yaml", docs.join("---\n"));
}

#[test]
fn output_directory_names_follow_kustomize_with_the_default_namespace() {
    let d = scratch("outdir-ns");
    configmaps(&d, &[("a", ""), ("b", "default"), ("c", "Other")]);
    // Empty and `default` are one namespace, so there are two: every name is prefixed.
    std::fs::create_dir_all(d.join("out")).unwrap_or_else(|e| panic!("{e}"));
    assert_ok(&strata(&["build", ".", "-o", "out"], &d));
    let names: Vec<String> = tree(&d.join("out")).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            "default_v1_configmap_a.yaml",
            "default_v1_configmap_b.yaml",
            "other_v1_configmap_c.yaml"
        ]
    );
}

#[test]
fn output_directory_refuses_names_that_leave_it_and_writes_nothing() {
    let d = scratch("outdir-escape");
    let abs = d.join("abs").display().to_string();
    for (maps, needle) in [
        (
            vec![("ok", "a"), ("cm", "../../x")],
            "metadata.namespace \"../../x\"",
        ),
        (
            vec![("ok", "a"), ("cm", abs.as_str())],
            "metadata.namespace",
        ),
        (vec![("ok", "a"), ("a/b", "a")], "metadata.name \"a/b\""),
    ] {
        let _ = std::fs::remove_dir_all(d.join("out"));
        configmaps(&d, &maps);
        write(&d, "out/v1_configmap_ok.yaml", "old\n");
        write(&d, "out/a_v1_configmap_ok.yaml", "old\n");
        let before = tree(&d);
        let out = strata(&["build", ".", "-o", "out"], &d);
        assert_refused(&out, needle);
        assert_refused(&out, "ConfigMap.v1.[noGrp]/");
        assert_eq!(tree(&d), before, "nothing may be written on a refusal");
        assert!(!d.join("../x_v1_configmap_cm.yaml").exists());
    }
}

#[test]
fn output_directory_is_replaced_whole_keeping_modes_and_refusing_links() {
    let d = scratch("outdir-whole");
    configmaps(&d, &[("a", "default"), ("b", "default")]);
    write(&d, "out/v1_configmap_a.yaml", "old a\n");
    write(&d, "out/mine.txt", "the user's\n");
    let a = d.join("out/v1_configmap_a.yaml");
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ok(&strata(&["build", ".", "-o", "out"], &d));
    let meta = std::fs::metadata(&a).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        meta.mode() & 0o777,
        0o600,
        "an existing file keeps its mode"
    );
    assert!(std::fs::read_to_string(&a).is_ok_and(|s| s.contains("name: a")));
    assert!(d.join("out/v1_configmap_b.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(d.join("out/mine.txt")).unwrap_or_default(),
        "the user's\n"
    );
    assert!(temporaries(&d).is_empty(), "{:?}", temporaries(&d));
    // A symlink where a file goes could lead anywhere: refused before anything is written.
    write(&d, "elsewhere.yaml", "not to be touched\n");
    let b = d.join("out/v1_configmap_b.yaml");
    std::fs::remove_file(&b).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("../elsewhere.yaml", &b).unwrap_or_else(|e| panic!("{e}"));
    write(&d, "out/v1_configmap_a.yaml", "old a\n");
    let before = tree(&d);
    assert_refused(&strata(&["build", ".", "-o", "out"], &d), "symbolic link");
    assert_eq!(tree(&d), before);
}

#[test]
fn output_file_is_written_through_a_symlink_keeping_mode_and_owner() {
    let d = cm_tree("outfile-keep");
    write(&d, "real/target.yaml", "old\n");
    std::os::unix::fs::symlink("real/target.yaml", d.join("link.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_ok(&strata(&["build", ".", "-o", "link.yaml"], &d));
    let link = std::fs::symlink_metadata(d.join("link.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(link.file_type().is_symlink(), "the link must stay a link");
    assert!(
        std::fs::read_to_string(d.join("real/target.yaml")).is_ok_and(|s| s.contains("name: cm"))
    );
    write(&d, "secret.yaml", "old\n");
    let secret = d.join("secret.yaml");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("{e}"));
    // Giving a file away needs root; elsewhere the owner is ours anyway.
    let owner = std::os::unix::fs::chown(&secret, Some(4321), Some(4321)).is_ok();
    assert_ok(&strata(&["build", ".", "-o", "secret.yaml"], &d));
    let m = std::fs::metadata(&secret).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.mode() & 0o7777, 0o600);
    if owner {
        assert_eq!((m.uid(), m.gid()), (4321, 4321));
    }
    assert!(std::fs::read_to_string(&secret).is_ok_and(|s| s.contains("name: cm")));
    assert!(temporaries(&d).is_empty(), "{:?}", temporaries(&d));
}

/// Runs strata, killing it if it has not finished after a minute (a FIFO nobody reads
/// would block it forever).
fn strata_bounded(args: &[&str], cwd: &Path) -> Option<std::process::ExitStatus> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("running strata: {e}"));
    for _ in 0..600 {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn output_fifo_is_written_directly() {
    let d = cm_tree("outfile-fifo");
    let fifo = d.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read(&reader_path).unwrap_or_default());
    });
    let status = strata_bounded(&["build", ".", "-o", "pipe"], &d);
    assert!(
        status.is_some_and(|s| s.success()),
        "strata failed or hung: {status:?}"
    );
    let read = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .unwrap_or_else(|_| {
            // Unblock the reader if strata never opened the FIFO.
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
            panic!("nothing was written to the FIFO")
        });
    assert!(String::from_utf8_lossy(&read).contains("name: cm"));
    let m = std::fs::symlink_metadata(&fifo).unwrap_or_else(|e| panic!("{e}"));
    assert!(m.file_type().is_fifo(), "the FIFO must stay a FIFO");
    assert!(temporaries(&d).is_empty(), "{:?}", temporaries(&d));
}

#[test]
fn output_to_dev_stdout_writes_the_pipe() {
    let d = cm_tree("outfile-stdout");
    // /dev/stdout is a link into /proc to the pipe this test reads.
    let out = strata(&["build", ".", "-o", "/dev/stdout"], &d);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: cm"));
}

#[test]
fn output_device_is_written_directly() {
    let d = cm_tree("outfile-device");
    // A private null device (char 1:3), so a regression cannot replace the real /dev/null.
    let made = Command::new("mknod")
        .arg(d.join("null"))
        .args(["c", "1", "3"])
        .status();
    let usable = made.is_ok_and(|s| s.success())
        && std::fs::OpenOptions::new()
            .write(true)
            .open(d.join("null"))
            .is_ok();
    if !usable {
        eprintln!("skipped: making a device node needs root and a file system without nodev");
        return;
    }
    assert_ok(&strata(&["build", ".", "-o", "null"], &d));
    let m = std::fs::symlink_metadata(d.join("null")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        m.file_type().is_char_device(),
        "the device must stay a device"
    );
    assert!(temporaries(&d).is_empty(), "{:?}", temporaries(&d));
}

#[test]
fn leftovers_of_dead_runs_are_named_and_kept() {
    let d = cm_tree("leftovers");
    // Above Linux's largest pid_max, so no process has it; ours is alive.
    let dead = ".strata-tmp-4999999-0";
    let alive = format!(".strata-tmp-{}-0", std::process::id());
    write(&d, &format!("out/{dead}/0"), "staged\n");
    write(&d, &format!("out/{alive}"), "in progress\n");
    write(&d, ".strata-tmp-4999999-3-all.yaml", "partial\n");
    let out = strata(&["build", ".", "-o", "out"], &d);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "warning: out/{dead} was left by strata process 4999999"
        )),
        "{err}"
    );
    assert!(!err.contains(&alive), "{err}");
    assert!(
        d.join(format!("out/{dead}/0")).exists(),
        "never removed: not provably ours"
    );
    let out = strata(&["build", ".", "-o", "all.yaml"], &d);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".strata-tmp-4999999-3-all.yaml was left"),
        "{err}"
    );
}

#[test]
fn bundle_refuses_to_replace_what_it_did_not_write() {
    let d = scratch("bundle-refuse");
    configmaps(&d.join("k"), &[("a", "default")]);
    write(&d, "proj/src/main.rs", "fn main() {}\n");
    write(&d, "file.txt", "keep\n");
    let before = tree(&d);
    for (out, needle) in [
        ("proj", "not an OCI layout (it holds \"src\")"),
        ("k", "not an OCI layout"),
        ("file.txt", "it is a file"),
    ] {
        assert_refused(&strata(&["bundle", "k", "-o", out], &d), needle);
        assert_eq!(tree(&d), before, "-o {out}");
    }
    // From inside the source tree, `.` is the source tree.
    assert_refused(
        &strata(&["bundle", ".", "-o", "."], &d.join("k")),
        "not an OCI layout",
    );
    // An archive replaces no input file and no archive it did not make.
    write(&d, "other.tar", "x".repeat(1024));
    for out in ["k/kustomization.yaml", "file.txt", "other.tar"] {
        assert_refused(
            &strata(&["bundle", "k", "--tar", "-o", out], &d),
            "not a bundle archive",
        );
    }
    let _ = std::fs::remove_file(d.join("other.tar"));
    assert_refused(
        &strata(&["bundle", "k", "--tekton-out", "proj", "-o", "new"], &d),
        "proj",
    );
    assert_eq!(tree(&d), before);
}

#[test]
fn bundle_replaces_an_earlier_layout_in_place() {
    let d = scratch("bundle-replace");
    configmaps(&d.join("k"), &[("a", "default")]);
    let first = strata(&["bundle", "k", "-o", "out"], &d);
    assert_ok(&first);
    let old = tree(&d.join("out"));
    configmaps(&d.join("k"), &[("b", "default")]);
    let second = strata(&["bundle", "k", "-o", "out"], &d);
    assert_ok(&second);
    assert_ne!(first.stdout, second.stdout, "a new digest");
    let new = tree(&d.join("out"));
    assert_ne!(old, new);
    // Blobs only the old index needed are gone: the same tree a fresh bundle makes.
    assert_ok(&strata(&["bundle", "k", "-o", "fresh"], &d));
    assert_eq!(new, tree(&d.join("fresh")));
    assert_ok(&strata(&["verify", "out"], &d));
    // From inside it, `.` names the layout itself: replaced in place, nothing beside it.
    configmaps(&d.join("k"), &[("c", "default")]);
    assert_ok(&strata(&["bundle", "../k", "-o", "."], &d.join("out")));
    assert_ok(&strata(&["verify", "out"], &d));
    assert!(temporaries(&d).is_empty(), "{:?}", temporaries(&d));
    let _ = std::fs::remove_dir_all(d.join("fresh"));
    assert_ok(&strata(&["bundle", "k", "-o", "fresh"], &d));
    assert_eq!(tree(&d.join("out")), tree(&d.join("fresh")));
    // An archive replaces an earlier archive, and an empty file.
    assert_ok(&strata(&["bundle", "k", "--tar", "-o", "b.tar"], &d));
    configmaps(&d.join("k"), &[("d", "default")]);
    let again = strata(&["bundle", "k", "--tar", "-o", "b.tar"], &d);
    assert_ok(&again);
    write(&d, "empty.tar", "");
    let empty = strata(&["bundle", "k", "--tar", "-o", "empty.tar"], &d);
    assert_ok(&empty);
    let digest = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .next()
            .map(String::from)
    };
    assert_eq!(digest(&again), digest(&empty));
    assert_eq!(
        std::fs::read(d.join("b.tar")).ok(),
        std::fs::read(d.join("empty.tar")).ok()
    );
}

/// Nesting past go-yaml's 10,000 levels, as flow and as block collections, with the
/// position of the collection that goes one level too deep.
fn too_deep_documents() -> [(&'static str, String, &'static str); 2] {
    let n = 30_000;
    [
        (
            "flow",
            format!("{CM}extra: {}{}\n", "[".repeat(n), "]".repeat(n)),
            "line 7, column 10007",
        ),
        (
            "block",
            format!("{CM}extra:\n{}x\n", "- ".repeat(n)),
            "line 8, column 19999",
        ),
    ]
}

/// A tree with two resources, `cm.yaml` and `deep.yaml` (so that with two threads the
/// deep one is read on a worker).
fn tree_with_deep_resource(name: &str, deep: &str) -> PathBuf {
    let d = scratch(name);
    write(
        &d,
        "kustomization.yaml",
        "resources:\n- cm.yaml\n- deep.yaml\n",
    );
    write(&d, "cm.yaml", CM);
    write(&d, "deep.yaml", deep);
    d
}

#[test]
fn deep_yaml_is_refused_with_its_line_whatever_the_threads() {
    for (shape, text, at) in too_deep_documents() {
        let d = tree_with_deep_resource(&format!("deep-{shape}"), &text);
        for threads in [1, 2] {
            let out = strata_threads(&["build", "."], &d, Some(threads));
            assert_refused(
                &out,
                &format!("deep.yaml: invalid YAML at {at}: exceeded max depth of 10000"),
            );
        }
    }
}

#[test]
fn yaml_at_the_depth_limit_builds_the_same_on_any_thread() {
    // The resource mapping is level 1, so 9,999 sequences reach 10,000.
    let n = 9_999;
    let deep = CM.replace("name: cm", "name: deep");
    let d = tree_with_deep_resource(
        "deep-limit",
        &format!("{deep}extra:\n{}x\n", "- ".repeat(n)),
    );
    let one = strata_threads(&["build", "."], &d, Some(1));
    assert_ok(&one);
    assert!(one.stdout.len() > 2 * n);
    let two = strata_threads(&["build", "."], &d, Some(2));
    assert_ok(&two);
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn deep_yaml_on_plugin_run_stdin_is_refused() {
    use std::io::Write;
    use std::process::Stdio;
    for (_, text, at) in too_deep_documents() {
        for threads in ["1", "2"] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
                .args(["plugin", "run", "builtin:param-subst"])
                .env("STRATA_THREADS", threads)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap_or_else(|e| panic!("running strata: {e}"));
            if let Some(mut stdin) = child.stdin.take() {
                // The binary may refuse before reading it all.
                let _ = stdin.write_all(text.as_bytes());
            }
            let out = child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("running strata: {e}"));
            assert_refused(
                &out,
                &format!("<stdin>: invalid YAML at {at}: exceeded max depth of 10000"),
            );
        }
    }
}

#[test]
fn a_deep_kustomization_is_refused_before_the_typed_reader() {
    // 100,000 levels took libyaml's scanner over a minute (it is quadratic in depth).
    let n = 100_000;
    let d = scratch("deep-kustomization");
    write(
        &d,
        "kustomization.yaml",
        format!("resources: {}{}\n", "[".repeat(n), "]".repeat(n)),
    );
    let out = strata(&["build", "."], &d);
    assert_refused(&out, "kustomization.yaml");
    assert_refused(&out, "line 1, column 10011: exceeded max depth of 10000");
}
/// The CLI hands the environment to the library: an env-file line that is a bare key
/// takes the variable's value (kustomize's `os.Getenv`), empty when it is unset.
#[test]
fn env_file_bare_keys_take_the_environment() {
    let d = scratch("env-bare-key");
    write(
        &d,
        "kustomization.yaml",
        "configMapGenerator:\n- name: c\n  envs: [vars.env]\n  options:\n    disableNameSuffixHash: true\n",
    );
    write(
        &d,
        "vars.env",
        "A=1\nSTRATA_PROCESS_SET\nSTRATA_PROCESS_UNSET\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(["build", "."])
        .current_dir(&d)
        .env("STRATA_PROCESS_SET", "from the environment")
        .env_remove("STRATA_PROCESS_UNSET")
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"));
    assert_ok(&out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\ndata:\n  A: \"1\"\n  STRATA_PROCESS_SET: from the environment\n  STRATA_PROCESS_UNSET: \"\"\nkind: ConfigMap\nmetadata:\n  name: c\n"
    );
}

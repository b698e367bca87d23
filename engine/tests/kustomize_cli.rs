//! The rest of kustomize's command line through the real binary: `localize`,
//! `completion`, `openapi info` and the global `--stack-trace`.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn strata(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running strata: {e}"))
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in {err}");
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: b\n";

/// A tree using most kinds of file reference: a base directory, a component, a patch file,
/// generator files and env files, a configuration.
fn tree(root: &Path) {
    write(
        root,
        "app/base/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(root, "app/base/cm.yaml", CM);
    write(
        root,
        "app/overlay/kustomization.yaml",
        "# the overlay\nresources:\n- ../base\ncomponents:\n- ../comp\npatches:\n- path: patch.yaml\nconfigMapGenerator:\n- name: gen\n  files:\n  - key=data/file.txt\n  envs:\n  - data/vars.env\n",
    );
    write(
        root,
        "app/overlay/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: patched\n",
    );
    write(root, "app/overlay/data/file.txt", "hello\n");
    write(root, "app/overlay/data/vars.env", "K=V\n");
    write(
        root,
        "app/overlay/unused.txt",
        "not named by any kustomization\n",
    );
    write(
        root,
        "app/comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncommonAnnotations:\n  from: component\n",
    );
}

#[test]
fn localize_copies_exactly_what_the_tree_names_and_builds_the_same() {
    let root = scratch("localize-local");
    tree(&root);
    let out = strata(
        &["localize", "app/overlay", "copy", "--scope", "app"],
        &root,
    );
    ok(&out);
    let copy = root.join("copy");
    assert!(copy.join("overlay/patch.yaml").is_file());
    assert!(copy.join("overlay/data/vars.env").is_file());
    assert!(copy.join("base/cm.yaml").is_file());
    assert!(copy.join("comp/kustomization.yaml").is_file());
    assert!(
        !copy.join("overlay/unused.txt").exists(),
        "only named files are copied"
    );
    let k = std::fs::read_to_string(copy.join("overlay/kustomization.yaml")).unwrap_or_default();
    assert!(k.starts_with("# the overlay\n"), "copied unchanged: {k}");
    let original = ok(&strata(&["build", "app/overlay"], &root));
    let localized = ok(&strata(&["build", "copy/overlay"], &root));
    assert_eq!(original, localized);
    assert!(localized.contains("a: patched") && localized.contains("from: component"));
    // The destination is never overwritten.
    refused(
        &strata(
            &["localize", "app/overlay", "copy", "--scope", "app"],
            &root,
        ),
        "already exists",
    );
}

#[test]
fn localize_refuses_what_it_cannot_copy_and_writes_nothing() {
    let root = scratch("localize-refusals");
    tree(&root);
    // The default scope is the target: `../base` leaves it.
    refused(
        &strata(&["localize", "app/overlay", "out1"], &root),
        "not within scope",
    );
    assert!(!root.join("out1").exists());
    write(
        &root,
        "remote/kustomization.yaml",
        "resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n",
    );
    refused(
        &strata(&["localize", "remote", "out2"], &root),
        "remote reference",
    );
    assert!(!root.join("out2").exists());
    // Without a destination, kustomize's default name.
    ok(&strata(&["localize", "app/base"], &root));
    assert!(root.join("localized-base/cm.yaml").is_file());
}

#[test]
fn completion_scripts_for_every_shell_name_the_commands() {
    let root = scratch("completion");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = ok(&strata(&["completion", shell], &root));
        assert!(
            script.contains("edit") && script.contains("build"),
            "{shell}"
        );
    }
    refused(&strata(&["completion", "tcsh"], &root), "tcsh");
}

#[test]
fn openapi_info_and_stack_trace() {
    let root = scratch("openapi");
    assert_eq!(
        ok(&strata(&["openapi", "info"], &root)),
        "{title:Kubernetes,version:v1.21.2}\n"
    );
    write(&root, "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(&root, "cm.yaml", CM);
    let plain = ok(&strata(&["build", "."], &root));
    assert_eq!(ok(&strata(&["--stack-trace", "build", "."], &root)), plain);
}

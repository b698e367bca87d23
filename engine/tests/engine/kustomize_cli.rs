//! kustomize's command line through the real binary: the contract Argo CD relies on
//! (`util/kustomize/kustomize.go` in argoproj/argo-cd: the command shapes it runs, in its
//! order, on one application, through a binary installed as `kustomize`; then the result
//! built by Strata and by the reference kustomize, the same bytes with every edit visible),
//! and `localize`, `completion`, `openapi info` and the global `--stack-trace`.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::write;

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch!("kustomize-cli", name)
}

fn strata(args: &[&str], cwd: &Path) -> Output {
    crate::support::strata_env(args, cwd, &[])
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

fn run(bin: &Path, args: &[&str], cwd: &Path) -> Output {
    let out = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The reference kustomize (`STRATA_ORACLE`, or `../shared/oracle/kustomize-ref`).
fn oracle() -> PathBuf {
    std::env::var_os("STRATA_ORACLE").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracle/kustomize-ref"),
        PathBuf::from,
    )
}

/// Argo CD's reading of `version --short`: trim, drop the braces, collapse double blanks,
/// strip `kustomize/`, then the first semver.
fn argo_version(out: &str) -> (u64, u64, u64) {
    let v = out.trim();
    let v = v.strip_prefix('{').unwrap_or(v);
    let v = v.strip_suffix('}').unwrap_or(v).trim().replace("  ", " ");
    let v = v.strip_prefix("kustomize/").unwrap_or(&v);
    let digits: String = v
        .trim_start_matches('v')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n: Vec<u64> = digits.split('.').filter_map(|p| p.parse().ok()).collect();
    (
        n.first().copied().unwrap_or(0),
        n.get(1).copied().unwrap_or(0),
        n.get(2).copied().unwrap_or(0),
    )
}

const DIGEST: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

#[test]
fn argocd_command_shapes_in_order_then_strata_and_kustomize_agree() {
    let root = scratch("argocd-contract");
    // Installed as `kustomize`, as Argo CD's `kustomize.path.<version>` would point at it.
    let bin = root.join("bin").join("kustomize");
    std::fs::create_dir_all(root.join("bin")).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_strata"), &bin)
        .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(not(unix))]
    std::fs::copy(env!("CARGO_BIN_EXE_strata"), &bin).unwrap_or_else(|e| panic!("{e}"));

    let app = root.join("app");
    write(
        &app,
        "base/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: a\n        image: A\n      - name: b\n        image: b:1.0\n      - name: c\n        image: c\n",
    );
    write(
        &app,
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nconfigMapGenerator:\n- name: from-component\n  literals: [x=y]\n",
    );
    // No apiVersion/kind: kustomize's edits add them.
    write(
        &app,
        "kustomization.yaml",
        "# the app\nresources:\n- base/deploy.yaml # the workload\n",
    );

    // 1. The version decides which features Argo CD uses: components need >= 3.7.0, separate
    //    label arguments >= 3.8.5, helm flags >= 5.3.0.
    let v = run(&bin, &["version", "--short"], &app);
    let version = argo_version(&String::from_utf8_lossy(&v.stdout));
    assert_eq!(
        version,
        (5, 8, 1),
        "{:?}",
        String::from_utf8_lossy(&v.stdout)
    );

    // 2. The edits, in Argo CD's order.
    let digest_arg = format!("c@{DIGEST}");
    let edits: Vec<Vec<&str>> = vec![
        vec!["edit", "set", "nameprefix", "--", "p-"],
        vec!["edit", "set", "namesuffix", "--", "-s"],
        vec![
            "edit",
            "set",
            "image",
            "A=reg/a:1.27",
            "b=*:1.36",
            &digest_arg,
        ],
        vec!["edit", "set", "replicas", "web=3"],
        vec![
            "edit",
            "add",
            "label",
            "--force",
            "--without-selector",
            "--include-templates",
            "team:platform",
        ],
        vec!["edit", "add", "label", "--force", "env:prod"],
        vec!["edit", "add", "annotation", "--force", "owner:me"],
        vec!["edit", "set", "namespace", "--", "ns1"],
        vec!["edit", "add", "component", "comp"],
    ];
    for e in &edits {
        run(&bin, e, &app);
    }
    let k = std::fs::read_to_string(app.join("kustomization.yaml")).unwrap_or_default();
    assert!(
        k.starts_with(
            "# the app\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        ),
        "{k}"
    );
    assert!(k.contains("- base/deploy.yaml # the workload\n"), "{k}");

    // 3. `build PATH`, as Argo CD runs it, by Strata and by kustomize.
    let ours = run(&bin, &["build", "app"], &root);
    let theirs = run(&oracle(), &["build", "app"], &root);
    let ours = String::from_utf8_lossy(&ours.stdout).into_owned();
    assert_eq!(ours, String::from_utf8_lossy(&theirs.stdout));
    for visible in [
        "name: p-web-s\n",
        "namespace: ns1\n",
        "image: reg/a:1.27\n",
        "image: b:1.36\n",
        &format!("image: c@{DIGEST}\n"),
        "replicas: 3\n",
        "team: platform\n",
        "env: prod\n",
        "owner: me\n",
        "name: p-from-component-s-",
    ] {
        assert!(ours.contains(visible), "{visible:?} missing from:\n{ours}");
    }
    // `--without-selector` keeps the selector free of the team label; commonLabels do not.
    let selector = ours.split("selector:").nth(1).unwrap_or_default();
    let selector = selector.split("template:").next().unwrap_or_default();
    assert!(
        selector.contains("env: prod") && !selector.contains("team"),
        "{selector}"
    );
}

#[test]
fn installed_as_kustomize_answers_as_kustomize() {
    let root = scratch("argocd-name");
    let bin = root.join("kustomize");
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_strata"), &bin)
        .unwrap_or_else(|e| panic!("{e}"));
    #[cfg(not(unix))]
    std::fs::copy(env!("CARGO_BIN_EXE_strata"), &bin).unwrap_or_else(|e| panic!("{e}"));
    let help = run(&bin, &["--help"], &root);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("Usage: kustomize"), "{text}");
    let bad = Command::new(&bin)
        .args(["edit", "nope"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("kustomize edit"), "{err}");
    let plain = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("Usage: strata"));
}

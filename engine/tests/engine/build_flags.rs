//! `strata build` takes every flag of `kustomize build` v5.8, with kustomize's meaning
//! where Strata can give it, and a refusal naming what is missing where it cannot.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn strata(args: &[&str], cwd: &Path) -> Output {
    crate::support::strata_env(args, cwd, &[])
}

fn scratch(name: &str) -> PathBuf {
    crate::support::scratch!("flags", name)
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

/// Builds a tree of `kustomization` and one ConfigMap with `args` after `build .`, and
/// asserts it succeeds.
fn build_ok(name: &str, kustomization: &str, args: &[&str]) -> Output {
    let d = scratch(name);
    std::fs::write(d.join("kustomization.yaml"), kustomization).unwrap();
    std::fs::write(d.join("cm.yaml"), CM).unwrap();
    let out = strata(&[&["build", "."], args].concat(), &d);
    let _ = std::fs::remove_dir_all(&d);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn every_kustomize_build_flag_is_accepted() {
    let out = build_ok(
        "all",
        "resources:\n- cm.yaml\n",
        &[
            "--enable-alpha-plugins",
            "--enable-exec",
            "--enable-helm",
            "--helm-command",
            "/opt/helm",
            "--helm-api-versions",
            "a/v1",
            "--helm-api-versions",
            "b/v1",
            "--helm-kube-version",
            "1.30",
            "--helm-debug",
            "--as-current-user",
            "--network",
            "--network-name",
            "host",
            "--mount",
            "type=bind,src=.,dst=/x",
            "-e",
            "A=1",
            "--env",
            "B",
            "--load-restrictor",
            "LoadRestrictionsNone",
            "--reorder",
            "none",
            "--stack-trace",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), CM);
}

#[test]
fn managedby_label_flag_labels_every_resource_with_kustomizes_release() {
    let out = build_ok(
        "managedby",
        "resources:
- cm.yaml
",
        &["--enable-managedby-label"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: kustomize-v5.8.1\n  name: c\n"
    );
    // cobra's notice for the deprecated flag.
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Flag --enable-managedby-label has been deprecated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn helm_charts_are_refused_naming_the_missing_binary_even_with_enable_helm() {
    let d = scratch("helm");
    std::fs::write(
        d.join("kustomization.yaml"),
        "helmCharts:\n- name: minecraft\n  repo: https://itzg.github.io/minecraft-server-charts\n",
    )
    .unwrap();
    let out = strata(&["build", ".", "--enable-helm"], &d);
    let _ = std::fs::remove_dir_all(&d);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("helmCharts needs the helm binary") && err.contains("wasm plugin"),
        "{err}"
    );
}

#[test]
fn exec_functions_run_only_behind_both_flags() {
    let d = scratch("exec");
    std::fs::write(d.join("kustomization.yaml"), "generators:\n- gen.yaml\n").unwrap();
    std::fs::write(
        d.join("gen.yaml"),
        "kind: G\nmetadata:\n  name: g\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./gen.sh\n",
    )
    .unwrap();
    // The environment reaches the function: the caller's and -e's.
    std::fs::write(
        d.join("gen.sh"),
        "#!/bin/sh\nprintf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: %s-%s\\n' \"$FROM_CALLER\" \"$FROM_FLAG\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(d.join("gen.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(args)
            .current_dir(&d)
            .env("FROM_CALLER", "a")
            .output()
            .unwrap()
    };
    let alone = run(&["build", ".", "--enable-exec"]);
    let plugins = run(&["build", ".", "--enable-alpha-plugins"]);
    let both = run(&[
        "build",
        ".",
        "--enable-alpha-plugins",
        "--enable-exec",
        "-e",
        "FROM_FLAG=b",
    ]);
    let _ = std::fs::remove_dir_all(&d);
    for refused in [alone, plugins] {
        assert_eq!(refused.status.code(), Some(1));
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(
            err.contains("--enable-alpha-plugins --enable-exec") && err.contains("wasm"),
            "{err}"
        );
    }
    assert!(
        both.status.success(),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&both.stdout),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-b\n"
    );
}

#[test]
fn deprecated_fields_print_kustomizes_warning_lines_on_stderr() {
    let out = build_ok(
        "deprecated",
        "resources:
- cm.yaml
vars: []
commonLabels:
  a: b1
",
        &[],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.\n\
         # Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.\n"
    );
}

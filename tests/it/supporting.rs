//! The seed's "Pipeline Supporting Resources": the service account, RBAC and shared claim
//! every app renders, and the git SSH secret the github-secret overlay generates from key
//! files the user supplies (temporary ones here; the repository holds none).
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use strata::yaml::Node;

use super::catalog::{APPS, Scratch, build_app, copy_tree, objects, strata_cli};

fn find<'a>(objs: &'a [Node], kind: &str) -> &'a Node {
    objs.iter()
        .find(|o| o.str_at(&["kind"]) == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn every_app_renders_what_its_run_needs() {
    for app in APPS {
        let objs = objects(&build_app(app));
        let sa = find(&objs, "ServiceAccount");
        assert_eq!(
            sa.str_at(&["metadata", "name"]),
            Some("ci-pipeline-run-service-account")
        );
        let secrets: Vec<&str> = sa
            .get("secrets")
            .and_then(Node::as_seq)
            .expect("secrets")
            .iter()
            .filter_map(|s| s.str_at(&["name"]))
            .collect();
        assert_eq!(secrets, ["github-secret"], "{app}");
        // project: the GKE project whose Google service account gives registry access.
        assert_eq!(
            sa.str_at(&["metadata", "annotations", "iam.gke.io/gcp-service-account"]),
            Some("ci-pipeline-run@kubeflow-ci.iam.gserviceaccount.com"),
            "{app}"
        );
        let binding = find(&objs, "RoleBinding");
        assert_eq!(
            binding.str_at(&["roleRef", "name"]),
            find(&objs, "Role").str_at(&["metadata", "name"])
        );
        // pvc_mount_path names the shared claim.
        let pvc = find(&objs, "PersistentVolumeClaim");
        assert_eq!(pvc.str_at(&["metadata", "name"]), Some("kubeflow"), "{app}");
        let run = find(&objs, "PipelineRun");
        if app.ends_with("-v1") {
            assert_eq!(
                run.str_at(&["spec", "taskRunTemplate", "serviceAccountName"]),
                Some("ci-pipeline-run-service-account")
            );
            let ws = run
                .get_path(&["spec", "workspaces"])
                .and_then(Node::as_seq)
                .and_then(|w| w.first())
                .expect("a workspace");
            assert_eq!(
                ws.str_at(&["persistentVolumeClaim", "claimName"]),
                Some("kubeflow")
            );
        } else {
            assert_eq!(
                run.str_at(&["spec", "serviceAccount"]),
                Some("ci-pipeline-run-service-account")
            );
        }
        // Every seed parameter is used: param-subst warns about none.
        let path = strata_tests::workspace_root().join(format!("overlays/apps/{app}.yaml"));
        let (code, _, err) = strata_cli(&["build", &path.display().to_string()]);
        assert_eq!((code, err.as_str()), (0, ""), "{app}");
    }
}

const SECRET_APP: &str = "apiVersion: kfdef.apps.kubeflow.org/v1alpha1\nkind: KfDef\nmetadata:\n  name: ci-secrets\n  namespace: kubeflow-ci\nspec:\n  repos:\n  - name: manifests\n    uri: ..\n  applications:\n  - name: ci-pipeline-run\n    kustomizeConfig:\n      repoRef:\n        name: manifests\n        path: ci/ci-pipeline-run\n      overlays:\n      - github-secret\n      parameters:\n      - name: namespace\n        value: kubeflow-ci\n";

#[test]
fn github_secret_comes_from_the_key_files_the_user_supplies() {
    let dir = Scratch::new("secret");
    let catalog = dir.0.join("overlays");
    copy_tree(&strata_tests::workspace_root().join("overlays"), &catalog);
    let keys = catalog.join("ci/ci-pipeline-run/overlays/github-secret/keys");
    // The repository holds no key material, only the rule that keeps it out.
    let mut names: Vec<String> = std::fs::read_dir(&keys)
        .expect("keys/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".gitignore"]);
    let app = catalog.join("apps/ci-secrets.yaml");
    std::fs::write(&app, SECRET_APP).expect("write");
    let app = app.display().to_string();

    let (code, out, err) = strata_cli(&["build", &app]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("github-secret/keys/"), "{err}");

    let files = [
        ("id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n"),
        ("id_rsa.pub", "ssh-ed25519 AAAAtest ci@example\n"),
        ("known_hosts", "github.com ssh-ed25519 AAAAhost\n"),
    ];
    for (name, text) in files {
        std::fs::write(keys.join(name), text).expect("write key");
    }
    let (code, out, err) = strata_cli(&["build", &app]);
    assert_eq!(code, 0, "{err}");
    let objs = objects(&out);
    let secret = find(&objs, "Secret");
    assert_eq!(secret.str_at(&["metadata", "name"]), Some("github-secret"));
    assert_eq!(
        secret.str_at(&["metadata", "namespace"]),
        Some("kubeflow-ci")
    );
    assert_eq!(secret.str_at(&["type"]), Some("kubernetes.io/ssh-auth"));
    assert_eq!(
        secret.str_at(&["metadata", "annotations", "tekton.dev/git-0"]),
        Some("github.com")
    );
    let data = |k: &str| secret.str_at(&["data", k]).map(str::to_string);
    let b64 = |t: &str| {
        // The generator's base64, checked against a plain encoder.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in t.as_bytes().chunks(3) {
            let n = c.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b)) << (8 * (3 - c.len()));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        Some(out)
    };
    assert_eq!(data("ssh-privatekey"), b64(files[0].1));
    assert_eq!(data("id_rsa"), b64(files[0].1));
    assert_eq!(data("id_rsa.pub"), b64(files[1].1));
    assert_eq!(data("known_hosts"), b64(files[2].1));
}

//! The presubmit step the seed describes: a CI job renders the run for pull request N with
//! `strata build APP --param [APPLICATION.]NAME=VALUE`, without editing files, and the
//! run's generated name still follows from the content.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use super::catalog::{Scratch, build_app, copy_tree, strata_cli};

const APP: &str = "ci-centraldashboard-pipeline-run";

fn run_name(text: &str) -> String {
    let start = text.find("kind: PipelineRun").expect("a PipelineRun");
    let rest = &text[start..];
    let at = rest.find("\n  name: ").expect("a name") + "\n  name: ".len();
    rest[at..].lines().next().unwrap_or_default().to_string()
}

#[test]
fn param_renders_another_pull_requests_run_as_an_edited_kfdef_would() {
    let app = strata_tests::workspace_root().join(format!("overlays/apps/{APP}.yaml"));
    let app = app.display().to_string();
    let args = [
        "build",
        app.as_str(),
        "--param",
        "pull_request_id=5000",
        "--param",
        "ci-pipeline-run.kubeflow_repo_revision=refs/pull/5000/head",
    ];
    let (code, pr, err) = strata_cli(&args);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(strata_cli(&args).1, pr, "two renders differ");
    assert!(pr.contains("name: kubeflow-5000"), "{pr}");
    assert!(pr.contains("value: refs/pull/5000/head"));
    assert!(!pr.contains("4112"));
    let default = build_app(APP);
    assert_ne!(run_name(&pr), run_name(&default));

    // The same values written into a copy of the KfDef give the same bytes, name included:
    // the name comes from the content, not from how the values got there.
    let dir = Scratch::new("presubmit");
    let copy = dir.0.join("overlays");
    copy_tree(&strata_tests::workspace_root().join("overlays"), &copy);
    let edited = copy.join(format!("apps/{APP}.yaml"));
    let text = std::fs::read_to_string(&edited).expect("read");
    std::fs::write(&edited, text.replace("4112", "5000")).expect("write");
    let (code, from_file, err) = strata_cli(&["build", &edited.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(from_file, pr);

    for (bad, want) in [
        ("nosuch=1", "no application lists parameter \"nosuch\""),
        (
            "other-app.pull_request_id=1",
            "no application is named \"other-app\"",
        ),
        ("pull_request_id", "expected [APPLICATION.]NAME=VALUE"),
        (
            "ci-pipeline.undeclared=1",
            "unknown parameter \"undeclared\"",
        ),
    ] {
        let (code, out, err) = strata_cli(&["build", &app, "--param", bad]);
        assert_eq!((code, out.as_str()), (1, ""), "{bad}");
        assert!(err.contains(want) && err.contains(APP), "{bad}: {err}");
    }
    let dir_target = strata_tests::workspace_root().join("overlays/ci/ci-pipeline/base");
    let (code, _, err) =
        strata_cli(&["build", &dir_target.display().to_string(), "--param", "a=b"]);
    assert_eq!(code, 1);
    assert!(err.contains("this is a kustomization"), "{err}");
}

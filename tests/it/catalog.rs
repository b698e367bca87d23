//! The Kubeflow CI catalog (overlays/): the golden builds of the app configs, the seed's
//! objects field for field, `strata check`, bundles, `strata edit`, and the update-manifests
//! flow end to end, offline.
//!
//! The end-to-end test runs the update-manifests Task's rebuild-manifests step as the
//! centraldashboard app builds it: its command line (bash on the seed's
//! `py/kubeflow/kubeflow/ci/rebuild-manifests.sh` in the mounted kubeflow checkout, here the
//! catalog's copy of that script placed in a stand-in checkout) with exactly the environment
//! variables the step declares, pointed at local stand-ins: bare git
//! repos for upstream kubeflow/manifests and the developer's fork, Tekton's pull-request
//! files, a digest file, a manifests repo whose `tests/Makefile` runs `strata build`, and a
//! one-request-at-a-time HTTP server on 127.0.0.1 standing in for GitHub's pull-request
//! API. Nothing leaves the loopback interface; the script runs under `timeout` and the
//! server stops when the script is done (or after two minutes).
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use strata::yaml::{self, Node};

pub(crate) use strata_tests::{
    Scratch, copy_tree, run_cli as strata_cli, workspace_root as root, write,
};

/// Builds (if needed) and returns the `strata` binary of this workspace and profile.
fn strata_bin() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root())
        .args(["build", "--quiet", "-p", "strata", "--bin", "strata"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let out = cmd
        .output()
        .expect("running cargo build for the strata binary");
    assert!(
        out.status.success(),
        "cargo build -p strata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/it-HASH -> target/<profile>/strata
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("strata"))
        .expect("target dir");
    assert!(bin.is_file(), "{} was not built", bin.display());
    bin
}

/// Runs git with a clean, local-only configuration.
fn git(dir: &Path, home: &Path, args: &[&str]) -> Output {
    let out = Command::new("git")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "upstream")
        .env("GIT_AUTHOR_EMAIL", "upstream@example.com")
        .env("GIT_COMMITTER_NAME", "upstream")
        .env("GIT_COMMITTER_EMAIL", "upstream@example.com")
        .args(args)
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Where the seed's script is in the kubeflow repo.
const SCRIPT_IN_KUBEFLOW: &str = "py/kubeflow/kubeflow/ci/rebuild-manifests.sh";

/// The catalog's copy of the seed's script, the one the end-to-end test runs.
fn catalog_script() -> PathBuf {
    root().join("overlays/ci/ci-pipeline/overlays/update-manifests-task/rebuild-manifests.sh")
}

/// The rebuild-manifests step of the update-manifests Task, as the centraldashboard app
/// builds it: its command line and the names of the env vars it gets.
fn rebuild_manifests_step() -> (Vec<String>, Vec<String>) {
    rebuild_manifests_step_of("ci-centraldashboard-pipeline-run")
}

/// The rebuild-manifests step of the update-manifests Task an app builds.
fn rebuild_manifests_step_of(app: &str) -> (Vec<String>, Vec<String>) {
    let objs = objects(&build_app(app));
    let task = find(&objs, "Task", "update-manifests");
    let steps = task
        .get_path(&["spec", "steps"])
        .and_then(Node::as_seq)
        .expect("spec.steps");
    let step = steps
        .iter()
        .find(|s| s.str_at(&["name"]) == Some("rebuild-manifests"))
        .expect("rebuild-manifests step");
    assert!(
        step.get("script").is_none(),
        "Tekton v0.8 has no step script"
    );
    let command: Vec<String> = ["command", "args"]
        .iter()
        .flat_map(|k| {
            step.get(k)
                .and_then(Node::as_seq)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    let env = step
        .get("env")
        .and_then(Node::as_seq)
        .expect("env")
        .iter()
        .filter_map(|e| e.str_at(&["name"]).map(str::to_string))
        .collect();
    (command, env)
}

/// One HTTP request the fake GitHub received.
#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A fake GitHub pull-request API on 127.0.0.1 that records requests until stopped (or
/// for two minutes at most).
struct FakeGithub {
    port: u16,
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<Vec<Request>>,
}

impl FakeGithub {
    fn start() -> FakeGithub {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut seen = Vec::new();
            while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(r) = serve(stream) {
                            seen.push(r);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
            seen
        });
        FakeGithub { port, stop, handle }
    }

    fn finish(self) -> Vec<Request> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("server thread")
    }
}

/// Reads one request and answers as GitHub does when it creates a pull request.
fn serve(stream: TcpStream) -> Option<Request> {
    stream.set_nonblocking(false).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    let answer = "{\"number\": 7, \"html_url\": \"https://github.com/kubeflow/manifests/pull/7\"}";
    let mut out = stream;
    let _ = write!(
        out,
        "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

const DIGEST: &str = "sha256:4ea6f0e1c5c43fdbdcd07fd5ba2d7ea4ac6a3fa9c1a5a34bd59e0d7f8c27f8e1";
const PR_SHA: &str = "9f2c4e1b7a3d5c6e8f0a1b2c3d4e5f6a7b8c9d0e";

const KUSTOMIZATION: &str = "# The central dashboard, as upstream ships it.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml # the dashboard itself\nnamespace: kubeflow\nimages:\n# CI pins this image to the digest it built.\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  newTag: v0.6.0 # the last release\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: centraldashboard\nspec:\n  selector:\n    matchLabels:\n      app: centraldashboard\n  template:\n    metadata:\n      labels:\n        app: centraldashboard\n    spec:\n      containers:\n      - name: centraldashboard\n        image: gcr.io/kubeflow-images-public/centraldashboard\n";

/// Sets up upstream, the fork and the workspace; runs the Task's script; returns the
/// scratch dir, the script's output and the requests GitHub received.
struct Run {
    dir: Scratch,
    out: Output,
    requests: Vec<Request>,
    branch: String,
}

fn run_update_manifests(tag: &str, test_rule: &str) -> Run {
    let strata = strata_bin();
    let dir = Scratch::new(tag);
    let d = &dir.0;
    let home = d.join("home");
    std::fs::create_dir_all(&home).expect("home");

    // Upstream kubeflow/manifests, with a test suite that runs strata build.
    let seed = d.join("seed");
    write(
        &seed,
        "common/centraldashboard/base/kustomization.yaml",
        KUSTOMIZATION,
    );
    write(
        &seed,
        "common/centraldashboard/base/deployment.yaml",
        DEPLOYMENT,
    );
    write(
        &seed,
        "tests/Makefile",
        format!(
            "# Regenerates the expected output of each component, then tests it.\n\
             generate:\n\tmkdir -p golden\n\tstrata build ../common/centraldashboard/base > golden/centraldashboard.yaml\n\n\
             test:\n\tstrata build ../common/centraldashboard/base | diff -u golden/centraldashboard.yaml -\n\t{test_rule}\n"
        ),
    );
    git(
        d,
        &home,
        &["init", "--quiet", "--initial-branch=master", "seed"],
    );
    git(&seed, &home, &["add", "-A"]);
    git(&seed, &home, &["commit", "--quiet", "-m", "manifests"]);
    git(
        d,
        &home,
        &["clone", "--quiet", "--bare", "seed", "upstream.git"],
    );
    // The developer's fork, and Tekton's checkout of it at /workspace/manifests.
    git(
        d,
        &home,
        &["clone", "--quiet", "--bare", "upstream.git", "fork.git"],
    );
    let ws = d.join("workspace");
    std::fs::create_dir_all(&ws).expect("workspace");
    git(
        &ws,
        &home,
        &["clone", "--quiet", "../fork.git", "manifests"],
    );

    // Tekton's pull-request resource, the digest build-push wrote and the github-secret.
    let pr = ws.join("kubeflow-4112");
    write(
        &pr,
        "pr.json",
        format!(
            "{{\"Type\":\"github\",\"ID\":312345678,\"Head\":{{\"Repo\":\"https://github.com/kkasravi/kubeflow.git\",\"Branch\":\"dashboard-fix\",\"SHA\":\"{PR_SHA}\"}},\"Base\":{{\"Repo\":\"https://github.com/kubeflow/kubeflow.git\",\"Branch\":\"master\",\"SHA\":\"1111111111111111111111111111111111111111\"}}}}\n"
        ),
    );
    write(
        &pr,
        "github/pr.json",
        "{\"number\":4112,\"html_url\":\"https://github.com/kubeflow/kubeflow/pull/4112\",\"head\":{\"ref\":\"dashboard-fix\",\"user\":{\"login\":\"kkasravi\"}}}\n",
    );
    write(&ws, "centraldashboard.digest", format!("{DIGEST}\n"));
    let secret = d.join("secret/github");
    for f in ["id_rsa", "id_rsa.pub", "known_hosts"] {
        write(&secret, f, "not a real key\n");
    }
    // `strata` on PATH, as in the Task's container image.
    let bin = d.join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    std::os::unix::fs::symlink(&strata, bin.join("strata")).expect("symlink strata");

    // The step runs the seed's script from the kubeflow checkout Tekton mounted.
    let (command, env_names) = rebuild_manifests_step();
    assert_eq!(
        command,
        [
            "bash".to_string(),
            format!("/workspace/kubeflow/{SCRIPT_IN_KUBEFLOW}")
        ]
    );
    write(
        &ws.join("kubeflow"),
        SCRIPT_IN_KUBEFLOW,
        std::fs::read_to_string(catalog_script()).expect("the catalog's script"),
    );

    let github = FakeGithub::start();
    let env: Vec<(&str, String)> = vec![
        ("IMAGE_NAME", "centraldashboard".into()),
        (
            "IMAGE_URL",
            "gcr.io/kubeflow-images-public/centraldashboard".into(),
        ),
        (
            "DIGEST_FILE",
            ws.join("centraldashboard.digest").display().to_string(),
        ),
        ("PR_DIR", pr.display().to_string()),
        ("MANIFESTS_DIR", ws.join("manifests").display().to_string()),
        (
            "PATH_TO_MANIFESTS_DIR",
            "common/centraldashboard/base".into(),
        ),
        (
            "UPSTREAM_REPO_URL",
            d.join("upstream.git").display().to_string(),
        ),
        ("UPSTREAM_REPO", "kubeflow/manifests".into()),
        ("UPSTREAM_BRANCH", "master".into()),
        (
            "GITHUB_API_URL",
            format!("http://127.0.0.1:{}", github.port),
        ),
        ("SSH_SECRET_DIR", secret.display().to_string()),
        ("GITHUB_TOKEN", "test-token".into()),
    ];
    // The test gives the script exactly the variables the Task's step declares.
    let mut given: Vec<String> = env.iter().map(|(k, _)| k.to_string()).collect();
    let mut declared = env_names;
    given.sort();
    declared.sort();
    assert_eq!(
        given, declared,
        "the test's environment and the Task step's env have drifted apart"
    );

    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("timeout");
    cmd.arg("300")
        .args(
            command
                .iter()
                .map(|a| a.replace("/workspace", &ws.display().to_string())),
        )
        .current_dir(ws.join("manifests"))
        .env_clear()
        .env("PATH", path)
        .env("HOME", &home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("running the update-manifests script");
    let requests = github.finish();
    let branch = format!("update-centraldashboard-{}", &PR_SHA[..12]);
    Run {
        dir,
        out,
        requests,
        branch,
    }
}

fn log(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn update_manifests_pushes_a_branch_and_opens_a_pull_request() {
    let run = run_update_manifests("e2e", "grep -q '@sha256:' golden/centraldashboard.yaml");
    assert!(
        run.out.status.success(),
        "the script failed\n{}",
        log(&run.out)
    );
    let d = &run.dir.0;
    let home = d.join("home");
    let fork = d.join("fork.git");

    // The branch was pushed to the fork, on top of upstream master.
    let upstream_head = text(&git(
        &d.join("upstream.git"),
        &home,
        &["rev-parse", "refs/heads/master"],
    ));
    let parent = text(&git(
        &fork,
        &home,
        &["rev-parse", &format!("refs/heads/{}^", run.branch)],
    ));
    assert_eq!(parent, upstream_head);
    let subject = text(&git(
        &fork,
        &home,
        &[
            "log",
            "-1",
            "--format=%s%n%b",
            &format!("refs/heads/{}", run.branch),
        ],
    ));
    assert!(
        subject.starts_with(&format!("Update centraldashboard to {DIGEST}")),
        "{subject}"
    );
    assert!(subject.contains(PR_SHA), "{subject}");

    // The kustomization got the digest; its comments, order and other fields survived.
    let edited = text(&git(
        &fork,
        &home,
        &[
            "show",
            &format!(
                "refs/heads/{}:common/centraldashboard/base/kustomization.yaml",
                run.branch
            ),
        ],
    ));
    let want = KUSTOMIZATION.replace(
        "  newTag: v0.6.0 # the last release\n",
        &format!("  digest: {DIGEST}\n"),
    );
    assert_eq!(format!("{edited}\n"), want);
    // make generate's output was committed, with the pinned image in it.
    let golden = text(&git(
        &fork,
        &home,
        &[
            "show",
            &format!(
                "refs/heads/{}:tests/golden/centraldashboard.yaml",
                run.branch
            ),
        ],
    ));
    assert!(
        golden.contains(&format!(
            "image: gcr.io/kubeflow-images-public/centraldashboard@{DIGEST}"
        )),
        "{golden}"
    );

    // Exactly one pull-request request, with head, base, title and body.
    assert_eq!(run.requests.len(), 1, "{:?}", run.requests);
    let r = &run.requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/repos/kubeflow/manifests/pulls")
    );
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "token test-token"),
        "{:?}",
        r.headers
    );
    let body = yaml::parse_one(&r.body).expect("the request body is JSON");
    assert_eq!(
        body.str_at(&["head"]),
        Some(format!("kkasravi:{}", run.branch).as_str())
    );
    assert_eq!(body.str_at(&["base"]), Some("master"));
    assert_eq!(
        body.str_at(&["title"]),
        Some(format!("Update centraldashboard to {DIGEST}").as_str())
    );
    let text_body = body.str_at(&["body"]).unwrap_or_default();
    assert!(
        text_body.contains("https://github.com/kubeflow/kubeflow/pull/4112"),
        "{text_body}"
    );
    assert!(
        text_body.contains(&format!(
            "gcr.io/kubeflow-images-public/centraldashboard@{DIGEST}"
        )),
        "{text_body}"
    );
}

#[test]
fn update_manifests_with_failing_tests_pushes_nothing() {
    let run = run_update_manifests(
        "e2e-broken",
        "grep -q 'image: no-such-image' golden/centraldashboard.yaml",
    );
    assert!(
        !run.out.status.success(),
        "the script should have failed\n{}",
        log(&run.out)
    );
    let d = &run.dir.0;
    let home = d.join("home");
    let heads = text(&git(
        &d.join("fork.git"),
        &home,
        &["for-each-ref", "--format=%(refname)", "refs/heads"],
    ));
    assert_eq!(
        heads, "refs/heads/master",
        "a branch was pushed although make test failed"
    );
    assert!(
        run.requests.is_empty(),
        "a pull request was opened although make test failed: {:?}",
        run.requests
    );
    // The script stopped before committing: the edit is still uncommitted in the checkout.
    let status = text(&git(
        &d.join("workspace/manifests"),
        &home,
        &["status", "--porcelain"],
    ));
    assert!(
        status.contains("common/centraldashboard/base/kustomization.yaml"),
        "{status}"
    );
}

/// The app configs of the catalog.
pub(crate) const APPS: [&str; 3] = [
    "ci-centraldashboard-pipeline-run",
    "ci-jupyter-web-app-pipeline-run",
    "ci-centraldashboard-pipeline-run-v1",
];

/// Builds an app config and returns its output, failing the test on an error.
pub(crate) fn build_app(app: &str) -> String {
    let path = root().join(format!("overlays/apps/{app}.yaml"));
    let (code, out, err) = strata_cli(&["build", &path.display().to_string()]);
    assert_eq!(code, 0, "strata build {app} failed:\n{err}");
    out
}

/// Parses a built stream into its objects.
pub(crate) fn objects(text: &str) -> Vec<Node> {
    yaml::parse_documents(text)
        .expect("the build output is YAML")
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

fn find<'a>(objs: &'a [Node], kind: &str, name: &str) -> &'a Node {
    objs.iter()
        .find(|o| {
            o.str_at(&["kind"]) == Some(kind) && o.str_at(&["metadata", "name"]) == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name} in the output"))
}

#[test]
fn app_builds_match_their_golden_files_and_are_stable() {
    for app in APPS {
        let first = build_app(app);
        assert_eq!(first, build_app(app), "{app}: two builds differ");
        strata_tests::check_golden(
            &root().join(format!("tests/golden/catalog/{app}.yaml")),
            &first,
        );
    }
}

/// The seed's YAML block of a kind (the first fenced block whose second line is `kind: K`).
fn seed_block(kind: &str) -> Node {
    let path = strata_tests::shared_dir().join("seed/kubeflow-ci-with-tekton.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let block = doc
        .split("```")
        .map(|b| b.trim_start_matches('\n'))
        .find(|b| b.lines().nth(1) == Some(&format!("kind: {kind}")))
        .unwrap_or_else(|| panic!("no {kind} block in the seed"));
    // The seed names the pull request 4091 in its YAML and 4112 everywhere else; the catalog
    // derives the name from pull_request_id (see overlays/README.md).
    yaml::parse_one(&block.replace("kubeflow-4091", "kubeflow-4112"))
        .expect("the seed's block is YAML")
}

#[test]
fn centraldashboard_build_is_the_seeds_pipeline_run() {
    let objs = objects(&build_app("ci-centraldashboard-pipeline-run"));
    let mut kinds: Vec<&str> = objs.iter().filter_map(|o| o.str_at(&["kind"])).collect();
    kinds.sort_unstable();
    // The seed's eight objects, and what the run needs to start (tests/it/supporting.rs).
    assert_eq!(
        kinds,
        [
            "PersistentVolumeClaim",
            "Pipeline",
            "PipelineResource",
            "PipelineResource",
            "PipelineResource",
            "PipelineResource",
            "PipelineRun",
            "Role",
            "RoleBinding",
            "ServiceAccount",
            "Task",
            "Task"
        ]
    );
    for o in &objs {
        assert_eq!(
            o.str_at(&["metadata", "namespace"]),
            Some("kubeflow-ci"),
            "{o:?}"
        );
    }

    // The PipelineRun: the seed's, field for field, under the name name-gen derived.
    let run = objs
        .iter()
        .find(|o| o.str_at(&["kind"]) == Some("PipelineRun"))
        .expect("a PipelineRun");
    let name = run
        .str_at(&["metadata", "name"])
        .expect("the PipelineRun has a name");
    let suffix = name
        .strip_prefix("ci-centraldashboard-pipeline-run-")
        .expect("the name comes from generateName");
    assert!(
        !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    let seed_run = seed_block("PipelineRun");
    let seed_name = seed_run
        .str_at(&["metadata", "name"])
        .expect("seed run name")
        .to_string();
    // The instance label is asserted on its own (pipeline_run_instance_label_is_its_name),
    // so that this comparison names every other field.
    let without_instance = |n: &Node| {
        let mut n = n.clone();
        if let Some(labels) = n
            .get_path_mut(&["metadata", "labels"])
            .and_then(Node::as_map_mut)
        {
            labels.shift_remove(INSTANCE);
        }
        yaml::emit(&n).expect("emit")
    };
    let seed_text = without_instance(&seed_run).replace(&seed_name, name);
    assert_eq!(without_instance(run), seed_text);

    // The Pipeline: the seed's, field for field.
    let pipeline = find(&objs, "Pipeline", "ci-pipeline");
    assert_eq!(
        yaml::emit(pipeline).expect("emit"),
        yaml::emit(&seed_block("Pipeline")).expect("emit")
    );

    // The Tasks the Pipeline names, with the seed's parameters.
    let build_push = find(&objs, "Task", "build-push");
    let params: Vec<&str> = build_push
        .get_path(&["spec", "inputs", "params"])
        .and_then(Node::as_seq)
        .expect("build-push params")
        .iter()
        .filter_map(|p| p.str_at(&["name"]))
        .collect();
    assert_eq!(
        params,
        ["pathToDockerfile", "pathToContext", "dockerTarget"]
    );
    let kaniko = yaml::emit(build_push).expect("emit");
    for arg in [
        "--dockerfile=/workspace/kubeflow/$(inputs.params.pathToDockerfile)",
        "--context=/workspace/kubeflow/$(inputs.params.pathToContext)",
        "--target=$(inputs.params.dockerTarget)",
        "--destination=$(outputs.resources.centraldashboard.url)",
        "--digest-file=/workspace/centraldashboard.digest",
        "/kaniko/executor",
    ] {
        assert!(kaniko.contains(arg), "build-push lacks {arg}");
    }
    let update = yaml::emit(find(&objs, "Task", "update-manifests")).expect("emit");
    for want in [
        "name: kubeflow-4112",
        "value: /workspace/kubeflow-4112",
        "value: /workspace/centraldashboard.digest",
        "/workspace/kubeflow/py/kubeflow/kubeflow/ci/rebuild-manifests.sh",
    ] {
        assert!(update.contains(want), "update-manifests lacks {want}");
    }

    // The four PipelineResources, with the seed's parameter values.
    for (name, kind, params) in [
        (
            "kubeflow",
            "git",
            vec![
                ("url", "git@github.com:kubeflow/kubeflow.git"),
                ("revision", "refs/pull/4112/head"),
            ],
        ),
        (
            "manifests",
            "git",
            vec![
                ("url", "git@github.com:kkasravi/manifests.git"),
                ("revision", "master"),
            ],
        ),
        (
            "centraldashboard",
            "image",
            vec![("url", "gcr.io/kubeflow-images-public/centraldashboard")],
        ),
        (
            "kubeflow-4112",
            "pullRequest",
            vec![("url", "https://github.com/kubeflow/kubeflow/pull/4112")],
        ),
    ] {
        let r = find(&objs, "PipelineResource", name);
        assert_eq!(r.str_at(&["spec", "type"]), Some(kind), "{name}");
        let got: Vec<(&str, &str)> = r
            .get_path(&["spec", "params"])
            .and_then(Node::as_seq)
            .expect("params")
            .iter()
            .map(|p| {
                (
                    p.str_at(&["name"]).unwrap_or(""),
                    p.str_at(&["value"]).unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(got, params, "{name}");
    }
}

/// The label kfctl set to the run's name.
const INSTANCE: &str = "app.kubernetes.io/instance";

#[test]
fn pipeline_run_instance_label_is_its_name() {
    // The seed's run carries its generated name in app.kubernetes.io/instance.
    let seed_run = seed_block("PipelineRun");
    assert_eq!(
        seed_run.str_at(&["metadata", "labels", INSTANCE]),
        seed_run.str_at(&["metadata", "name"])
    );
    let objs = objects(&build_app("ci-centraldashboard-pipeline-run"));
    let run = objs
        .iter()
        .find(|o| o.str_at(&["kind"]) == Some("PipelineRun"))
        .expect("a PipelineRun");
    assert_eq!(
        run.str_at(&["metadata", "labels", INSTANCE]),
        run.str_at(&["metadata", "name"]),
        "name-gen names the run but leaves its instance label at the generateName"
    );
}

#[test]
fn jupyter_web_app_differs_from_centraldashboard_by_parameters_only() {
    let dash = build_app("ci-centraldashboard-pipeline-run");
    let jwa = build_app("ci-jupyter-web-app-pipeline-run");
    let run_name = |text: &str| {
        objects(text)
            .iter()
            .find(|o| o.str_at(&["kind"]) == Some("PipelineRun"))
            .and_then(|o| o.str_at(&["metadata", "name"]).map(str::to_string))
            .expect("a named PipelineRun")
    };
    let (dash_name, jwa_name) = (run_name(&dash), run_name(&jwa));
    assert!(
        jwa_name.starts_with("ci-jupyter-web-app-pipeline-run-"),
        "{jwa_name}"
    );
    assert_ne!(dash_name, jwa_name);
    // Replacing the centraldashboard values by the jupyter-web-app ones gives the other build.
    let mapped = dash
        .replace(&dash_name, &jwa_name)
        .replace(
            "common/centraldashboard/base",
            "jupyter/jupyter-web-app/base",
        )
        .replace("centraldashboard", "jupyter-web-app")
        .replace("4112", "4130");
    assert_eq!(mapped, jwa);
}

#[test]
fn catalog_apps_pass_strata_check() {
    for app in APPS {
        let path = root().join(format!("overlays/apps/{app}.yaml"));
        let (code, out, err) = strata_cli(&["check", &path.display().to_string()]);
        assert_eq!((code, out.as_str()), (0, ""), "{app}: {err}");
    }
}

#[test]
fn catalog_bundles_are_reproducible() {
    // The catalog as checked out, and a copy at another path made in another order.
    let dir = Scratch::new("bundles");
    let copy = dir.0.join("elsewhere/overlays");
    copy_tree(&root().join("overlays"), &copy);
    for app in APPS {
        // The v1 run is pinned to its Tekton bundle; v1alpha1 runs cannot be (Tekton v0.8
        // has no bundles), their Tekton part is bundled all the same.
        let tekton_flag: &[&str] = if app.ends_with("-v1") {
            &["--pin", "registry.example/kubeflow-ci/ci-pipeline"]
        } else {
            &["--tekton"]
        };
        let bundle = |overlays: &Path, n: u32| {
            let out_dir = dir.0.join(format!("{app}-{n}"));
            let path = overlays.join(format!("apps/{app}.yaml"));
            let out_arg = out_dir.display().to_string();
            let path_arg = path.display().to_string();
            let mut args = vec!["bundle", "-o", out_arg.as_str(), path_arg.as_str()];
            args.extend_from_slice(tekton_flag);
            let (code, out, err) = strata_cli(&args);
            assert_eq!(code, 0, "strata bundle {app}: {err}");
            // `DIGEST tekton PATH` then `DIGEST bundle PATH`.
            let digests: Vec<String> = out
                .lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect();
            assert_eq!(digests.len(), 2, "{out}");
            for layout in [format!("{out_arg}-tekton"), out_arg.clone()] {
                let (code, out, err) = strata_cli(&["verify", &layout]);
                assert_eq!(code, 0, "strata verify {layout}: {err}");
                assert!(out.contains("pins checked"), "{out}");
                let pins: usize = out
                    .split(", ")
                    .find_map(|p| p.strip_suffix(" pins checked\n"))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if app.ends_with("-v1") {
                    // Tekton bundle: two inlined Tasks; bundle: two locked Tasks and the run.
                    let want = if layout.ends_with("-tekton") { 2 } else { 3 };
                    assert_eq!(pins, want, "{layout}: {out}");
                }
            }
            digests
        };
        let a = bundle(&root().join("overlays"), 1);
        assert!(a.iter().all(|d| d.starts_with("sha256:")), "{a:?}");
        assert_eq!(
            a,
            bundle(&root().join("overlays"), 2),
            "{app}: two bundles differ"
        );
        assert_eq!(
            a,
            bundle(&copy, 3),
            "{app}: the bundle depends on where the catalog is"
        );
        eprintln!(
            "{app}: tekton {} bundle {} (same from both paths)",
            a[0], a[1]
        );
    }
}

#[test]
fn v1_variant_has_no_pipeline_resources_and_runs_the_same_script() {
    let objs = objects(&build_app("ci-centraldashboard-pipeline-run-v1"));
    // Every Tekton object is v1 (the supporting resources are Kubernetes' own).
    for o in &objs {
        let api = o.str_at(&["apiVersion"]).unwrap_or("");
        if api.starts_with("tekton.dev/") {
            assert_eq!(api, "tekton.dev/v1", "{o:?}");
        }
        assert_ne!(o.str_at(&["kind"]), Some("PipelineResource"));
    }
    let pipeline = find(&objs, "Pipeline", "ci-pipeline");
    assert!(pipeline.get_path(&["spec", "resources"]).is_none());
    let ws: Vec<&str> = pipeline
        .get_path(&["spec", "workspaces"])
        .and_then(Node::as_seq)
        .expect("workspaces")
        .iter()
        .filter_map(|w| w.str_at(&["name"]))
        .collect();
    assert_eq!(ws, ["source"]);
    let update = find(&objs, "Task", "update-manifests");
    let steps: Vec<&str> = update
        .get_path(&["spec", "steps"])
        .and_then(Node::as_seq)
        .expect("steps")
        .iter()
        .filter_map(|s| s.str_at(&["name"]))
        .collect();
    assert_eq!(
        steps,
        [
            "import-digest",
            "git-clone-manifests",
            "fetch-pull-request",
            "rebuild-manifests"
        ]
    );
    // The v1 Task runs the same script from the checkout in the workspace, with the same
    // variables.
    let (v1_command, v1_env) = rebuild_manifests_step_of("ci-centraldashboard-pipeline-run-v1");
    assert_eq!(
        v1_command,
        [
            "bash".to_string(),
            format!("$(workspaces.source.path)/kubeflow/{SCRIPT_IN_KUBEFLOW}")
        ]
    );
    assert_eq!(v1_env, rebuild_manifests_step().1);
}

#[test]
fn strata_edit_keeps_the_rest_of_the_file() {
    let dir = Scratch::new("edit");
    let d = dir.0.display().to_string();
    let file = dir.0.join("kustomization.yaml");
    write(&dir.0, "deployment.yaml", DEPLOYMENT);
    write(&dir.0, "extra.yaml", DEPLOYMENT);
    std::fs::create_dir_all(dir.0.join("comp")).expect("mkdir");
    write(&dir.0, "kustomization.yaml", KUSTOMIZATION);
    let ok = |args: &[&str]| {
        let mut all = vec!["edit", "--dir", d.as_str()];
        all.extend_from_slice(args);
        let (code, _, err) = strata_cli(&all);
        assert_eq!(code, 0, "strata edit {args:?}: {err}");
    };
    ok(&[
        "set",
        "image",
        "gcr.io/kubeflow-images-public/centraldashboard=reg.example/dash:v2",
        "busybox:1.36",
    ]);
    ok(&["set", "namespace", "kubeflow-ci"]);
    ok(&["set", "nameprefix", "ci-"]);
    ok(&["set", "namesuffix", "-x"]);
    ok(&["add", "resource", "extra.yaml", "deployment.yaml"]);
    ok(&["add", "component", "comp"]);
    let got = std::fs::read_to_string(&file).expect("read");
    // kustomize keeps `images` sorted by name; each entry keeps its comments.
    assert_eq!(
        got,
        "# The central dashboard, as upstream ships it.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deployment.yaml # the dashboard itself\n- extra.yaml\nnamespace: kubeflow-ci\nimages:\n# CI pins this image to the digest it built.\n- name: busybox\n  newTag: \"1.36\"\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  newName: reg.example/dash\n  newTag: v2 # the last release\nnamePrefix: ci-\nnameSuffix: \"-x\"\ncomponents:\n- comp\n"
    );
    // Errors name the problem and leave the file alone.
    for bad in [
        vec!["set", "image", "no-tag-or-digest"],
        vec!["add", "resource", "missing.yaml"],
        vec!["set", "namespace", "Not_A_Label"],
    ] {
        let mut all = vec!["edit", "--dir", d.as_str()];
        all.extend_from_slice(&bad);
        let (code, _, err) = strata_cli(&all);
        assert_eq!(code, 1, "{bad:?} should fail");
        assert!(err.contains("kustomization.yaml"), "{bad:?}: {err}");
    }
    assert_eq!(std::fs::read_to_string(&file).expect("read"), got);
    let (code, _, err) = strata_cli(&[
        "edit",
        "--dir",
        &dir.0.join("comp").display().to_string(),
        "set",
        "namespace",
        "x",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("missing kustomization file"), "{err}");
}

//! App configs and bundles through the real `strata` binary: KfDef composition, bundle
//! reproducibility across paths, mtimes, time zones and locales, verify, the Tekton
//! bundle contract, and the real consumers (skopeo and a local docker-registry).
//!
//! The consumer test needs the Debian packages `skopeo` and `docker-registry`; it fails
//! with a message naming the missing package instead of skipping.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use strata::fs::record::sha256_hex;

use super::support::{strata_env, write};

fn strata(args: &[&str], cwd: &Path) -> Output {
    strata_env(args, cwd, &[])
}

fn scratch(name: &str) -> PathBuf {
    super::support::scratch!("bundle", name)
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
}

fn task(name: &str) -> String {
    format!(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  name: {name}\nspec:\n  steps:\n  - name: run\n    image: alpine\n    script: echo {name}\n"
    )
}

const COMPONENT: &str =
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- task.yaml\n";

/// A pipeline app like the seed's, in tekton.dev/v1: a Pipeline base with Task overlays
/// (two Components and one kfctl-era Kustomization naming `../../base`), and a PipelineRun.
fn example_files() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        ("app.yaml".into(), "apiVersion: kfdef.apps.kubeflow.org/v1\nkind: KfDef\nmetadata:\n  name: ci\n  namespace: kubeflow-ci\nspec:\n  repos:\n  - name: manifests\n    uri: file://manifests\n  applications:\n  - name: ci-pipeline\n    kustomizeConfig:\n      repoRef:\n        name: manifests\n        path: ci/ci-pipeline\n      overlays:\n      - build-push-task\n      - legacy-task\n      - update-manifests-task\n  - name: ci-pipeline-run\n    kustomizeConfig:\n      repoRef:\n        name: manifests\n        path: ci/ci-pipeline-run\n".into()),
        ("manifests/ci/ci-pipeline/base/kustomization.yaml".into(), "resources:\n- pipeline.yaml\n".into()),
        ("manifests/ci/ci-pipeline/base/pipeline.yaml".into(), "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: ci-pipeline\nspec:\n  tasks:\n  - name: build-push\n    taskRef:\n      name: build-push\n  - name: update-manifests\n    runAfter: [build-push]\n    taskRef:\n      name: update-manifests\n".into()),
        ("manifests/ci/ci-pipeline/overlays/legacy-task/kustomization.yaml".into(), "bases:\n- ../../base\nresources:\n- task.yaml\n".into()),
        ("manifests/ci/ci-pipeline/overlays/legacy-task/task.yaml".into(), task("legacy")),
        ("manifests/ci/ci-pipeline-run/base/kustomization.yaml".into(), "resources:\n- pipeline-run.yaml\n".into()),
        ("manifests/ci/ci-pipeline-run/base/pipeline-run.yaml".into(), "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: ci-pipeline-run\nspec:\n  pipelineRef:\n    name: ci-pipeline\n".into()),
    ];
    for t in ["build-push", "update-manifests"] {
        v.push((
            format!("manifests/ci/ci-pipeline/overlays/{t}-task/kustomization.yaml"),
            COMPONENT.into(),
        ));
        v.push((
            format!("manifests/ci/ci-pipeline/overlays/{t}-task/task.yaml"),
            task(t),
        ));
    }
    v
}

fn example(dir: &Path) {
    for (p, t) in example_files() {
        write(dir, &p, &t);
    }
}

fn first_word(s: &str) -> String {
    s.split_whitespace().next().unwrap_or("").to_string()
}

/// Returns the digest line for `what` (`bundle` or `tekton`) of `strata bundle`'s output.
fn digest_of(stdout: &str, what: &str) -> String {
    stdout
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(what))
        .map(first_word)
        .unwrap_or_else(|| panic!("no {what} line in {stdout:?}"))
}

/// Every file of a directory tree, relative path to bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.map(|e| e.path()).unwrap_or_default();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .map(|r| r.display().to_string())
                    .unwrap_or_default();
                out.push((rel, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn kfdef_renders_every_app_with_the_base_once() {
    let d = scratch("compose");
    example(&d);
    let text = ok(&strata(&["build", "app.yaml"], &d));
    assert_eq!(text.matches("kind: Pipeline\n").count(), 1, "{text}");
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  name: "))
        .collect();
    assert_eq!(
        names,
        vec![
            "ci-pipeline",
            "build-push",
            "legacy",
            "update-manifests",
            "ci-pipeline-run"
        ]
    );
    // The same tree built as a directory gives the same base bytes.
    let base = ok(&strata(&["build", "manifests/ci/ci-pipeline/base"], &d));
    assert!(text.starts_with(&base), "{text}");
}

#[test]
fn bad_app_configs_are_clear_errors() {
    let d = scratch("bad");
    example(&d);
    let app = std::fs::read_to_string(d.join("app.yaml")).unwrap_or_default();
    let cases = [
        (app.replacen("name: manifests\n        path: ci/ci-pipeline-run", "name: other\n        path: ci/ci-pipeline-run", 1), "unknown repo \"other\""),
        (app.replace("- legacy-task", "- missing-task"), "overlay \"missing-task\" not found"),
        (app.replace("file://manifests", "https://github.com/kubeflow/manifests"), "fetches nothing"),
        (
            app.replace("      - update-manifests-task\n", "      - update-manifests-task\n      parameters:\n      - name: bogus\n        value: x\n"),
            "unknown parameter \"bogus\"",
        ),
    ];
    write(
        &d,
        "manifests/ci/ci-pipeline/base/params.env",
        "image=alpine\n",
    );
    for (i, (text, needle)) in cases.iter().enumerate() {
        let f = format!("bad{i}.yaml");
        write(&d, &f, text);
        refused(&strata(&["build", &f], &d), needle);
        refused(&strata(&["bundle", &f, "-o", "out"], &d), needle);
        assert!(
            !d.join("out").exists(),
            "a failed bundle must leave nothing behind"
        );
    }
}

#[test]
fn bundle_digest_is_the_same_from_two_copies_at_other_paths_times_and_locales() {
    let a = scratch("repro-a").join("some/deeper/place");
    let b = scratch("repro-b");
    // Copy A is written in order, copy B in reverse order with scattered mtimes.
    example(&a);
    let mut files = example_files();
    files.reverse();
    for (i, (p, t)) in files.iter().enumerate() {
        write(&b, p, t);
        let f = std::fs::File::options()
            .write(true)
            .open(b.join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"));
        let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + 7919 * i as u64);
        f.set_modified(when).unwrap_or_else(|e| panic!("{p}: {e}"));
    }
    let env_a = [("TZ", "UTC"), ("LANG", "C"), ("LC_ALL", "C")];
    let env_b = [
        ("TZ", "Pacific/Chatham"),
        ("LANG", "de_DE.UTF-8"),
        ("LC_ALL", "tr_TR.UTF-8"),
    ];
    let args = [
        "bundle",
        "app.yaml",
        "-o",
        "out",
        "--pin",
        "registry.example/ci/pipeline",
    ];
    let da = ok(&strata_env(&args, &a, &env_a));
    let db = ok(&strata_env(&args, &b, &env_b));
    assert_eq!(digest_of(&da, "bundle"), digest_of(&db, "bundle"));
    assert_eq!(digest_of(&da, "tekton"), digest_of(&db, "tekton"));
    assert_eq!(tree(&a.join("out")), tree(&b.join("out")));
    // As archives too, and the digest never mentions either path.
    let targs = ["bundle", "app.yaml", "-o", "out.tar", "--tar"];
    let ta = ok(&strata_env(&targs, &a, &env_a));
    let tb = ok(&strata_env(&targs, &b, &env_b));
    assert_eq!(digest_of(&ta, "bundle"), digest_of(&tb, "bundle"));
    let bytes = std::fs::read(a.join("out.tar")).unwrap_or_default();
    assert_eq!(bytes, std::fs::read(b.join("out.tar")).unwrap_or_default());
    let hay = String::from_utf8_lossy(&bytes);
    assert!(
        !hay.contains("repro-a") && !hay.contains("deeper"),
        "a build path leaked into the bundle"
    );
    // SOURCE_DATE_EPOCH changes the tar mtimes, hence the digest.
    let tc = ok(&strata_env(
        &targs,
        &a,
        &[("SOURCE_DATE_EPOCH", "1700000000")],
    ));
    assert_ne!(digest_of(&ta, "bundle"), digest_of(&tc, "bundle"));
}

#[test]
fn verify_checks_every_digest_and_names_what_a_rebuild_changes() {
    let d = scratch("verify");
    example(&d);
    let digest = digest_of(
        &ok(&strata(
            &["bundle", "app.yaml", "-o", "out", "--tekton"],
            &d,
        )),
        "bundle",
    );
    let v = ok(&strata(&["verify", "out", "--rebuild", "app.yaml"], &d));
    assert!(v.contains(&digest) && v.contains("identical"), "{v}");
    write(
        &d,
        "manifests/ci/ci-pipeline/overlays/legacy-task/task.yaml",
        task("legacy").replace("alpine", "busybox"),
    );
    let out = strata(&["verify", "out", "--rebuild", "app.yaml"], &d);
    refused(&out, "resource Task legacy (tekton.dev/v1): differs");
    refused(
        &out,
        "input manifests:ci/ci-pipeline/overlays/legacy-task/task.yaml: sha256",
    );
    // Corrupt one blob: plain verify names it.
    let blobs = d.join("out/blobs/sha256");
    let victim = std::fs::read_dir(&blobs)
        .ok()
        .and_then(|mut r| r.next())
        .and_then(|e| e.ok())
        .map(|e| e.path());
    let victim = victim.unwrap_or_else(|| panic!("no blob in {}", blobs.display()));
    std::fs::write(&victim, b"tampered").unwrap_or_else(|e| panic!("{e}"));
    refused(&strata(&["verify", "out"], &d), "content has sha256");
}

#[test]
fn tekton_bundle_contract_is_enforced_naming_the_rule() {
    let d = scratch("contract");
    example(&d);
    let many: String = (0..21).map(|i| format!("- t{i}.yaml\n")).collect();
    write(&d, "many/kustomization.yaml", format!("resources:\n{many}"));
    for i in 0..21 {
        write(&d, &format!("many/t{i}.yaml"), task(&format!("t{i}")));
    }
    refused(
        &strata(&["bundle", "many", "-o", "out", "--tekton"], &d),
        "at most 20 layers",
    );
    write(
        &d,
        "deploy/kustomization.yaml",
        "resources:\n- t.yaml\n- d.yaml\n",
    );
    write(&d, "deploy/t.yaml", task("t"));
    // A tekton.dev kind the resolver does not serve is refused; other API groups (the
    // run's ServiceAccount, RBAC, claims) stay in the main bundle only.
    write(
        &d,
        "deploy/d.yaml",
        "apiVersion: tekton.dev/v1alpha1\nkind: Condition\nmetadata:\n  name: web\n",
    );
    refused(
        &strata(&["bundle", "deploy", "-o", "out", "--tekton"], &d),
        "only the kinds the bundles resolver serves",
    );
    write(
        &d,
        "twice/kustomization.yaml",
        "resources:\n- a.yaml\n- b.yaml\n",
    );
    write(
        &d,
        "twice/a.yaml",
        task("same").replace("metadata:\n", "metadata:\n  namespace: a\n"),
    );
    write(
        &d,
        "twice/b.yaml",
        task("same").replace("metadata:\n", "metadata:\n  namespace: b\n"),
    );
    refused(
        &strata(&["bundle", "twice", "-o", "out", "--tekton"], &d),
        "must be unique per layer",
    );
    assert!(
        !d.join("out").exists() && !d.join("out-tekton").exists(),
        "a refused bundle must leave nothing"
    );
    // A pinned run must run bundled bytes only: a Task left to the cluster is refused.
    write(
        &d,
        "byname/kustomization.yaml",
        "resources:\n- p.yaml\n- r.yaml\n",
    );
    write(
        &d,
        "byname/p.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n  tasks:\n  - name: a\n    taskRef:\n      name: in-cluster\n",
    );
    write(
        &d,
        "byname/r.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: r\nspec:\n  pipelineRef:\n    name: p\n",
    );
    refused(
        &strata(
            &[
                "bundle",
                "byname",
                "-o",
                "out",
                "--pin",
                "registry.example/ci/p",
            ],
            &d,
        ),
        "p/a -> Task in-cluster",
    );
    // Without --tekton the same trees bundle fine: the contract is the Tekton bundle's.
    ok(&strata(&["bundle", "deploy", "-o", "out"], &d));
    // --pin rewrites the v1 PipelineRun to the bundles resolver, by digest.
    let out = ok(&strata(
        &[
            "bundle",
            "app.yaml",
            "-o",
            "pinned",
            "--pin",
            "registry.example/ci/pipeline",
        ],
        &d,
    ));
    let tekton = digest_of(&out, "tekton");
    let layers = tree(&d.join("pinned"));
    let run = layers.iter().find_map(|(_, bytes)| {
        let mut s = String::new();
        use std::io::Read as _;
        let ok = flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .is_ok();
        (ok && s.contains("kind: PipelineRun")).then_some(s)
    });
    let run = run.unwrap_or_else(|| panic!("no PipelineRun layer"));
    assert!(run.contains("resolver: bundles"), "{run}");
    assert!(
        run.contains(&format!("value: registry.example/ci/pipeline@{tekton}")),
        "{run}"
    );
}

/// Fails (never skips) when a consumer is missing, naming the Debian package.
fn require(cmd: &str, args: &[&str], package: &str) {
    let found = Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "`{cmd}` is not available: install the Debian package `{package}` (apt-get install {package}); .ci/run does"
    );
}

/// A docker-registry on 127.0.0.1, stopped when dropped.
struct Registry(Child);

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_registry(dir: &Path) -> (Registry, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0);
    assert_ne!(port, 0, "no free port on 127.0.0.1");
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    write(dir, "config.yml", &config);
    let child = Command::new("docker-registry")
        .args(["serve", &dir.join("config.yml").display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting docker-registry: {e}"));
    let reg = Registry(child);
    // Wait until it listens (a readiness poll, not a timing assertion).
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (reg, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("docker-registry did not listen on 127.0.0.1:{port}");
}

fn skopeo(args: &[&str]) -> Vec<u8> {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("skopeo: {e}"));
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn skopeo_and_a_registry_accept_the_bundles_and_keep_their_digests() {
    require("skopeo", &["--version"], "skopeo");
    require("docker-registry", &["--version"], "docker-registry");
    let d = scratch("consumers");
    example(&d);
    let out = ok(&strata(
        &[
            "bundle",
            "app.yaml",
            "-o",
            "out",
            "--pin",
            "127.0.0.1/ci/pipeline",
        ],
        &d,
    ));
    let (_reg, port) = start_registry(&d.join("registry"));
    for (what, layout) in [("bundle", "out"), ("tekton", "out-tekton")] {
        let digest = digest_of(&out, what);
        let oci = format!("oci:{}", d.join(layout).display());
        let raw = skopeo(&["inspect", "--raw", &oci]);
        assert_eq!(
            format!("sha256:{}", sha256_hex(&raw)),
            digest,
            "{what}: skopeo reads another manifest"
        );
        let dest = format!("docker://127.0.0.1:{port}/strata/{what}:v1");
        skopeo(&[
            "copy",
            "--preserve-digests",
            "--dest-tls-verify=false",
            &oci,
            &dest,
        ]);
        let back = skopeo(&["inspect", "--raw", "--tls-verify=false", &dest]);
        assert_eq!(
            format!("sha256:{}", sha256_hex(&back)),
            digest,
            "{what}: the registry changed the digest"
        );
    }
    // The archive form is read by skopeo's oci-archive transport too.
    let t = ok(&strata(
        &["bundle", "app.yaml", "-o", "out.tar", "--tar"],
        &d,
    ));
    let raw = skopeo(&[
        "inspect",
        "--raw",
        &format!("oci-archive:{}", d.join("out.tar").display()),
    ]);
    assert_eq!(
        format!("sha256:{}", sha256_hex(&raw)),
        digest_of(&t, "bundle")
    );
}

#[test]
fn parameters_and_generated_names_go_through_the_builtin_plugins() {
    let d = scratch("params");
    example(&d);
    write(
        &d,
        "manifests/ci/ci-pipeline-run/base/params.env",
        "# defaults\nrun_prefix=ci-run-\nsa=default\n",
    );
    write(
        &d,
        "manifests/ci/ci-pipeline-run/base/pipeline-run.yaml",
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: $(run_prefix)\n  namespace: $(namespace)\nspec:\n  pipelineRef:\n    name: ci-pipeline\n  taskRunTemplate:\n    serviceAccountName: $(sa)\n",
    );
    let app = std::fs::read_to_string(d.join("app.yaml")).unwrap_or_default();
    let app = format!("{app}      parameters:\n      - name: sa\n        value: ci-bot\n");
    write(&d, "app.yaml", &app);
    let text = ok(&strata(&["build", "app.yaml"], &d));
    assert!(text.contains("serviceAccountName: ci-bot"), "{text}");
    assert!(text.contains("namespace: kubeflow-ci"), "{text}");
    let name = text
        .lines()
        .find_map(|l| l.strip_prefix("  name: ci-run-"))
        .map(str::to_string);
    assert!(
        name.as_ref().is_some_and(|n| n.len() == 8),
        "name-gen gives an 8-hex suffix: {text}"
    );
    assert!(!text.contains("$("), "{text}");
    // The same name on every build, and the lock lists both plugins with their digests.
    assert_eq!(ok(&strata(&["build", "app.yaml"], &d)), text);
    ok(&strata(&["bundle", "app.yaml", "-o", "out"], &d));
    let lock = tree(&d.join("out"))
        .into_iter()
        .map(|(_, b)| String::from_utf8_lossy(&b).into_owned())
        .find(|s| s.contains("\"kind\":\"BundleLock\""))
        .unwrap_or_default();
    assert!(
        lock.contains("{\"name\":\"builtin:name-gen\",\"sha256\":\""),
        "{lock}"
    );
    assert!(
        lock.contains("{\"name\":\"builtin:param-subst\",\"sha256\":\""),
        "{lock}"
    );
    assert!(
        lock.contains("{\"name\":\"sa\",\"value\":\"ci-bot\"}"),
        "{lock}"
    );
}

#[test]
fn a_kfctl_era_overlay_patches_the_base_it_names_without_adding_it_twice() {
    let d = scratch("kfctl-era");
    example(&d);
    // resources: [../../base] (not bases:), a strategic-merge patch of the base Pipeline
    // and labels: kfctl merged all of this into one kustomization.
    write(
        &d,
        "manifests/ci/ci-pipeline/overlays/legacy-task/kustomization.yaml",
        "resources:\n- ../../base\n- task.yaml\npatchesStrategicMerge:\n- pipeline-patch.yaml\ncommonLabels:\n  legacy: \"yes\"\n",
    );
    write(
        &d,
        "manifests/ci/ci-pipeline/overlays/legacy-task/pipeline-patch.yaml",
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: ci-pipeline\n  annotations:\n    patched-by: legacy-task\n",
    );
    let text = ok(&strata(&["build", "app.yaml"], &d));
    assert_eq!(text.matches("kind: Pipeline\n").count(), 1, "{text}");
    assert!(text.contains("patched-by: legacy-task"), "{text}");
    let pipeline = text
        .split("---\n")
        .find(|doc| doc.contains("kind: Pipeline\n"))
        .unwrap_or_default();
    assert!(
        pipeline.contains("legacy: \"yes\""),
        "the overlay's labels reach the base: {pipeline}"
    );
    // The overlay file on disk is untouched: composition happens in memory.
    let on_disk = std::fs::read_to_string(
        d.join("manifests/ci/ci-pipeline/overlays/legacy-task/kustomization.yaml"),
    );
    assert!(on_disk.is_ok_and(|t| t.starts_with("resources:\n- ../../base\n")));
    assert!(!d.join("manifests/ci/.strata-app-ci-pipeline").exists());
}

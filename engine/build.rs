//! Builds the reference plugins (plugins/reference/*) for wasm32-wasip1 and embeds them
//! in the strata binary, so a fresh `cargo build` needs nothing else.
//!
//! The nested cargo uses its own target directory (target/plugins) so it never waits on
//! the outer build's lock, works offline (every dependency of the plugins is one strata
//! already depends on), and remaps source paths so the modules, and their sha256, do
//! not depend on where the tree is checked out. A missing wasm32-wasip1 target fails
//! the build with the command that fixes it. `STRATA_SKIP_PLUGIN_BUILD=1` embeds empty
//! placeholders instead (the builtins then refuse to run, saying why).
#![allow(
    clippy::disallowed_methods,
    reason = "a build script writes its own OUT_DIR"
)]

use std::env;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PLUGINS: &[(&str, &str)] = &[
    ("param-subst", "strata-plugin-param-subst"),
    ("name-gen", "strata-plugin-name-gen"),
];

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let root = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-env-changed=STRATA_SKIP_PLUGIN_BUILD");
    println!("cargo:rerun-if-changed=build.rs");
    for p in [
        "plugins/abi",
        "plugins/sdk",
        "plugins/reference",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }
    let skip = env::var_os("STRATA_SKIP_PLUGIN_BUILD").is_some_and(|v| !v.is_empty() && v != "0");
    let mut table = String::from(
        "/// The plugins shipped inside strata: (name, wasm bytes).\npub(super) const BUILTINS: &[(&str, &[u8])] = &[\n",
    );
    if skip {
        for (name, _) in PLUGINS {
            let _ = writeln!(table, "    ({name:?}, &[]),");
        }
    } else {
        let wasm_dir = build_plugins(&root);
        for (name, _) in PLUGINS {
            let src = wasm_dir.join(format!("{name}.wasm"));
            let dst = out.join(format!("{name}.wasm"));
            if let Err(e) = std::fs::copy(&src, &dst) {
                panic!("copying {} to {}: {e}", src.display(), dst.display());
            }
            let _ = writeln!(
                table,
                "    ({name:?}, include_bytes!({:?})),",
                dst.display().to_string()
            );
        }
    }
    table.push_str("];\n");
    if let Err(e) = std::fs::write(out.join("builtin_plugins.rs"), table) {
        panic!("writing builtin_plugins.rs: {e}");
    }
}

/// Runs the nested cargo; returns the directory holding the `.wasm` files.
fn build_plugins(root: &Path) -> PathBuf {
    let target_dir = root.join("target").join("plugins");
    let packages: Vec<&str> = PLUGINS.iter().map(|(_, pkg)| *pkg).collect();
    let mut cmd = wasm_build_command(root, &target_dir, &packages);
    let status = cmd.status();
    match status {
        Ok(s) if s.success() => target_dir.join("wasm32-wasip1").join("release"),
        Ok(s) => panic!(
            "building the reference plugins for wasm32-wasip1 failed ({s}). If the target is missing, run \
             `rustup target add wasm32-wasip1`; set STRATA_SKIP_PLUGIN_BUILD=1 to build strata without its builtin plugins"
        ),
        Err(e) => panic!("running cargo to build the reference plugins: {e}"),
    }
}

include!("../plugins/wasm_build.rs");

// How the reference plugins are built for wasm32-wasip1. `engine/build.rs` (which embeds
// them) and `cargo xtask plugins` (which checks them) both `include!` this file, so the
// two always build the same bytes. It uses std only, as a build script must.

/// The cargo command building `packages` for wasm32-wasip1 into `target_dir`,
/// reproducibly: release, locked, offline, abort on panic, one codegen unit, LTO,
/// stripped, size-optimised, source and cargo-home paths remapped, and none of the
/// caller's flags or wrappers inherited.
fn wasm_build_command(
    root: &std::path::Path,
    target_dir: &std::path::Path,
    packages: &[&str],
) -> std::process::Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let rustflags = [
        format!("--remap-path-prefix={}=/strata", root.display()),
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
    ]
    .join("\u{1f}");
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--release", "--locked", "--offline", "--target", "wasm32-wasip1", "--target-dir"])
        .arg(target_dir)
        .args([
            "--config=profile.release.debug=0",
            "--config=profile.release.strip=true",
            "--config=profile.release.lto=true",
            "--config=profile.release.codegen-units=1",
            "--config=profile.release.panic=\"abort\"",
            "--config=profile.release.opt-level=\"s\"",
        ]);
    for pkg in packages {
        cmd.args(["-p", pkg]);
    }
    for var in [
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CARGO_ENCODED_RUSTFLAGS", rustflags);
    cmd
}

// How plugins in Go and AssemblyScript are built for wasm32-wasip1. `cargo xtask
// plugins`, the engine's tests and `strata plugin new`'s skeletons use these commands,
// so every place builds the same bytes. std only (it is `include!`d).

/// `go build` of the Go plugin in `dir` (its go.mod there) to `out`, reproducibly:
/// GOOS=wasip1 GOARCH=wasm, no cgo, paths trimmed, no VCS stamp, no build id, the
/// caller's Go environment file and flags ignored, nothing downloaded (the SDK comes
/// through a `replace` to a directory), the build cache in `cache`.
#[allow(dead_code, reason = "each includer uses its part")]
fn go_build_command(
    dir: &std::path::Path,
    out: &std::path::Path,
    cache: &std::path::Path,
) -> std::process::Command {
    let mut cmd = std::process::Command::new("go");
    cmd.current_dir(dir)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("CGO_ENABLED", "0")
        .env("GOFLAGS", "-trimpath -buildvcs=false -mod=mod")
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOWORK", "off")
        .env("GOCACHE", cache.join("build"))
        .env("GOPATH", cache.join("path"))
        .env_remove("GOAMD64")
        .env_remove("GOWASM")
        .args(["build", "-ldflags=-s -w -buildid=", "-o"])
        .arg(out)
        .arg(".");
    cmd
}

/// `asc` (from `sdk_as`'s node_modules) compiling `entry` (a path relative to `sdk_as`,
/// so that no absolute path reaches the module) to `out` with the WASI shim, -O3, no
/// assertions.
#[allow(dead_code, reason = "each includer uses its part")]
fn asc_build_command(
    sdk_as: &std::path::Path,
    entry: &std::path::Path,
    out: &std::path::Path,
) -> std::process::Command {
    let mut cmd = std::process::Command::new("node");
    cmd.current_dir(sdk_as)
        .arg("node_modules/assemblyscript/bin/asc.js")
        .arg(entry)
        .args([
            "--config",
            "./node_modules/@assemblyscript/wasi-shim/asconfig.json",
            "-O3",
            "--noAssert",
            "--outFile",
        ])
        .arg(out);
    cmd
}

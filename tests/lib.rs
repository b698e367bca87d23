//! The one test-support module of every test crate (`tests/it` and the engine's
//! `engine/tests/engine`, which takes it as a dev-dependency): the repository root and
//! the shared instruments, scratch directories and writing trees into them, running the
//! CLI (in-process, or a built binary), and golden files (`STRATA_BLESS=1`). The
//! in-memory file system is the library's own (`strata::fs::overlay::OverlayFs` over
//! `strata::fs::EmptyFs`).
#![allow(
    clippy::disallowed_methods,
    reason = "tests and fixtures create trees on disk"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `../shared` beside the workspace root.
pub fn shared_dir() -> PathBuf {
    workspace_root().join("..").join("shared")
}

/// The subdirectories of `dir`, sorted by path (none when it cannot be read).
pub fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Copies a directory tree, creating files in reverse name order (so nothing can depend
/// on creation order).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{}: {e}", from.display()))
        .map(|e| {
            e.unwrap_or_else(|e| panic!("{}: {e}", from.display()))
                .path()
        })
        .collect();
    entries.sort();
    for p in entries.into_iter().rev() {
        let dest = to.join(p.file_name().unwrap_or_default());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}

/// Writes `text` to `dir/rel`, creating the directories on the way.
pub fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// Empties (or creates) the directory `dir` and returns it.
pub fn fresh_dir(dir: PathBuf) -> PathBuf {
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

/// A fresh directory `$CARGO_TARGET_TMPDIR/PART/...` of the calling test crate, emptied
/// first: `scratch!("process", name)`. The first part keeps modules of one binary, which
/// run in parallel, apart.
#[macro_export]
macro_rules! scratch {
    ($($part:expr),+ $(,)?) => {
        $crate::fresh_dir(
            ::std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))$(.join($part))+,
        )
    };
}

/// A fresh directory under the system's temporary directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `strata-TAG-PID`, emptied first.
    pub fn new(tag: &str) -> Scratch {
        Scratch(fresh_dir(
            std::env::temp_dir().join(format!("strata-{tag}-{}", std::process::id())),
        ))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the CLI in-process (`strata ARGS...`); returns the exit code, stdout and stderr.
pub fn run_cli<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (i32, String, String) {
    let argv = std::iter::once(std::ffi::OsString::from("strata"))
        .chain(args.iter().map(|a| a.as_ref().to_os_string()))
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = strata::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// Runs the binary `bin` (the engine's tests hand in `CARGO_BIN_EXE_strata`, which only
/// the binary's own package sees) in `cwd`, with `env` added to the environment.
pub fn run_binary(bin: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin);
    c.args(args).current_dir(cwd);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("running {bin}: {e}"))
}

/// True when golden files should be rewritten instead of compared.
pub fn blessing() -> bool {
    std::env::var_os("STRATA_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the golden file at `path`, or rewrites it under `STRATA_BLESS=1`.
pub fn check_golden(path: &Path, actual: &str) {
    if blessing() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with STRATA_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .take(5)
            .map(|(i, (a, b))| format!("line {}:\n  expected: {a}\n  actual:   {b}", i + 1))
            .collect();
        panic!(
            "{} differs from the output ({} vs {} lines):\n{}\n(run with STRATA_BLESS=1 to accept)",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

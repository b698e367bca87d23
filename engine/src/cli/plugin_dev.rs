//! `strata plugin new` (a plugin skeleton in Rust, Go, C or AssemblyScript, with the
//! SDK copied in and a fixture it passes) and `strata plugin test` (runs a plugin on
//! its fixture directories and shows a diff where the output differs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use clap::{Args, ValueEnum};

use super::plugin::{LimitArgs, host_options};
use crate::fs::{DiskFs, Fs, Kind};
use crate::plugin::{HostOptions, Module, ModuleSource, WasmPlugin};
use crate::resource::ResMap;
use crate::yaml::Node;

/// The languages `strata plugin new` writes skeletons in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// Rust with the Strata SDK (`cargo build --target wasm32-wasip1`).
    Rust,
    /// Go with plugins/sdk-go (`GOOS=wasip1 GOARCH=wasm go build`).
    Go,
    /// C with wasi-libc (clang).
    C,
    /// AssemblyScript with plugins/sdk-as and @assemblyscript/wasi-shim.
    Assemblyscript,
}

/// `strata plugin new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The plugin's language.
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The plugin's name (lower-case letters, digits and `-`); also its directory.
    pub name: String,
    /// Where to create the plugin's directory (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub parent: Option<PathBuf>,
}

/// `strata plugin test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The plugin's directory: fixtures under `tests/fixtures/<case>/` (config.yaml,
    /// input.yaml, expected.yaml or error.txt), or one case directory itself.
    pub dir: PathBuf,
    /// The module (default: DIR/NAME.wasm, else DIR/target/wasm32-wasip1/release/NAME.wasm,
    /// NAME being DIR's name).
    #[arg(long)]
    pub module: Option<PathBuf>,
    /// Limits and cache.
    #[command(flatten)]
    pub limits: LimitArgs,
}

const SDK_GO: &str = include_str!("../../../plugins/sdk-go/krm.go");
const SDK_GO_MOD: &str = include_str!("../../../plugins/sdk-go/go.mod");
const SDK_AS_KRM: &str = include_str!("../../../plugins/sdk-as/assembly/krm.ts");
const SDK_AS_JSON: &str = include_str!("../../../plugins/sdk-as/assembly/json.ts");
const SDK_RUST: &str = include_str!("../../../plugins/sdk/src/lib.rs");
const ABI_RUST: &str = include_str!("../../../plugins/abi/src/lib.rs");

/// The files of a skeleton, as (path, text with `@NAME@` for the name).
fn skeleton(lang: Lang) -> Vec<(&'static str, &'static str)> {
    let mut files = vec![
        (
            "tests/fixtures/basic/config.yaml",
            include_str!("scaffold/fixture-config.yaml"),
        ),
        (
            "tests/fixtures/basic/input.yaml",
            include_str!("scaffold/fixture-input.yaml"),
        ),
    ];
    let expected = if lang == Lang::C {
        include_str!("scaffold/fixture-unchanged.yaml")
    } else {
        include_str!("scaffold/fixture-expected.yaml")
    };
    files.push(("tests/fixtures/basic/expected.yaml", expected));
    match lang {
        Lang::Rust => files.extend([
            ("Cargo.toml", include_str!("scaffold/rust-Cargo.toml")),
            ("src/main.rs", include_str!("scaffold/rust-main.rs")),
            (
                "sdk/Cargo.toml",
                include_str!("scaffold/rust-sdk-Cargo.toml"),
            ),
            ("sdk/src/lib.rs", SDK_RUST),
            (
                "abi/Cargo.toml",
                include_str!("scaffold/rust-abi-Cargo.toml"),
            ),
            ("abi/src/lib.rs", ABI_RUST),
        ]),
        Lang::Go => files.extend([
            ("go.mod", include_str!("scaffold/go-go.mod")),
            ("main.go", include_str!("scaffold/go-main.go")),
            ("krm/go.mod", SDK_GO_MOD),
            ("krm/krm.go", SDK_GO),
        ]),
        Lang::C => files.push(("@NAME@.c", include_str!("scaffold/c-main.c"))),
        Lang::Assemblyscript => files.extend([
            ("package.json", include_str!("scaffold/as-package.json")),
            ("assembly/index.ts", include_str!("scaffold/as-index.ts")),
            ("assembly/sdk/krm.ts", SDK_AS_KRM),
            ("assembly/sdk/json.ts", SDK_AS_JSON),
        ]),
    }
    files
}

/// How to build a skeleton into `NAME.wasm` in its directory.
fn build_hint(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Rust => format!(
            "cargo build --release --target wasm32-wasip1 && cp target/wasm32-wasip1/release/{name}.wasm ."
        ),
        Lang::Go => format!(
            "GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false -o {name}.wasm ."
        ),
        Lang::C => {
            format!("clang --target=wasm32-wasi --sysroot=/usr -O2 -s -o {name}.wasm {name}.c")
        }
        Lang::Assemblyscript => "npm install && npm run build".to_string(),
    }
}

fn readme(lang: Lang, name: &str) -> String {
    format!(
        "# {name}\n\nA Strata plugin: a KRM function compiled to wasm32-wasip1 (the contract: Strata's plugins/ABI.md).\n\n```sh\n{}\nstrata plugin test .            # runs tests/fixtures/*/ and shows a diff on a mismatch\nstrata plugin inspect {name}.wasm   # sha256 to pin in the kustomization\n```\n",
        build_hint(lang, name)
    )
}

/// A plugin name: a DNS-label-like word, so it is a safe directory, package and
/// annotation key segment.
fn check_name(name: &str) -> Result<()> {
    let ok = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok {
        bail!(
            "plugin name {name:?}: use 1-63 lower-case letters, digits and '-', starting with a letter"
        );
    }
    Ok(())
}

/// Runs `strata plugin new`.
pub(super) fn new(a: &NewArgs, stdout: &mut dyn Write) -> Result<()> {
    check_name(&a.name)?;
    let dest = a
        .parent
        .clone()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(&a.name);
    if DiskFs.kind(&dest).is_some() {
        bail!(
            "{}: already exists; choose another name or --parent",
            dest.display()
        );
    }
    let mut files: Vec<(String, String)> = skeleton(a.lang)
        .into_iter()
        .map(|(p, t)| (p.replace("@NAME@", &a.name), t.replace("@NAME@", &a.name)))
        .collect();
    files.push(("README.md".into(), readme(a.lang, &a.name)));
    crate::fs::create_dir_atomic(&dest, |tmp| {
        for (rel, text) in &files {
            let path = tmp.join(rel);
            if let Some(parent) = path.parent() {
                crate::fs::create_dir_all(parent)?;
            }
            crate::fs::write_file(&path, text.as_bytes())?;
        }
        Ok(())
    })
    .with_context(|| format!("creating {}", dest.display()))?;
    writeln!(
        stdout,
        "created {} ({:?}); build it with\n  cd {} && {}\nthen run its fixture: strata plugin test {}",
        dest.display(),
        a.lang,
        dest.display(),
        build_hint(a.lang, &a.name),
        dest.display()
    )?;
    Ok(())
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = DiskFs
        .read(path)
        .with_context(|| format!("reading {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))
}

/// The module `strata plugin test DIR` runs.
fn find_module(a: &TestArgs) -> Result<PathBuf> {
    if let Some(m) = &a.module {
        return Ok(m.clone());
    }
    let canon = DiskFs
        .canonicalize(&a.dir)
        .with_context(|| format!("reading {}", a.dir.display()))?;
    let name = canon
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let candidates = [
        a.dir.join(format!("{name}.wasm")),
        a.dir
            .join("target/wasm32-wasip1/release")
            .join(format!("{name}.wasm")),
    ];
    candidates
        .iter()
        .find(|p| DiskFs.kind(p) == Some(Kind::File))
        .cloned()
        .with_context(|| {
            format!(
                "no module: looked for {} and {}; build the plugin or pass --module",
                candidates[0].display(),
                candidates[1].display()
            )
        })
}

/// The case directories: DIR itself when it holds input.yaml, else DIR/tests/fixtures/*.
fn cases(dir: &Path) -> Result<Vec<PathBuf>> {
    if DiskFs.kind(&dir.join("input.yaml")) == Some(Kind::File) {
        return Ok(vec![dir.to_path_buf()]);
    }
    let fixtures = dir.join("tests/fixtures");
    let list: Vec<PathBuf> = DiskFs
        .read_dir(&fixtures)
        .with_context(|| format!("reading {}", fixtures.display()))?
        .into_iter()
        .filter(|p| DiskFs.kind(p) == Some(Kind::Dir))
        .collect();
    if list.is_empty() {
        bail!("{}: no fixture directories", fixtures.display());
    }
    Ok(list)
}

/// What one case showed: None when it passed, else the report.
fn run_case(
    module: &Module,
    case: &Path,
    host: &Arc<HostOptions>,
    base: &crate::BuildOptions,
) -> Result<Option<String>> {
    let config_path = case.join("config.yaml");
    let config = if DiskFs.kind(&config_path).is_some() {
        let text = read_text(&config_path)?;
        crate::yaml::parse_one(&text)
            .map_err(|e| anyhow::anyhow!("{}: invalid YAML at {e}", config_path.display()))?
    } else {
        Node::map()
    };
    let input_path = case.join("input.yaml");
    let input = read_text(&input_path)?;
    let mut map: ResMap = crate::loader::resources_from_text(&input, &input_path)?
        .into_iter()
        .collect();
    let expected = case.join("expected.yaml");
    let error = case.join("error.txt");
    let p = WasmPlugin::new(module.clone(), config, host.defaults, config_path)
        .with_host(host.clone(), base.warnings.clone());
    let got = p.transform_map(&mut map);
    if DiskFs.kind(&expected).is_some() {
        let want = read_text(&expected)?;
        return Ok(match got {
            Err(e) => Some(format!("expected output, but the plugin failed: {e}")),
            Ok(_) => {
                let out = crate::print(&map.into_vec(), &base.threads)?;
                (out != want).then(|| diff(&want, &out, &expected))
            }
        });
    }
    if DiskFs.kind(&error).is_some() {
        let want = read_text(&error)?;
        let want = want.trim();
        return Ok(match got {
            Ok(_) => Some(format!(
                "expected an error containing {want:?}, but the plugin succeeded"
            )),
            Err(e) if e.to_string().contains(want) => None,
            Err(e) => Some(format!("expected an error containing {want:?}, got: {e}")),
        });
    }
    bail!("{}: needs expected.yaml or error.txt", case.display())
}

/// A line diff of `want` against `got`: the common head and tail are skipped (with
/// up to three lines of context), the rest shown as `-` and `+` lines. Linear, and
/// enough to see what a plugin changed.
fn diff(want: &str, got: &str, name: &Path) -> String {
    let a: Vec<&str> = want.lines().collect();
    let b: Vec<&str> = got.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let mut out = format!("--- {} (expected)\n+++ plugin output\n", name.display());
    let from = head.saturating_sub(3);
    out.push_str(&format!(
        "@@ -{},{} +{},{} @@\n",
        from + 1,
        a.len() - tail - from,
        from + 1,
        b.len() - tail - from
    ));
    for l in &a[from..head] {
        out.push_str(&format!(" {l}\n"));
    }
    for l in &a[head..a.len() - tail] {
        out.push_str(&format!("-{l}\n"));
    }
    for l in &b[head..b.len() - tail] {
        out.push_str(&format!("+{l}\n"));
    }
    for l in a[a.len() - tail..].iter().take(3) {
        out.push_str(&format!(" {l}\n"));
    }
    if a.len() == b.len() && head == a.len() {
        out.push_str("(the texts differ only in their final newline)\n");
    }
    out
}

/// Runs `strata plugin test`: every case, a report per failing one, then the counts.
pub(super) fn test(a: &TestArgs, stdout: &mut dyn Write, base: &crate::BuildOptions) -> Result<()> {
    let host = Arc::new(host_options(&a.limits)?);
    let path = find_module(a)?;
    let bytes = DiskFs
        .read(&path)
        .with_context(|| format!("reading {}", path.display()))?;
    let module = Module::new(
        ModuleSource::Path(path.display().to_string()),
        Arc::from(bytes),
        None,
    )
    .map_err(|e| anyhow::anyhow!("plugin {}: {e}", path.display()))?;
    let (mut passed, mut failed) = (0, 0);
    for case in cases(&a.dir)? {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_else(|| case.display().to_string());
        match run_case(&module, &case, &host, base)? {
            None => {
                passed += 1;
                writeln!(stdout, "ok   {name}")?;
            }
            Some(report) => {
                failed += 1;
                writeln!(stdout, "FAIL {name}\n{report}")?;
            }
        }
    }
    writeln!(stdout, "{passed} passed, {failed} failed")?;
    if failed > 0 {
        bail!("{failed} of {} fixture(s) failed", passed + failed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("set-team").is_ok());
        for bad in ["", "Team", "-x", "x-", "a/b", "a b", "../x"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn diff_shows_the_changed_lines_with_context() {
        let d = diff("a\nb\nc\nd\n", "a\nb\nX\nd\n", Path::new("e.yaml"));
        assert!(d.contains("-c\n+X\n"), "{d}");
        assert!(d.contains(" b\n") && d.contains(" d\n"), "{d}");
        let d = diff("a\n", "a\nb\n", Path::new("e.yaml"));
        assert!(d.contains("+b\n") && !d.contains("-a"), "{d}");
    }

    #[test]
    fn every_skeleton_has_a_fixture_and_names_itself() {
        for lang in [Lang::Rust, Lang::Go, Lang::C, Lang::Assemblyscript] {
            let files = skeleton(lang);
            assert!(files.iter().any(|(p, _)| p.ends_with("expected.yaml")));
            assert!(files.iter().any(|(_, t)| t.contains("@NAME@")), "{lang:?}");
        }
    }
}

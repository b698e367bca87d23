//! `cargo xtask tidy [--graph]`: the architecture checks a compiler cannot make.
//!
//! - No top-level module of engine/src is in an import cycle (a `crate::` path in one
//!   module naming another is an edge; `#[cfg(test)]` code is left out), and each
//!   imports only modules of lower [`LAYERS`]; ARCHITECTURE.md's layer list (between
//!   its `tidy:layers` markers) is this table.
//! - Only `engine/src/fs` names `std::fs`, only `engine/src/plugin` names wasmtime, and
//!   only `engine/src/cli` (and `main.rs`, which hands it the streams) prints, reads the
//!   environment or exits.
//! - The generated Kubernetes table equals a fresh `cargo xtask codegen` (check mode).
//!
//! The sources are read with a small lexer that blanks comments and literals, so a word
//! in a doc comment or a string never counts. `--graph` prints the module graph and the
//! modules in cycles instead of failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::util;

/// A top-level module and the top-level modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The layers of engine/src, bottom first, each with its name: a module may import only
/// modules of lower layers. A new top-level module needs a row here (and in
/// ARCHITECTURE.md, which tidy compares with this table).
const LAYERS: &[(&str, &[&str])] = &[
    ("text, disk and threads", &["yaml", "fs", "par", "compat"]),
    ("the kustomization schema", &["kustomization"]),
    ("resources", &["resource"]),
    (
        "facts about resources",
        &["error", "fieldspec", "schema", "check"],
    ),
    ("reading and writing trees", &["loader", "output"]),
    ("the seam", &["transform"]),
    ("the steps", &["builtins", "patch", "replacement", "plugin"]),
    ("kind to constructor", &["registry"]),
    ("the walk", &["accumulate"]),
    ("apps and kustomization files", &["app", "edit"]),
    ("localized copies", &["localize"]),
    ("bundles", &["bundle"]),
    ("the command line", &["cli"]),
];

/// One rule: a pattern only the modules in `allowed` may use.
struct Rule {
    what: &'static str,
    patterns: &'static [&'static str],
    allowed: &'static [&'static str],
}

/// The invariants ARCHITECTURE.md states, as text patterns over blanked sources.
const RULES: &[Rule] = &[
    Rule {
        what: "only fs touches the disk",
        patterns: &["std::fs"],
        allowed: &["fs"],
    },
    Rule {
        what: "only plugin names wasmtime",
        patterns: &["wasmtime::", "use wasmtime"],
        allowed: &["plugin"],
    },
    Rule {
        what: "only cli prints",
        patterns: &[
            "println!",
            "eprintln!",
            "print!",
            "eprint!",
            "dbg!",
            "io::stdout",
            "io::stderr",
        ],
        allowed: &["cli", "main"],
    },
    Rule {
        what: "only cli reads the environment",
        patterns: &["std::env", "env::var", "env::args"],
        allowed: &["cli", "main"],
    },
    Rule {
        what: "only cli exits",
        patterns: &["process::exit"],
        allowed: &["cli", "main"],
    },
];

/// Runs the checks; `--graph` prints the module graph instead.
pub fn run(args: &[String]) -> Result<()> {
    let root = util::root();
    let src = root.join("engine/src");
    let files = sources(&src)?;
    let graph = graph(&src, &files)?;
    let cyclic = in_cycles(&graph);
    if args.iter().any(|a| a == "--graph") {
        for (m, deps) in &graph {
            let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
            println!("{m} -> {}", deps.join(", "));
        }
        println!(
            "{} top-level modules, {} edges, {} in import cycles: {}",
            graph.len(),
            graph.values().map(BTreeSet::len).sum::<usize>(),
            cyclic.len(),
            cyclic.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        return Ok(());
    }
    let mut problems = Vec::new();
    let layer_of = |m: &str| LAYERS.iter().position(|(_, ms)| ms.contains(&m));
    for (m, deps) in &graph {
        let Some(l) = layer_of(m) else {
            problems.push(format!(
                "engine/src/{m}: a top-level module in no layer (add it to LAYERS in xtask/src/tidy.rs and to ARCHITECTURE.md)"
            ));
            continue;
        };
        for d in deps {
            if layer_of(d).is_some_and(|dl| dl >= l) {
                problems.push(format!(
                    "engine/src/{m} imports {d}, which is not in a lower layer (ARCHITECTURE.md, \"Layers\")"
                ));
            }
        }
    }
    if let Err(e) = check_architecture_md(&root.join("ARCHITECTURE.md")) {
        problems.push(format!("{e:#}"));
    }
    if !cyclic.is_empty() {
        problems.push(format!(
            "engine/src: top-level modules in an import cycle: {} (run `cargo xtask tidy --graph`)",
            cyclic.iter().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for (path, module, text) in &files {
        for rule in RULES {
            if rule.allowed.contains(&module.as_str()) {
                continue;
            }
            for pat in rule.patterns {
                if let Some(line) = find_word(text, pat) {
                    problems.push(format!(
                        "{}:{line}: `{pat}`: {}",
                        path.strip_prefix(&root).unwrap_or(path).display(),
                        rule.what
                    ));
                }
            }
        }
    }
    if let Err(e) = crate::codegen::check() {
        problems.push(format!("{e:#}"));
    }
    if !problems.is_empty() {
        bail!(
            "tidy found {} problem(s):\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
    eprintln!(
        "tidy: {} modules, no import cycle, invariants hold, generated table fresh",
        graph.len()
    );
    Ok(())
}

/// The layer list as ARCHITECTURE.md shows it, top layer first.
fn layers_text() -> String {
    LAYERS
        .iter()
        .rev()
        .map(|(name, ms)| {
            let ms: Vec<String> = ms.iter().map(|m| format!("`{m}`")).collect();
            format!("- {name}: {}\n", ms.join(", "))
        })
        .collect()
}

/// Fails when ARCHITECTURE.md's layer list (between the `tidy:layers` markers) is not
/// [`LAYERS`].
fn check_architecture_md(path: &Path) -> Result<()> {
    #[allow(
        clippy::disallowed_methods,
        reason = "xtask is an edge and reads the docs"
    )]
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    let (begin, end) = ("<!-- tidy:layers -->\n", "<!-- /tidy:layers -->");
    let got = text
        .split_once(begin)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(body, _)| body);
    let want = layers_text();
    match got {
        Some(body) if body == want => Ok(()),
        _ => bail!(
            "{}: the layer list between {} and {end} must read (from xtask/src/tidy.rs LAYERS):\n{want}",
            path.display(),
            begin.trim_end()
        ),
    }
}

/// Every non-test source file of engine/src: (path, top-level module, blanked text).
fn sources(src: &Path) -> Result<Vec<(PathBuf, String, String)>> {
    let mut out = Vec::new();
    let mut test_files = BTreeSet::new();
    let mut paths = Vec::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.context("walking engine/src")?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rs") {
            paths.push(entry.path().to_path_buf());
        }
    }
    let mut texts = Vec::new();
    for path in &paths {
        #[allow(
            clippy::disallowed_methods,
            reason = "xtask is an edge and reads the sources"
        )]
        let raw = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
        let text = strip_test_code(&blank(&raw));
        // A `#[cfg(test)] mod name;` makes the whole file test code.
        for name in cfg_test_mods(&blank(&raw)) {
            let dir = if path
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
            {
                path.parent().map(Path::to_path_buf).unwrap_or_default()
            } else {
                path.with_extension("")
            };
            test_files.insert(dir.join(format!("{name}.rs")));
            test_files.insert(dir.join(&name).join("mod.rs"));
        }
        texts.push(text);
    }
    for (path, text) in paths.into_iter().zip(texts) {
        if test_files.contains(&path) {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap_or(&path);
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let module = first.trim_end_matches(".rs").to_string();
        out.push((path, module, text));
    }
    Ok(out)
}

/// The module graph: which top-level modules each one names through `crate::`.
fn graph(src: &Path, files: &[(PathBuf, String, String)]) -> Result<Graph> {
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(_, m, _)| m.clone())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    // Names lib.rs re-exports (`pub use accumulate::{BuildOptions, Reorder};`).
    let lib = files
        .iter()
        .find(|(p, _, _)| p == &src.join("lib.rs"))
        .map(|(_, _, t)| t.as_str())
        .unwrap_or_default();
    let reexports = reexports(lib);
    let mut g = Graph::new();
    for (_, module, text) in files {
        if !modules.contains(module) {
            continue;
        }
        let deps = g.entry(module.clone()).or_default();
        for name in crate_paths(text) {
            let target = if modules.contains(&name) {
                Some(name)
            } else {
                reexports.get(&name).cloned()
            };
            if let Some(t) = target
                && &t != module
            {
                deps.insert(t);
            }
        }
    }
    Ok(g)
}

/// Maps each name `lib.rs` re-exports to the module it comes from.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in lib.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        let names = names.trim().trim_start_matches('{').trim_end_matches('}');
        for n in names.split(',') {
            let n = n.trim().rsplit("::").next().unwrap_or_default().trim();
            if !n.is_empty() {
                out.insert(n.to_string(), module.trim().to_string());
            }
        }
    }
    out
}

/// The first segment of every `crate::` path, expanding `crate::{a, b::c}` groups.
fn crate_paths(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("crate::") {
        let start = i + at;
        i = start + "crate::".len();
        // `$crate::` in a macro and `foo_crate::` are not this crate's root.
        if start > 0 && (b[start - 1] == b'$' || is_ident(b[start - 1])) {
            continue;
        }
        if b.get(i) == Some(&b'{') {
            let mut depth = 0;
            let mut item_start = true;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'{' => {
                        depth += 1;
                        item_start = depth == 1;
                    }
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => item_start = true,
                    c if item_start && is_ident(c) => {
                        let end = (j..b.len()).find(|&k| !is_ident(b[k])).unwrap_or(b.len());
                        out.push(text[j..end].to_string());
                        item_start = false;
                        j = end;
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
        } else {
            let end = (i..b.len()).find(|&k| !is_ident(b[k])).unwrap_or(b.len());
            out.push(text[i..end].to_string());
        }
    }
    out
}

/// The modules that are in some cycle (a strongly connected component of two or more).
fn in_cycles(g: &Graph) -> BTreeSet<String> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for d in g.get(&m).into_iter().flatten() {
                if seen.insert(d.clone()) {
                    stack.push(d.clone());
                }
            }
        }
        seen
    };
    g.keys()
        .filter(|m| reach(m).contains(*m))
        .cloned()
        .collect()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The line of the first occurrence of `pat` not inside a longer identifier, if any.
fn find_word(text: &str, pat: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(at) = text[i..].find(pat) {
        let start = i + at;
        i = start + pat.len();
        let before_ok = start == 0 || !is_ident(b[start - 1]);
        let ends_ident = pat.bytes().last().is_some_and(is_ident);
        let after_ok = !ends_ident || b.get(i).is_none_or(|&c| !is_ident(c));
        if before_ok && after_ok {
            return Some(text[..start].matches('\n').count() + 1);
        }
    }
    None
}

/// Replaces comments and the contents of string and char literals with spaces, keeping
/// newlines (so line numbers stay right).
fn blank(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let keep_nl = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep_nl(b[i]));
                    i += 1;
                }
            }
        } else if (c == b'r' || c == b'b' && b.get(i + 1) == Some(&b'r'))
            && (i == 0 || !is_ident(b[i - 1]))
            && {
                let j = if c == b'b' { i + 2 } else { i + 1 };
                let hashes = b[j..].iter().take_while(|&&h| h == b'#').count();
                b.get(j + hashes) == Some(&b'"')
            }
        {
            let j = if c == b'b' { i + 2 } else { i + 1 };
            let hashes = b[j..].iter().take_while(|&&h| h == b'#').count();
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            out.extend_from_slice(&b[i..j + hashes + 1]);
            i = j + hashes + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                out.push(keep_nl(b[i]));
                i += 1;
            }
            out.extend_from_slice(&b[i..(i + close.len()).min(b.len())]);
            i += close.len();
        } else if c == b'"' {
            out.push(b'"');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    out.push(b' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(keep_nl(b[i]));
                    i += 1;
                }
            }
            out.push(b'"');
            i += 1;
        } else if c == b'\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&x| x == b'\'')
                    .map(|p| i + 2 + p)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 2)
            } else {
                std::str::from_utf8(&b[i + 1..])
                    .ok()
                    .and_then(|s| s.chars().next())
                    .filter(|ch| b.get(i + 1 + ch.len_utf8()) == Some(&b'\''))
                    .map(|ch| i + 1 + ch.len_utf8())
            };
            match end {
                Some(e) => {
                    out.push(b'\'');
                    out.extend(std::iter::repeat_n(b' ', e - i - 1));
                    out.push(b'\'');
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where each test-only attribute starts and ends: `#[cfg(test)]`, `#[cfg(all(test, ..))]`.
fn test_attrs(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(") {
        let start = from + at;
        let Some(len) = text[start..].find(")]") else {
            break;
        };
        let end = start + len + 2;
        let inner = &text[start + 6..end - 2];
        let words: Vec<&str> = inner
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .collect();
        if words.contains(&"test") && !inner.contains("not(") && !inner.contains("any(") {
            out.push((start, end));
        }
        from = end;
    }
    out
}

/// Blanks every test-only item (up to its matching `}` or its `;`).
fn strip_test_code(text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    let mut done = 0;
    for (start, attr_end) in test_attrs(text) {
        if start < done {
            continue;
        }
        let mut depth = 0;
        let mut j = attr_end;
        while j < b.len() {
            match b[j] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b';' if depth == 0 => break,
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(b.len());
        for c in &mut b[start..end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        done = end;
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// The names of test-only `mod name;` declarations.
fn cfg_test_mods(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, end) in test_attrs(text) {
        let rest = text[end..].trim_start();
        let rest = rest.strip_prefix("pub ").unwrap_or(rest);
        if let Some(rest) = rest.strip_prefix("mod ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if rest[name.len()..].trim_start().starts_with(';') {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_paths_expand_groups_and_skip_macros() {
        let t = "use crate::{a::B, c, d::{e, f}};\nuse crate::g::H;\n$crate::x::y;\nfoo_crate::z;";
        assert_eq!(crate_paths(t), ["a", "c", "d", "g"]);
    }

    #[test]
    fn blank_hides_comments_and_strings() {
        let t =
            blank("let a = \"crate::x\"; // crate::y\nlet c = 'x'; fn f<'a>() {} r#\"crate::z\"#");
        assert!(!t.contains("crate::"), "{t}");
        assert!(t.contains("<'a>"));
    }

    #[test]
    fn every_layer_lists_distinct_modules() {
        let all: Vec<&str> = LAYERS
            .iter()
            .flat_map(|(_, ms)| ms.iter().copied())
            .collect();
        let set: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(all.len(), set.len());
        assert!(layers_text().starts_with("- the command line: `cli`\n"));
    }

    #[test]
    fn cycles_are_found() {
        let mut g = Graph::new();
        g.entry("a".into()).or_default().insert("b".into());
        g.entry("b".into()).or_default().insert("a".into());
        g.entry("c".into()).or_default().insert("a".into());
        assert_eq!(in_cycles(&g).into_iter().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn test_code_is_left_out() {
        let t = strip_test_code(
            "use crate::a;\n#[cfg(test)]\nmod tests { use crate::b; }\n#[cfg(test)] mod fixtures;\n",
        );
        assert_eq!(crate_paths(&t), ["a"]);
        assert_eq!(cfg_test_mods("#[cfg(test)]\nmod fixtures;"), ["fixtures"]);
        let t = strip_test_code(
            "#[cfg(all(test, unix))]\nmod t { use crate::c; }\n#[cfg(not(test))]\nuse crate::d;",
        );
        assert_eq!(crate_paths(&t), ["d"]);
    }
}

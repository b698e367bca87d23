//! `cargo xtask codegen [SCHEMA.json[.gz]]`: regenerates engine/src/schema/kubernetes.txt,
//! the table of strategic-merge facts the engine embeds; without an argument also the
//! Tekton schemas (`codegen tekton [DIR]` for those alone, see codegen_tekton.rs).
//!
//! Input: the Kubernetes OpenAPI bundle kustomize embeds (by default
//! ../shared/schemas/kubernetes-openapi-v1.21.2.bundle.json.gz; see the README there for
//! its origin). Output, one fact per line:
//!
//! - `gvk API_VERSION KIND DEFINITION SCOPE` for every resource (SCOPE `C` for
//!   cluster-scoped, `N` otherwise);
//! - `def NAME` followed by ` FIELD TYPE STRATEGY KEYS` lines, only for the fields that
//!   lead to a patch strategy (the rest cannot change a merge). TYPE is `@Def`, `[@Def]`,
//!   `[-]`, `{@Def}`, `{-}` or `-`; STRATEGY is `x-kubernetes-patch-strategy` or `-`;
//!   KEYS is `x-kubernetes-list-map-keys` (else `x-kubernetes-patch-merge-key`),
//!   comma-separated, or `-`.
#![allow(
    clippy::disallowed_methods,
    reason = "xtask is an edge: it builds, generates and benchmarks files"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::util;

/// Runs the generator; `--check` compares instead of writing and fails on a difference.
pub fn run(args: &[String]) -> Result<()> {
    let check_only = args.iter().any(|a| a == "--check");
    let args: Vec<&String> = args.iter().filter(|a| *a != "--check").collect();
    if args.first().is_some_and(|a| a.as_str() == "tekton") {
        return crate::codegen_tekton::run(args.get(1).map(|p| Path::new(p.as_str())));
    }
    let (out, table) = generated(args.first().map(|p| PathBuf::from(p.as_str())))?;
    if check_only {
        return compare(&out, &table);
    }
    if args.is_empty() {
        crate::codegen_tekton::run(None)?;
    }
    std::fs::write(&out, table).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// Fails when the committed table differs from a fresh generation from the default input.
pub fn check() -> Result<()> {
    let (out, table) = generated(None)?;
    compare(&out, &table)
}

fn compare(out: &Path, table: &str) -> Result<()> {
    let now = std::fs::read_to_string(out).unwrap_or_default();
    if now != table {
        bail!(
            "{} is stale: it differs from a fresh generation (run `cargo xtask codegen`)",
            out.display()
        );
    }
    Ok(())
}

/// The output path and the text a fresh generation gives.
fn generated(input: Option<PathBuf>) -> Result<(PathBuf, String)> {
    let input = match input {
        Some(p) => p,
        None => util::shared()
            .join("schemas")
            .join("kubernetes-openapi-v1.21.2.bundle.json.gz"),
    };
    let text = read_maybe_gz(&input)?;
    let doc: Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", input.display()))?;
    let table = generate(
        &doc,
        &input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    )?;
    let out = util::root()
        .join("engine")
        .join("src")
        .join("schema")
        .join("kubernetes.txt");
    Ok((out, table))
}

/// Writes a generated table under engine/src.
pub(crate) fn write_generated(under_src: &[&str], table: &str) -> Result<()> {
    let mut out = util::root().join("engine").join("src");
    for part in under_src {
        out.push(part);
    }
    std::fs::write(&out, table).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// Reads a file, through `gzip -dc` when its name ends in `.gz`.
pub(crate) fn read_maybe_gz(path: &Path) -> Result<String> {
    if path.extension().is_some_and(|e| e == "gz") {
        let out = Command::new("gzip")
            .arg("-dc")
            .arg(path)
            .output()
            .with_context(|| format!("running gzip -dc {}", path.display()))?;
        if !out.status.success() {
            bail!("gzip -dc {} failed", path.display());
        }
        return Ok(String::from_utf8(out.stdout)?);
    }
    Ok(std::fs::read_to_string(path)?)
}

/// A property's type, reduced to what a merge needs.
fn type_of(p: &Value) -> (String, Option<String>) {
    let refname = |v: &Value| {
        v.get("$ref")
            .and_then(Value::as_str)
            .map(|r| r.trim_start_matches("#/definitions/").to_string())
    };
    if let Some(r) = refname(p) {
        return (format!("@{r}"), Some(r));
    }
    match p.get("type").and_then(Value::as_str) {
        Some("array") => match p.get("items").and_then(refname) {
            Some(r) => (format!("[@{r}]"), Some(r)),
            None => ("[-]".into(), None),
        },
        Some("object") => match p.get("additionalProperties").and_then(refname) {
            Some(r) => (format!("{{@{r}}}"), Some(r)),
            None => ("{-}".into(), None),
        },
        _ => ("-".into(), None),
    }
}

fn generate(doc: &Value, source: &str) -> Result<String> {
    let Some(defs) = doc.get("definitions").and_then(Value::as_object) else {
        bail!("no `definitions` in the schema");
    };
    // Which definitions can reach a patch strategy (fixpoint over references).
    let mut interesting: BTreeSet<String> = BTreeSet::new();
    loop {
        let before = interesting.len();
        for (name, def) in defs {
            let props = def.get("properties").and_then(Value::as_object);
            let hit = props.is_some_and(|ps| {
                ps.values().any(|p| {
                    p.get("x-kubernetes-patch-strategy").is_some()
                        || type_of(p).1.is_some_and(|r| interesting.contains(&r))
                })
            });
            if hit {
                interesting.insert(name.clone());
            }
        }
        if interesting.len() == before {
            break;
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# Generated by `cargo xtask codegen` from {source} (see ../shared/schemas/README.md). Do not edit.\n"
    ));
    if let Some(resources) = doc.get("resources").and_then(Value::as_array) {
        for r in resources {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            let scope = if s("scope") == "Cluster" { "C" } else { "N" };
            out.push_str(&format!(
                "gvk {} {} {} {scope}\n",
                s("apiVersion"),
                s("kind"),
                s("definition")
            ));
        }
    }
    let sorted: BTreeMap<&String, &Value> = defs.iter().collect();
    for (name, def) in sorted {
        if !interesting.contains(name.as_str()) {
            continue;
        }
        out.push_str(&format!("def {name}\n"));
        let Some(props) = def.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let props: BTreeMap<&String, &Value> = props.iter().collect();
        for (field, p) in props {
            let (ty, target) = type_of(p);
            let strategy = p.get("x-kubernetes-patch-strategy").and_then(Value::as_str);
            if strategy.is_none() && !target.is_some_and(|t| interesting.contains(&t)) {
                continue;
            }
            let keys: Vec<String> = match p
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
            {
                Some(ks) => ks
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                None => p
                    .get("x-kubernetes-patch-merge-key")
                    .and_then(Value::as_str)
                    .map(|k| vec![k.to_string()])
                    .unwrap_or_default(),
            };
            let keys = if keys.is_empty() {
                "-".to_string()
            } else {
                keys.join(",")
            };
            out.push_str(&format!(
                " {field} {ty} {} {keys}\n",
                strategy.unwrap_or("-")
            ));
        }
    }
    Ok(out)
}

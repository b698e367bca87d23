//! Key/value sources of the ConfigMap and Secret generators (kustomize's `api/kv`):
//! env files, `KEY=VALUE` literals and files (`path` or `key=path`), in that order,
//! plus the generated object's skeleton and options shared by both generators.

use std::path::Path;

use crate::error::{Error, Result};
use crate::kustomization::{GeneratorArgs, GeneratorOptions, StrMap};
use crate::loader::Root;
use crate::resource::{Behavior, Resource};
use crate::yaml::{Map, Node};

/// One generated entry; the value is raw bytes (files may be binary).
pub type Pair = (String, Vec<u8>);

fn cfg(file: &Path, msg: impl Into<String>) -> Error {
    Error::config(file, msg)
}

/// Loads the pairs of one generator entry, refusing invalid and repeated keys.
pub fn load_pairs(root: &Root<'_>, args: &GeneratorArgs, kind: &str) -> Result<Vec<Pair>> {
    let mut out: Vec<Pair> = Vec::new();
    let mut envs: Vec<&str> = args.envs.iter().map(String::as_str).collect();
    if !args.env.is_empty() {
        envs.push(&args.env);
    }
    for env in envs {
        let text = root.read_text(env)?;
        for (i, line) in text.lines().enumerate() {
            let line = if i == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Like kustomize: no validation of the key; a line without `=` takes the value
            // of that environment variable, empty when unset.
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| (line, root.loader.env().get(line).unwrap_or("")));
            out.push((k.to_string(), v.as_bytes().to_vec()));
        }
    }
    for lit in &args.literals {
        let Some((k, v)) = lit.split_once('=') else {
            return Err(cfg(
                root.file,
                format!("invalid literal source {lit}, expected key=value"),
            ));
        };
        out.push((k.to_string(), unquote(v).as_bytes().to_vec()));
    }
    for src in &args.files {
        let (key, path) = match src.matches('=').count() {
            0 => (
                src.rsplit('/').next().unwrap_or(src).to_string(),
                src.as_str(),
            ),
            1 if src.starts_with('=') => {
                return Err(cfg(
                    root.file,
                    format!("{src}: missing key name for key-value pair"),
                ));
            }
            1 if src.ends_with('=') => {
                return Err(cfg(
                    root.file,
                    format!("{src}: missing file path for key-value pair"),
                ));
            }
            1 => match src.split_once('=') {
                Some((k, p)) => (k.to_string(), p),
                None => (src.clone(), src.as_str()),
            },
            _ => {
                return Err(cfg(
                    root.file,
                    format!("{src}: key names or file paths cannot contain '='"),
                ));
            }
        };
        let resolved = root.resolve(path)?;
        if root.loader.kind(&resolved) == Some(crate::fs::Kind::Dir) {
            return Err(cfg(
                root.file,
                format!("{kind} {}: file source {path} is a directory", args.name),
            ));
        }
        out.push((key, root.read_bytes(path)?));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &out {
        if !seen.insert(k.clone()) {
            return Err(cfg(
                root.file,
                format!(
                    "{} {} illegally repeats the key `{k}`",
                    lower(kind),
                    args.name
                ),
            ));
        }
    }
    Ok(out)
}

fn lower(kind: &str) -> String {
    kind.to_lowercase()
}

fn unquote(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Merges kustomization-wide `generatorOptions` under a generator's own `options`
/// (the entry's own labels and annotations win; either flag set means set).
pub fn merge_options(
    local: Option<&GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> GeneratorOptions {
    let mut out = GeneratorOptions::default();
    for o in [global, local].into_iter().flatten() {
        for (field, src) in [
            (&mut out.labels, &o.labels),
            (&mut out.annotations, &o.annotations),
        ] {
            if let Some(src) = src {
                let dst = field.get_or_insert_with(StrMap::new);
                for (k, v) in src {
                    dst.insert(k.clone(), v.clone());
                }
            }
        }
        if o.disable_name_suffix_hash == Some(true) {
            out.disable_name_suffix_hash = Some(true);
        }
        if o.immutable == Some(true) {
            out.immutable = Some(true);
        }
    }
    out
}

/// The generated object's skeleton with its options applied, wrapped as a resource.
pub fn skeleton(
    kind: &str,
    args: &GeneratorArgs,
    opts: &GeneratorOptions,
    file: &Path,
) -> Result<(Map, Resource)> {
    // kustomize reads an unknown behaviour as unspecified, which acts as `create`.
    let behavior = Behavior::parse(&args.behavior).unwrap_or(Behavior::Create);
    let mut meta = Map::new();
    meta.insert("name".into(), Node::str(args.name.clone()));
    if !args.namespace.is_empty() {
        meta.insert("namespace".into(), Node::str(args.namespace.clone()));
    }
    if let Some(l) = opts.labels.as_ref().filter(|l| !l.is_empty()) {
        meta.insert(
            "labels".into(),
            crate::resource::string_pairs_node(l.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
    }
    if let Some(a) = opts.annotations.as_ref().filter(|a| !a.is_empty()) {
        meta.insert(
            "annotations".into(),
            crate::resource::string_pairs_node(a.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
    }
    let mut m = Map::new();
    m.insert("apiVersion".into(), Node::str("v1"));
    m.insert("kind".into(), Node::str(kind));
    m.insert("metadata".into(), Node::Map(meta));
    if opts.immutable == Some(true) {
        m.insert("immutable".into(), Node::bool(true));
    }
    let mut r = Resource::new(Node::Map(Map::new()));
    r.behavior = behavior;
    r.needs_hash = opts.disable_name_suffix_hash != Some(true);
    r.source = Some(file.display().to_string());
    Ok((m, r))
}

/// Base64 as kyaml stores generated data: lines of 70 characters, each ending in a
/// newline, once the encoding is 70 characters or longer.
pub fn base64_lines(data: &[u8]) -> String {
    let enc = base64(data);
    if enc.len() < 70 {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / 70 + 1);
    for chunk in enc.as_bytes().chunks(70) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(char::from(T[(n >> 18) as usize & 63]));
        out.push(char::from(T[(n >> 12) as usize & 63]));
        out.push(if chunk.len() > 1 {
            char::from(T[(n >> 6) as usize & 63])
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            char::from(T[n as usize & 63])
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads() {
        assert_eq!(base64(b"b"), "Yg==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn local_options_win_over_global_ones() {
        let g = GeneratorOptions {
            labels: Some([("a".to_string(), "g".to_string())].into_iter().collect()),
            ..Default::default()
        };
        let l = GeneratorOptions {
            labels: Some([("a".to_string(), "l".to_string())].into_iter().collect()),
            ..Default::default()
        };
        let m = merge_options(Some(&l), Some(&g));
        assert_eq!(
            m.labels.and_then(|x| x.get("a").cloned()),
            Some("l".to_string())
        );
    }
}

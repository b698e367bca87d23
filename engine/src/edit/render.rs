//! Writes a changed kustomization back into its text, touching only what changed.
//!
//! Every edit is made on the typed `Kustomization` (kustomize's semantics), then both the
//! old and the new value are turned into YAML values with Go's `omitempty` applied, and
//! compared field by field. An unchanged top-level field keeps its lines exactly; a
//! changed one is patched at the finest grain the line view allows: a scalar's value in
//! place (keeping its comment), a block sequence item by item (unchanged items keep their
//! lines and the comments before them, even when the list is reordered), a block mapping
//! entry by entry. Anything else is rewritten as one block. The caller re-parses the
//! result and refuses it unless it reads as exactly the new value.

use std::collections::{HashMap, VecDeque};

use serde_yaml_ng::{Mapping, Value};

use super::text::{Doc, replace_value, scalar, split_key};

/// Serializes a value and drops what Go's `omitempty` would leave out (empty strings,
/// false, null, empty lists and maps) from the struct fields, recursively; the entries of
/// string maps (labels, annotations) and opaque values (helm charts, replacements) are
/// data and kept as they are.
pub(crate) fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    let mut v = serde_yaml_ng::to_value(v).map_err(|e| e.to_string())?;
    omit_empty(&mut v);
    Ok(v)
}

/// Fields whose value is a map of data or an opaque document, never a struct.
const DATA_FIELDS: [&str; 11] = [
    "commonLabels",
    "commonAnnotations",
    "pairs",
    "openapi",
    "metadata",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "inventory",
    "source",
    "targets",
];

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        _ => false,
    }
}

fn omit_empty(v: &mut Value) {
    match v {
        Value::Mapping(m) => {
            for (k, x) in m.iter_mut() {
                let key = k.as_str().unwrap_or_default();
                // `labels` and `annotations` are maps in generator options, structs'
                // lists elsewhere (`labels:` entries).
                let data = DATA_FIELDS.contains(&key)
                    || (matches!(key, "labels" | "annotations") && x.is_mapping());
                if !data {
                    omit_empty(x);
                }
            }
            m.retain(|_, x| !is_empty(x));
        }
        Value::Sequence(s) => s.iter_mut().for_each(omit_empty),
        _ => {}
    }
}

/// Rewrites `doc` from `old` to `new` (both mappings of top-level fields).
pub(crate) fn rewrite(doc: &mut Doc, old: &Value, new: &Value) {
    let empty = Mapping::new();
    let old = old.as_mapping().unwrap_or(&empty);
    let new = new.as_mapping().unwrap_or(&empty);
    // kustomize reads field names regardless of case and writes them in their canonical
    // spelling: a `nameprefix:` line becomes `namePrefix:`.
    for (k, _) in old.iter() {
        let Some(key) = k.as_str() else { continue };
        if doc.block(key).is_some() {
            continue;
        }
        if let Some(b) = doc
            .blocks()
            .into_iter()
            .find(|b| b.key.eq_ignore_ascii_case(key))
        {
            let line = &doc.lines[b.start];
            if let Some(rest) = line.strip_prefix(b.key.as_str()) {
                doc.lines[b.start] = format!("{key}{rest}");
            }
        }
    }
    for (k, _) in old.iter() {
        if new.get(k).is_none()
            && let Some(b) = k.as_str().and_then(|k| doc.block(k))
        {
            doc.lines.drain(b.start..b.end);
        }
    }
    for (k, v) in new.iter() {
        let Some(key) = k.as_str() else { continue };
        let before = old.get(k);
        if before == Some(v) {
            continue;
        }
        match (doc.block(key), before) {
            (Some(b), Some(ov)) => {
                let lines: Vec<String> = doc.lines[b.start..b.end].to_vec();
                let patched =
                    patch_block(&lines, key, ov, v).unwrap_or_else(|| render_entry(key, v, 0));
                doc.lines.splice(b.start..b.end, patched);
            }
            (Some(b), None) => {
                doc.lines.splice(b.start..b.end, render_entry(key, v, 0));
            }
            (None, _) => {
                let at = if matches!(key, "apiVersion" | "kind") {
                    top_insert_point(doc, key)
                } else {
                    doc.append_point()
                };
                doc.insert(at, render_entry(key, v, 0));
            }
        }
    }
}

/// Where `apiVersion` (first) and `kind` (after `apiVersion`) go in a file lacking them:
/// before the first field, after any comment that opens the file.
fn top_insert_point(doc: &Doc, key: &str) -> usize {
    let blocks = doc.blocks();
    if key == "kind"
        && let Some(b) = blocks.iter().find(|b| b.key == "apiVersion")
    {
        return b.end;
    }
    blocks
        .first()
        .map_or_else(|| doc.append_point(), |b| b.start)
}

/// Patches one top-level block (its key line first); None when the block's layout is not
/// one the line view can patch.
fn patch_block(lines: &[String], key: &str, old: &Value, new: &Value) -> Option<Vec<String>> {
    let first = lines.first()?;
    let inline = inline_value(first);
    match (old, new) {
        (Value::Sequence(o), Value::Sequence(n)) if inline.is_empty() => {
            let body = patch_seq(&lines[1..], o, n)?;
            let mut out = vec![lines[0].clone()];
            out.extend(body);
            Some(out)
        }
        (Value::Sequence(o), Value::Sequence(n))
            if inline.starts_with('[') && inline.ends_with(']') && lines.len() == 1 =>
        {
            // A one-line flow list of scalars that only grows: append inside the brackets.
            if n.len() < o.len() || n[..o.len()] != o[..] || !n.iter().all(is_scalar) {
                return None;
            }
            let inner = inline[1..inline.len() - 1].trim();
            let mut parts: Vec<String> = if inner.is_empty() {
                Vec::new()
            } else {
                vec![inner.to_string()]
            };
            parts.extend(n[o.len()..].iter().map(render_scalar));
            let comment = first.find(" #").map(|i| &first[i..]).unwrap_or("");
            Some(vec![format!("{key}: [{}]{comment}", parts.join(", "))])
        }
        (Value::Mapping(o), Value::Mapping(n)) if inline.is_empty() => {
            let indent = lines[1..].iter().find_map(|l| content_indent(l))?;
            let body = patch_entries(&lines[1..], indent, false, o, n)?;
            let mut out = vec![lines[0].clone()];
            out.extend(body);
            Some(out)
        }
        (o, n) if is_scalar(o) && is_scalar(n) && lines.len() == 1 => {
            Some(vec![replace_value(first, &render_scalar(n))?])
        }
        _ => None,
    }
}

/// The indentation of a content line (not blank, not a comment).
fn content_indent(l: &str) -> Option<usize> {
    let t = l.trim_start();
    (!t.is_empty() && !t.starts_with('#')).then(|| l.len() - t.len())
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_))
}

/// The items of a block sequence body: (start, end) of each `- ` item at the first dash's
/// indentation; None when the body holds anything else at that level.
fn seq_items(body: &[String]) -> Option<(usize, Vec<(usize, usize)>)> {
    let mut indent = None;
    let mut items: Vec<(usize, usize)> = Vec::new();
    let mut last_content = 0;
    for (i, l) in body.iter().enumerate() {
        let Some(ind) = content_indent(l) else {
            continue;
        };
        let t = l.trim_start();
        let dash = t == "-" || t.starts_with("- ");
        let want = *indent.get_or_insert(ind);
        if ind < want || (ind == want && !dash) {
            return None;
        }
        if ind == want {
            if let Some(prev) = items.last_mut() {
                prev.1 = last_content + 1;
            }
            items.push((i, body.len()));
        }
        last_content = i;
    }
    if let Some(prev) = items.last_mut() {
        prev.1 = last_content + 1;
    }
    Some((indent.unwrap_or(0), items))
}

/// Patches a block sequence body item by item.
fn patch_seq(body: &[String], old: &[Value], new: &[Value]) -> Option<Vec<String>> {
    let (indent, items) = seq_items(body)?;
    if items.len() != old.len() {
        return None;
    }
    let Some(&(first, _)) = items.first() else {
        // An empty body (`key:` followed by nothing): write the items.
        let mut out = body.to_vec();
        for v in new {
            out.extend(render_item(v, 0));
        }
        return Some(out);
    };
    // Each item's chunk runs from the end of the previous item, so the comments before an
    // item travel with it.
    let chunk = |j: usize| -> &[String] {
        let start = if j == 0 { first } else { items[j - 1].1 };
        &body[start..items[j].1]
    };
    let region_end = items.last().map_or(first, |it| it.1);
    // Old items by value and by what they name, each a queue of positions in file order,
    // so matching stays linear in the list's length.
    let mut by_value: HashMap<&Value, VecDeque<usize>> = HashMap::new();
    let mut by_name: HashMap<String, VecDeque<usize>> = HashMap::new();
    for (j, v) in old.iter().enumerate() {
        by_value.entry(v).or_default().push_back(j);
        if let Some(id) = entry_name(v) {
            by_name.entry(id).or_default().push_back(j);
        }
    }
    let mut used = vec![false; old.len()];
    let take = |q: Option<&mut VecDeque<usize>>, used: &mut Vec<bool>| -> Option<usize> {
        let q = q?;
        while let Some(j) = q.pop_front() {
            if !used[j] {
                used[j] = true;
                return Some(j);
            }
        }
        None
    };
    let mut out: Vec<String> = body[..first].to_vec();
    for v in new {
        if let Some(j) = take(by_value.get_mut(v), &mut used) {
            out.extend_from_slice(chunk(j));
        } else if let Some(j) = entry_name(v).and_then(|id| take(by_name.get_mut(&id), &mut used)) {
            let c = chunk(j);
            let lead = items[j].0 - if j == 0 { first } else { items[j - 1].1 };
            out.extend_from_slice(&c[..lead]);
            let item = &c[lead..];
            match patch_item(item, indent, &old[j], v) {
                Some(p) => out.extend(p),
                None => out.extend(render_item(v, indent)),
            }
        } else {
            out.extend(render_item(v, indent));
        }
    }
    out.extend_from_slice(&body[region_end..]);
    Some(out)
}

/// What a list entry names (its `name`, else its `path`), so a changed entry is patched
/// in place rather than written anew.
fn entry_name(v: &Value) -> Option<String> {
    let m = v.as_mapping()?;
    ["name", "path"].iter().find_map(|k| {
        m.get(Value::String((*k).to_string()))
            .and_then(Value::as_str)
            .map(|s| format!("{k}:{s}"))
    })
}

/// Patches one mapping item of a sequence (its dash line first).
fn patch_item(item: &[String], indent: usize, old: &Value, new: &Value) -> Option<Vec<String>> {
    let (Value::Mapping(o), Value::Mapping(n)) = (old, new) else {
        return None;
    };
    patch_entries(item, indent + 2, true, o, n)
}

/// The entries of a block mapping: key, first line, one past the last content line. With
/// `dash_first`, the first entry sits after the `- ` of the first line.
fn map_entries(
    lines: &[String],
    indent: usize,
    dash_first: bool,
) -> Option<Vec<(String, usize, usize)>> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    let mut last_content = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some(ind) = content_indent(l) else {
            continue;
        };
        let body = if i == 0 && dash_first {
            l.trim_start().strip_prefix('-')?.trim_start()
        } else if ind == indent {
            l.trim_start()
        } else if ind > indent {
            last_content = i;
            continue;
        } else {
            return None;
        };
        let (key, _) = split_key(body)?;
        if let Some(prev) = out.last_mut() {
            prev.2 = last_content + 1;
        }
        out.push((key, i, lines.len()));
        last_content = i;
    }
    if let Some(prev) = out.last_mut() {
        prev.2 = last_content + 1;
    }
    Some(out)
}

/// Patches a block mapping entry by entry: unchanged entries keep their lines, a changed
/// one-line scalar keeps its comment, removed entries go, and a new entry goes before the
/// first existing one that follows it in the value's field order (so `newName` lands
/// before `newTag`, as kustomize orders them).
fn patch_entries(
    lines: &[String],
    indent: usize,
    dash_first: bool,
    old: &Mapping,
    new: &Mapping,
) -> Option<Vec<String>> {
    let entries = map_entries(lines, indent, dash_first)?;
    if entries.len() != old.len() {
        return None;
    }
    let head_end = entries.first().map_or(lines.len(), |e| e.1);
    let tail_start = entries.last().map_or(lines.len(), |e| e.2);
    // (key, lines) of the entries that stay, in file order.
    let mut chunks: Vec<(String, Vec<String>)> = Vec::new();
    for (key, start, end) in &entries {
        let k = Value::String(key.clone());
        let ov = old.get(&k)?;
        let mut chunk: Vec<String> = lines[*start..*end].to_vec();
        match new.get(&k) {
            Some(nv) if nv == ov => {}
            Some(nv) if is_scalar(nv) && is_scalar(ov) && end - start == 1 => {
                chunk[0] = replace_value(&chunk[0], &render_scalar(nv))?;
            }
            Some(nv) => {
                if dash_first && *start == 0 {
                    return None;
                }
                chunk = render_entry(key, nv, indent);
            }
            None => {
                if dash_first && *start == 0 {
                    return None;
                }
                continue;
            }
        }
        chunks.push((key.clone(), chunk));
    }
    let order: HashMap<&str, usize> = new
        .iter()
        .enumerate()
        .filter_map(|(i, (k, _))| k.as_str().map(|k| (k, i)))
        .collect();
    let rank = |key: &str| order.get(key).copied().unwrap_or(usize::MAX);
    for (k, v) in new.iter() {
        if old.get(k).is_some() {
            continue;
        }
        let key = k.as_str()?;
        let r = rank(key);
        let floor = usize::from(dash_first);
        let at = chunks
            .iter()
            .enumerate()
            .skip(floor)
            .find(|(_, (ck, _))| rank(ck) > r)
            .map_or(chunks.len(), |(i, _)| i);
        chunks.insert(at, (key.to_string(), render_entry(key, v, indent)));
    }
    let mut out: Vec<String> = lines[..head_end].to_vec();
    for (_, c) in chunks {
        out.extend(c);
    }
    out.extend_from_slice(&lines[tail_start..]);
    Some(out)
}

/// The text after the key's colon on a line, comment removed and trimmed.
fn inline_value(line: &str) -> String {
    let Some((_, rest)) = split_key(line.trim_start().trim_start_matches("- ")) else {
        return String::new();
    };
    super::text::strip_comment(rest).trim().to_string()
}

/// A scalar as YAML text: strings through the line editor's quoting, numbers and
/// booleans as written.
fn render_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => scalar(s),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => "null".to_string(),
    }
}

/// `key: value` as block-style lines at `indent`.
fn render_entry(key: &str, v: &Value, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let head = format!("{pad}{}:", scalar(key));
    let mut out = Vec::new();
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            out.push(head);
            for (k, x) in m {
                out.extend(render_entry(&key_text(k), x, indent + 2));
            }
        }
        Value::Sequence(s) if !s.is_empty() => {
            out.push(head);
            for x in s {
                out.extend(render_item(x, indent));
            }
        }
        Value::Mapping(_) => out.push(format!("{head} {{}}")),
        Value::Sequence(_) => out.push(format!("{head} []")),
        Value::Tagged(t) => return render_entry(key, &t.value, indent),
        scalar_value => out.push(format!("{head} {}", render_scalar(scalar_value))),
    }
    out
}

/// `- value` as block-style lines with the dash at `indent`.
fn render_item(v: &Value, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    match v {
        Value::Mapping(m) if !m.is_empty() => {
            let mut out = Vec::new();
            for (n, (k, x)) in m.iter().enumerate() {
                let mut lines = render_entry(&key_text(k), x, indent + 2);
                if n == 0
                    && let Some(first) = lines.first_mut()
                {
                    *first = format!("{pad}- {}", first.trim_start());
                }
                out.extend(lines);
            }
            out
        }
        Value::Sequence(s) if !s.is_empty() => {
            let mut out = vec![format!("{pad}-")];
            for x in s {
                out.extend(render_item(x, indent + 2));
            }
            out
        }
        Value::Mapping(_) => vec![format!("{pad}- {{}}")],
        Value::Sequence(_) => vec![format!("{pad}- []")],
        Value::Tagged(t) => render_item(&t.value, indent),
        other => vec![format!("{pad}- {}", render_scalar(other))],
    }
}

fn key_text(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        other => render_scalar(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        serde_yaml_ng::from_str(s).unwrap_or(Value::Null)
    }

    fn run(text: &str, old: &str, new: &str) -> String {
        let mut d = Doc::parse(text);
        rewrite(&mut d, &v(old), &v(new));
        d.render()
    }

    #[test]
    fn reordered_items_keep_their_comments() {
        let t = "images:\n- name: z\n# b's comment\n- name: b # B\n  newTag: v1\n- name: a\n";
        let out = run(
            t,
            "images: [{name: z}, {name: b, newTag: v1}, {name: a}]",
            "images: [{name: a}, {name: b, newTag: v2}, {name: c, newTag: \"1.0\"}, {name: z}]",
        );
        assert_eq!(
            out,
            "images:\n- name: a\n# b's comment\n- name: b # B\n  newTag: v2\n- name: c\n  newTag: \"1.0\"\n- name: z\n"
        );
    }

    #[test]
    fn mappings_change_entry_by_entry() {
        let t = "commonLabels:\n  a: x # keep\n  b: y\nnamespace: n\n";
        let out = run(
            t,
            "{commonLabels: {a: x, b: y}, namespace: n}",
            "{commonLabels: {a: z, c: w}, namespace: n}",
        );
        assert_eq!(out, "commonLabels:\n  a: z # keep\n  c: w\nnamespace: n\n");
    }

    #[test]
    fn missing_api_version_goes_first() {
        let out = run(
            "# head\nresources:\n- a\n",
            "{resources: [a]}",
            "{apiVersion: v1, kind: K, resources: [a]}",
        );
        assert_eq!(out, "# head\napiVersion: v1\nkind: K\nresources:\n- a\n");
    }
}

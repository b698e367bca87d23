//! `strata edit`: the only code that rewrites a user's kustomization file.
//!
//! Port of the parts of kustomize's `kustomize/commands/edit` the CI flow needs:
//! `set image`, `set namespace|nameprefix|namesuffix`, `add resource|component`. The
//! argument syntax and the meaning of each edit follow kustomize. The write does not:
//! kustomize re-marshals the whole file (losing comments and reordering fields), while
//! this editor changes only the lines the edit is about (see [`text`]). Two deliberate
//! differences follow from that: `set image` updates an existing entry in place and appends
//! new entries after the existing ones (kustomize sorts the whole list by name), and an
//! existing entry's other fields keep their order.
//!
//! Every edit is checked before it is written: the new text is parsed again and must equal
//! the old file's parsed content with exactly the intended change applied. An edit the line
//! editor cannot express faithfully is refused rather than written.

mod text;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fs::{self, Fs, Kind};
use crate::kustomization::{FILE_NAMES, Image, Kustomization};
use text::{Doc, scalar};

/// One edit of a kustomization file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditOp {
    /// `set image`: kustomize's `name=newName:tag`, `name=newName@digest`, `name=newName`,
    /// `name:tag` and `name@digest` forms (`*` keeps the existing part).
    SetImage(Vec<String>),
    /// `set namespace`.
    SetNamespace(String),
    /// `set nameprefix`.
    SetNamePrefix(String),
    /// `set namesuffix`.
    SetNameSuffix(String),
    /// `add resource`: paths relative to the kustomization directory.
    AddResource(Vec<String>),
    /// `add component`: paths relative to the kustomization directory.
    AddComponent(Vec<String>),
}

/// What an edit did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditOutcome {
    /// The kustomization file that was rewritten.
    pub path: PathBuf,
    /// Notes for the user (entries that were already present).
    pub notes: Vec<String>,
}

/// Finds the kustomization file in `dir`, as kustomize names it.
pub fn find_kustomization(fs: &dyn Fs, dir: &Path) -> Result<PathBuf> {
    FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| fs.kind(p) == Some(Kind::File))
        .ok_or_else(|| Error::Config {
            path: dir.join(FILE_NAMES[0]),
            msg: "missing kustomization file".to_string(),
        })
}

/// Applies `op` to the kustomization file in `dir` and writes it back atomically.
pub fn apply(fs: &dyn Fs, dir: &Path, op: &EditOp) -> Result<EditOutcome> {
    let path = find_kustomization(fs, dir)?;
    let bytes = fs.read(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.clone(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    if let EditOp::AddResource(paths) | EditOp::AddComponent(paths) = op {
        for p in paths {
            if !is_remote(p) && fs.kind(&dir.join(p)).is_none() {
                return Err(Error::Config {
                    path: path.clone(),
                    msg: format!("{p:?} does not exist"),
                });
            }
        }
    }
    let (new_text, notes) = edit_text(&text, op).map_err(|msg| Error::Config {
        path: path.clone(),
        msg,
    })?;
    if new_text != text {
        fs::write_atomic(&path, new_text.as_bytes()).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(EditOutcome { path, notes })
}

/// Applies `op` to a kustomization file's text; returns the new text and notes.
/// `Err` holds a message (the caller names the file).
pub fn edit_text(text: &str, op: &EditOp) -> std::result::Result<(String, Vec<String>), String> {
    let old = Kustomization::parse(text)?;
    let mut expected = old.clone();
    let mut doc = Doc::parse(text);
    let mut notes = Vec::new();
    match op {
        EditOp::SetImage(args) => {
            let images = parse_image_args(args)?;
            set_images(&mut doc, &mut expected, &images)?;
        }
        EditOp::SetNamespace(ns) => {
            if !is_dns1123_label(ns) {
                return Err(format!(
                    "{ns:?} is not a valid namespace name (RFC 1123 label)"
                ));
            }
            set_top_scalar(&mut doc, "namespace", ns);
            expected.namespace = ns.clone();
        }
        EditOp::SetNamePrefix(p) => {
            set_top_scalar(&mut doc, "namePrefix", p);
            expected.name_prefix = p.clone();
        }
        EditOp::SetNameSuffix(s) => {
            set_top_scalar(&mut doc, "nameSuffix", s);
            expected.name_suffix = s.clone();
        }
        EditOp::AddResource(paths) => {
            if !old.bases.is_empty() {
                return Err(
                    "the file uses the legacy `bases` field; move its entries to `resources` first"
                        .into(),
                );
            }
            notes = add_to_list(&mut doc, "resources", paths, &mut expected.resources);
        }
        EditOp::AddComponent(paths) => {
            notes = add_to_list(&mut doc, "components", paths, &mut expected.components);
        }
    }
    let new_text = doc.render();
    let got = Kustomization::parse(&new_text)
        .map_err(|e| format!("the edit would leave an invalid file ({e}); nothing was written"))?;
    if got != expected {
        return Err("the file's layout is beyond what the line editor can change faithfully; nothing was written".into());
    }
    Ok((new_text, notes))
}

/// Parses `set image` arguments as kustomize does; a later argument for the same name wins.
pub fn parse_image_args(args: &[String]) -> std::result::Result<Vec<Image>, String> {
    if args.is_empty() {
        return Err("no image specified".into());
    }
    let mut out: Vec<Image> = Vec::new();
    for a in args {
        let img = parse_image_arg(a)?;
        match out.iter_mut().find(|i| i.name == img.name) {
            Some(slot) => *slot = img,
            None => out.push(img),
        }
    }
    Ok(out)
}

/// Parses one `set image` argument.
pub fn parse_image_arg(arg: &str) -> std::result::Result<Image, String> {
    let invalid = || {
        format!(
            "invalid format of image {arg:?}, use one of the following options:\n\
             - <image>=<newimage>:<newtag>\n- <image>=<newimage>@<digest>\n- <image>=<newimage>\n\
             - <image>:<newtag>\n- <image>@<digest>"
        )
    };
    let parts: Vec<&str> = arg.split('=').collect();
    let img = if parts.len() == 2 {
        let (name, tag, digest) = parse_overwrite(parts[1], true).ok_or_else(invalid)?;
        Image {
            name: parts[0].to_string(),
            new_name: name,
            new_tag: tag,
            digest,
            ..Image::default()
        }
    } else {
        let (name, tag, digest) = parse_overwrite(arg, false).ok_or_else(invalid)?;
        Image {
            name,
            new_tag: tag,
            digest,
            ..Image::default()
        }
    };
    if img.name.is_empty() {
        return Err(invalid());
    }
    Ok(img)
}

/// Splits `image@digest`, `image:tag` or (when `bare_ok`) `image` into its parts.
fn parse_overwrite(arg: &str, bare_ok: bool) -> Option<(String, String, String)> {
    let at: Vec<&str> = arg.split('@').collect();
    if at.len() > 1 {
        return Some((at[0].to_string(), String::new(), at[1].to_string()));
    }
    if let Some(colon) = arg.rfind(':') {
        let tag = &arg[colon + 1..];
        if tag == "*"
            || tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Some((arg[..colon].to_string(), tag.to_string(), String::new()));
        }
    }
    if bare_ok && !arg.is_empty() {
        return Some((arg.to_string(), String::new(), String::new()));
    }
    None
}

/// The image fields `set image` owns, in the order they are written.
const IMAGE_FIELDS: [&str; 4] = ["name", "newName", "newTag", "digest"];

/// Returns an image field's value.
fn image_field<'a>(img: &'a Image, key: &str) -> &'a str {
    match key {
        "name" => &img.name,
        "newName" => &img.new_name,
        "newTag" => &img.new_tag,
        "digest" => &img.digest,
        "tagSuffix" => &img.tag_suffix,
        _ => "",
    }
}

/// Resolves `*` parts against the existing entry, as kustomize does.
fn resolve_image(arg: &Image, existing: Option<&Image>) -> Image {
    let keep = |new: &str, old: Option<&str>| {
        if new == "*" {
            old.unwrap_or("").to_string()
        } else {
            new.to_string()
        }
    };
    Image {
        name: arg.name.clone(),
        new_name: keep(&arg.new_name, existing.map(|e| e.new_name.as_str())),
        new_tag: keep(&arg.new_tag, existing.map(|e| e.new_tag.as_str())),
        digest: keep(&arg.digest, existing.map(|e| e.digest.as_str())),
        tag_suffix: String::new(),
    }
}

/// Applies `set image` to the lines and to the expected parsed content.
fn set_images(
    doc: &mut Doc,
    expected: &mut Kustomization,
    args: &[Image],
) -> std::result::Result<(), String> {
    if !expected.image_tags.is_empty() {
        return Err(
            "the file uses the legacy `imageTags` field; rename it to `images` first".into(),
        );
    }
    let mut appended: Vec<Image> = Vec::new();
    for arg in args {
        let existing = expected.images.iter().position(|i| i.name == arg.name);
        let img = resolve_image(arg, existing.map(|i| &expected.images[i]));
        match existing {
            Some(idx) => {
                update_image_item(doc, idx, &img)?;
                expected.images[idx] = img;
            }
            None => appended.push(img),
        }
    }
    appended.sort_by(|a, b| a.name.cmp(&b.name));
    if appended.is_empty() {
        return Ok(());
    }
    let mut lines = Vec::new();
    let block = doc.block("images");
    let items = block.as_ref().map(|b| doc.items(b)).unwrap_or_default();
    let indent = items.first().map_or(0, |i| i.indent);
    for img in &appended {
        let pad = " ".repeat(indent);
        let mut first = true;
        for key in IMAGE_FIELDS {
            let v = image_field(img, key);
            if v.is_empty() {
                continue;
            }
            let lead = if first {
                format!("{pad}- ")
            } else {
                format!("{pad}  ")
            };
            lines.push(format!("{lead}{key}: {}", scalar(v)));
            first = false;
        }
    }
    match block {
        Some(b) if !items.is_empty() => {
            let at = items.last().map_or(b.end, |i| i.end);
            doc.insert(at, lines);
        }
        Some(b) => {
            let v = doc.inline_value(&b);
            if !(v.is_empty() || v == "[]" || v == "null" || v == "~") || b.end != b.start + 1 {
                return Err("`images` is not a block sequence the line editor understands".into());
            }
            doc.lines[b.start] = "images:".to_string();
            doc.insert(b.start + 1, lines);
        }
        None => {
            let at = doc.append_point();
            let mut all = vec!["images:".to_string()];
            all.extend(lines);
            doc.insert(at, all);
        }
    }
    expected.images.extend(appended);
    Ok(())
}

/// Rewrites the `idx`-th `images` entry in place to `img`.
fn update_image_item(doc: &mut Doc, idx: usize, img: &Image) -> std::result::Result<(), String> {
    let block = doc
        .block("images")
        .ok_or("`images` is not a block sequence the line editor understands")?;
    let items = doc.items(&block);
    let item = items
        .get(idx)
        .ok_or("`images` is not a block sequence the line editor understands")?
        .clone();
    let fields = doc.item_fields(&item);
    // Update the fields that stay; note the lines of those that go.
    let mut removals: Vec<usize> = Vec::new();
    for f in &fields {
        let want = image_field(img, &f.key);
        if want.is_empty() {
            if f.key == "name" || f.line == item.start {
                // The dash line carries the entry; keep it and let the check refuse the edit
                // if its field had to go.
                continue;
            }
            removals.push(f.line);
        } else if f.value != want {
            doc.set_line_value(f.line, want);
        }
    }
    // A missing field goes after the last existing field that precedes it in the
    // canonical order (name, newName, newTag, digest), so the entry still reads in order.
    let rank = |k: &str| {
        IMAGE_FIELDS
            .iter()
            .position(|f| *f == k)
            .unwrap_or(IMAGE_FIELDS.len())
    };
    let mut adds: Vec<(usize, String)> = Vec::new();
    for key in IMAGE_FIELDS {
        let v = image_field(img, key);
        if !v.is_empty() && !fields.iter().any(|f| f.key == key) {
            let after = fields
                .iter()
                .filter(|f| rank(&f.key) < rank(key))
                .map(|f| f.line)
                .max()
                .unwrap_or(item.start);
            adds.push((
                after,
                format!("{}  {key}: {}", " ".repeat(item.indent), scalar(v)),
            ));
        }
    }
    // Rebuild the item's lines: drop removed fields, put each addition after its anchor
    // line (even when that line itself is dropped).
    let mut lines: Vec<String> = Vec::new();
    for line in item.start..item.end {
        if !removals.contains(&line) {
            lines.push(doc.lines[line].clone());
        }
        lines.extend(
            adds.iter()
                .filter(|(after, _)| *after == line)
                .map(|(_, t)| t.clone()),
        );
    }
    doc.lines.splice(item.start..item.end, lines);
    Ok(())
}

/// Sets a top-level scalar field, replacing its value or appending the key.
fn set_top_scalar(doc: &mut Doc, key: &str, value: &str) {
    match doc.block(key) {
        Some(b) => {
            let extra = b.start + 1..b.end;
            doc.set_line_value(b.start, value);
            for line in extra.rev() {
                doc.remove(line);
            }
        }
        None => {
            let at = doc.append_point();
            doc.insert(at, vec![format!("{key}: {}", scalar(value))]);
        }
    }
}

/// Appends paths to a top-level list of strings, skipping those already there.
fn add_to_list(
    doc: &mut Doc,
    key: &str,
    paths: &[String],
    expected: &mut Vec<String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let mut new: Vec<String> = Vec::new();
    for p in paths {
        if expected.contains(p) || new.contains(p) {
            notes.push(format!(
                "{key} entry {p:?} is already in the kustomization file"
            ));
        } else {
            new.push(p.clone());
        }
    }
    if new.is_empty() {
        return notes;
    }
    expected.extend(new.iter().cloned());
    match doc.block(key) {
        Some(b) => {
            let items = doc.items(&b);
            let inline = doc.inline_value(&b);
            if let Some(last) = items.last() {
                let pad = " ".repeat(last.indent);
                let lines = new
                    .iter()
                    .map(|p| format!("{pad}- {}", scalar(p)))
                    .collect();
                doc.insert(last.end, lines);
            } else if inline.starts_with('[') && inline.ends_with(']') {
                let inner = inline[1..inline.len() - 1].trim();
                let mut parts: Vec<String> = if inner.is_empty() {
                    Vec::new()
                } else {
                    vec![inner.to_string()]
                };
                parts.extend(new.iter().map(|p| scalar(p)));
                let l = &doc.lines[b.start];
                let comment = l.find(" #").map(|i| l[i..].to_string()).unwrap_or_default();
                doc.lines[b.start] = format!("{key}: [{}]{comment}", parts.join(", "));
            } else {
                doc.lines[b.start] = format!("{key}:");
                doc.insert(
                    b.start + 1,
                    new.iter().map(|p| format!("- {}", scalar(p))).collect(),
                );
            }
        }
        None => {
            let at = doc.append_point();
            let mut lines = vec![format!("{key}:")];
            lines.extend(new.iter().map(|p| format!("- {}", scalar(p))));
            doc.insert(at, lines);
        }
    }
    notes
}

/// Returns true for a remote reference (URL or git spec), which is not checked on disk.
fn is_remote(p: &str) -> bool {
    p.contains("://") || p.starts_with("git@") || p.starts_with("github.com/")
}

/// Returns true for an RFC 1123 label, as Kubernetes requires of namespace names.
fn is_dns1123_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

    fn edit(text: &str, op: EditOp) -> String {
        match edit_text(text, &op) {
            Ok((t, _)) => t,
            Err(e) => panic!("edit failed: {e}"),
        }
    }

    #[test]
    fn image_args_follow_kustomize_syntax() {
        let p = |a: &str| parse_image_arg(a).map(|i| (i.name, i.new_name, i.new_tag, i.digest));
        let s = |x: &str| x.to_string();
        assert_eq!(
            p("postgres=eu.gcr.io/p/postgres:latest"),
            Ok((s("postgres"), s("eu.gcr.io/p/postgres"), s("latest"), s("")))
        );
        assert_eq!(
            p(&format!("my-app=reg/my-app@{DIGEST}")),
            Ok((s("my-app"), s("reg/my-app"), s(""), s(DIGEST)))
        );
        assert_eq!(
            p("mysql=mariadb"),
            Ok((s("mysql"), s("mariadb"), s(""), s("")))
        );
        assert_eq!(p("node:8.15.0"), Ok((s("node"), s(""), s("8.15.0"), s(""))));
        assert_eq!(
            p(&format!("alpine@{DIGEST}")),
            Ok((s("alpine"), s(""), s(""), s(DIGEST)))
        );
        assert_eq!(
            p("localhost:5000/app:v1"),
            Ok((s("localhost:5000/app"), s(""), s("v1"), s("")))
        );
        assert!(p("alpine").is_err());
        assert!(p("localhost:5000/app").is_err());
        assert!(p("a=b=c").is_err());
    }

    #[test]
    fn set_image_updates_in_place_and_keeps_comments() {
        let k = "# Central dashboard\nresources:\n- deployment.yaml # the app\nimages:\n# pinned by CI\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  newTag: v0.6.0 # release\n- name: busybox\n  newTag: \"1.31\"\nnamespace: kubeflow\n";
        let out = edit(
            k,
            EditOp::SetImage(vec![format!(
                "gcr.io/kubeflow-images-public/centraldashboard@{DIGEST}"
            )]),
        );
        let want = format!(
            "# Central dashboard\nresources:\n- deployment.yaml # the app\nimages:\n# pinned by CI\n- name: gcr.io/kubeflow-images-public/centraldashboard # dashboard\n  digest: {DIGEST}\n- name: busybox\n  newTag: \"1.31\"\nnamespace: kubeflow\n"
        );
        assert_eq!(out, want);
    }

    #[test]
    fn set_image_replaces_values_and_appends_new_entries() {
        let k = "images:\n  - name: a\n    newName: x # keep me\n    newTag: v1\nresources:\n  - r.yaml\n";
        let out = edit(
            k,
            EditOp::SetImage(vec!["a=y:v2".into(), "c:3".into(), "b=z".into()]),
        );
        assert_eq!(
            out,
            "images:\n  - name: a\n    newName: \"y\" # keep me\n    newTag: v2\n  - name: b\n    newName: z\n  - name: c\n    newTag: \"3\"\nresources:\n  - r.yaml\n"
        );
    }

    #[test]
    fn set_image_star_keeps_existing_parts() {
        let k = "images:\n- name: a\n  newName: x\n  newTag: v1\n";
        let out = edit(k, EditOp::SetImage(vec!["a=*:v2".into()]));
        assert_eq!(out, "images:\n- name: a\n  newName: x\n  newTag: v2\n");
    }

    #[test]
    fn set_image_creates_the_field() {
        let k = "resources:\n- a.yaml\n\n# trailing comment\n";
        let out = edit(k, EditOp::SetImage(vec!["nginx:1.17".into()]));
        assert_eq!(
            out,
            "resources:\n- a.yaml\nimages:\n- name: nginx\n  newTag: \"1.17\"\n\n# trailing comment\n"
        );
        let out = edit("images: []\n", EditOp::SetImage(vec!["nginx:v1".into()]));
        assert_eq!(out, "images:\n- name: nginx\n  newTag: v1\n");
    }

    #[test]
    fn set_scalars() {
        let k = "namespace: old # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\n";
        let out = edit(k, EditOp::SetNamespace("kubeflow-ci".into()));
        assert_eq!(
            out,
            "namespace: kubeflow-ci # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\n"
        );
        let out = edit(k, EditOp::SetNameSuffix("-s".into()));
        assert_eq!(
            out,
            "namespace: old # ns\nnamePrefix: 'p-'\nresources:\n- a.yaml\nnameSuffix: \"-s\"\n"
        );
        let out = edit(k, EditOp::SetNamePrefix("q-".into()));
        assert_eq!(
            out,
            "namespace: old # ns\nnamePrefix: q-\nresources:\n- a.yaml\n"
        );
        assert!(edit_text(k, &EditOp::SetNamespace("Not_Valid".into())).is_err());
    }

    #[test]
    fn add_resource_and_component() {
        let k = "resources:\n- a.yaml # A\n# - b.yaml\nnamespace: x\n";
        let (out, notes) = match edit_text(
            k,
            &EditOp::AddResource(vec!["a.yaml".into(), "c.yaml".into()]),
        ) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            out,
            "resources:\n- a.yaml # A\n- c.yaml\n# - b.yaml\nnamespace: x\n"
        );
        assert_eq!(notes.len(), 1);
        let out = edit(k, EditOp::AddComponent(vec!["../c".into()]));
        assert_eq!(
            out,
            "resources:\n- a.yaml # A\n# - b.yaml\nnamespace: x\ncomponents:\n- ../c\n"
        );
        let out = edit(
            "resources: [a.yaml]\n",
            EditOp::AddResource(vec!["b.yaml".into()]),
        );
        assert_eq!(out, "resources: [a.yaml, b.yaml]\n");
    }

    /// Found by fuzz/edit_text: a file with a lone CR became CRLF-terminated by the line
    /// the edit added, and the same edit again rewrote every line end.
    #[test]
    fn edits_of_mixed_line_ends_are_idempotent() {
        for k in ["#\r", "namespace: a\r\nresources:\n- a.yaml\n"] {
            let op = EditOp::SetNameSuffix("-s".into());
            let once = edit(k, op.clone());
            assert_eq!(edit(&once, op), once, "{k:?}");
        }
    }

    #[test]
    fn unfaithful_edits_are_refused() {
        // A multi-document file where the images list lives in a flow mapping.
        let k = "images: [{name: a, newTag: v1}]\n";
        assert!(edit_text(k, &EditOp::SetImage(vec!["a:v2".into()])).is_err());
        assert!(edit_text("resourcez: []\n", &EditOp::SetNamespace("a".into())).is_err());
    }
}

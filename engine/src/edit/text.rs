//! A line-level view of a kustomization file, for edits that keep everything else intact.
//!
//! The file is kept as its lines. The editor finds top-level keys (column 0), the block of
//! lines each one owns, the items of a block sequence and the fields of a mapping item, and
//! changes only the lines an edit is about. Comments, blank lines, key order and quoting
//! elsewhere are never touched, which a round trip through a YAML library cannot promise.
//! It deliberately understands only the shapes kustomization files use (block mappings at
//! the top, block or one-line flow sequences of scalars or small mappings); the caller
//! re-parses the result and refuses an edit whose meaning is not exactly the intended one.

/// A kustomization file as lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Doc {
    /// The lines, without their line ends.
    pub(crate) lines: Vec<String>,
    /// The line end the file uses (`\n` or `\r\n`).
    eol: &'static str,
}

/// One top-level key and the lines it owns: `start` is the key line, `end` is one past its
/// last content line (trailing blank lines and column-0 comments belong to what follows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    /// The key.
    pub(crate) key: String,
    /// The key line.
    pub(crate) start: usize,
    /// One past the last line of the value.
    pub(crate) end: usize,
}

impl Doc {
    /// Splits a file's text into lines, remembering its line end.
    pub(crate) fn parse(text: &str) -> Doc {
        // CRLF only when every line ends so: in a file that mixes them, a CR stays part
        // of its line, so the lines an edit adds (LF) do not make the next edit read the
        // file differently.
        let lf = text.matches('\n').count();
        let crlf = lf > 0 && text.matches("\r\n").count() == lf;
        let eol = if crlf { "\r\n" } else { "\n" };
        let body = text.strip_suffix(eol).unwrap_or(text);
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            body.split(eol).map(str::to_string).collect()
        };
        Doc { lines, eol }
    }

    /// Joins the lines back, ending with a line end.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for l in &self.lines {
            out.push_str(l);
            out.push_str(self.eol);
        }
        out
    }

    /// Returns the top-level keys of the first document, in file order.
    pub(crate) fn blocks(&self) -> Vec<Block> {
        let mut starts: Vec<(usize, String)> = Vec::new();
        let mut doc_end = self.lines.len();
        let mut seen_content = false;
        for (i, l) in self.lines.iter().enumerate() {
            if l == "---" || l.starts_with("--- ") || l == "..." {
                if seen_content {
                    doc_end = i;
                    break;
                }
                continue;
            }
            if let Some(k) = top_key(l) {
                starts.push((i, k));
            }
            if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
                seen_content = true;
            }
        }
        let mut out = Vec::new();
        for (n, (start, key)) in starts.iter().enumerate() {
            let mut end = starts.get(n + 1).map_or(doc_end, |s| s.0);
            while end > start + 1 {
                let l = &self.lines[end - 1];
                if l.trim().is_empty() || l.starts_with('#') {
                    end -= 1;
                } else {
                    break;
                }
            }
            out.push(Block {
                key: key.clone(),
                start: *start,
                end,
            });
        }
        out
    }

    /// Returns the block of `key`, if the file has it.
    pub(crate) fn block(&self, key: &str) -> Option<Block> {
        self.blocks().into_iter().find(|b| b.key == key)
    }

    /// Inserts lines before `at`.
    pub(crate) fn insert(&mut self, at: usize, new: Vec<String>) {
        let at = at.min(self.lines.len());
        self.lines.splice(at..at, new);
    }

    /// Returns where a new top-level key goes: after the last line of the first document's
    /// content.
    pub(crate) fn append_point(&self) -> usize {
        match self.blocks().last() {
            Some(b) => b.end,
            None => {
                let mut e = self.lines.len();
                while e > 0 && self.lines[e - 1].trim().is_empty() {
                    e -= 1;
                }
                e
            }
        }
    }
}

/// Replaces the value on a `key: value` line by the YAML text `raw`, keeping indentation,
/// dash and comment; None when the line has no key.
pub(crate) fn replace_value(l: &str, raw: &str) -> Option<String> {
    let colon = key_colon(l)?;
    let comment = comment_part(&l[colon + 1..]);
    let mut new = format!("{}: {raw}", &l[..colon]);
    if let Some(c) = comment {
        new.push(' ');
        new.push_str(c);
    }
    Some(new)
}

/// Returns the key of a top-level `key:` line (column 0), or None.
fn top_key(l: &str) -> Option<String> {
    let first = l.chars().next()?;
    if matches!(
        first,
        ' ' | '\t' | '#' | '-' | '%' | '[' | '{' | '?' | '&' | '*' | '!' | '|' | '>'
    ) {
        return None;
    }
    split_key(l).map(|(k, _)| k)
}

/// Splits `key: value` (or `key:`) into the unquoted key and the raw rest.
pub(crate) fn split_key(s: &str) -> Option<(String, &str)> {
    let colon = key_colon(s)?;
    let k = s[..colon].trim();
    let k = k.strip_prefix("- ").unwrap_or(k).trim();
    if k.is_empty() {
        return None;
    }
    Some((unquote(k), &s[colon + 1..]))
}

/// Yields the bytes of `s` that are outside single- or double-quoted spans, with their
/// offsets.
fn unquoted(s: &str) -> impl Iterator<Item = (usize, u8)> + '_ {
    let mut quote: Option<u8> = None;
    // Inside double quotes, a backslash escapes the next byte (`\"` does not close them).
    let mut escaped = false;
    s.bytes().enumerate().filter(move |&(_, c)| match quote {
        Some(_) if escaped => {
            escaped = false;
            false
        }
        Some(b'"') if c == b'\\' => {
            escaped = true;
            false
        }
        Some(q) => {
            if c == q {
                quote = None;
            }
            false
        }
        None if c == b'"' || c == b'\'' => {
            quote = Some(c);
            false
        }
        None => true,
    })
}

/// Returns true when the `#` at `i` starts a comment (at the start or after a blank).
fn starts_comment(b: &[u8], i: usize) -> bool {
    b[i] == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t')
}

/// Returns the byte offset of the colon that ends the key on a line, skipping quotes.
fn key_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    for (i, c) in unquoted(s) {
        if starts_comment(b, i) {
            return None;
        }
        if c == b':' && (i + 1 == b.len() || b[i + 1] == b' ' || b[i + 1] == b'\t') {
            return Some(i);
        }
    }
    None
}

/// Returns the ` # comment` part of a value (from the `#`), if any.
fn comment_part(v: &str) -> Option<&str> {
    let b = v.as_bytes();
    unquoted(v)
        .find(|&(i, _)| starts_comment(b, i))
        .map(|(i, _)| &v[i..])
}

/// Removes a trailing comment from a value.
pub(crate) fn strip_comment(v: &str) -> &str {
    match comment_part(v) {
        Some(c) => &v[..v.len() - c.len()],
        None => v,
    }
}

/// Unquotes a one-line YAML scalar (plain, single- or double-quoted).
pub(crate) fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        return v[1..v.len() - 1].replace("''", "'");
    }
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        let inner = &v[1..v.len() - 1];
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('/') => out.push('/'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        }
        return out;
    }
    v.to_string()
}

/// Writes a string as a one-line YAML scalar: plain when that reads back as the same
/// string, double-quoted otherwise.
pub(crate) fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        return s.to_string();
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Returns true when `s` can be written unquoted and still read back as this string.
fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || matches!(first, '.' | '/' | '_' | '$')) {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/:@+=$()~".contains(c))
    {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') || s.contains(" #") {
        return false;
    }
    // Words and numbers that YAML would read as something other than a string.
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) || lower.starts_with(".inf")
        || lower == ".nan"
    {
        return false;
    }
    let numeric = s
        .chars()
        .all(|c| c.is_ascii_digit() || "+-._eExXoObB:".contains(c))
        && s.chars().any(|c| c.is_ascii_digit());
    !numeric
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "# top comment\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\nresources:\n- a.yaml # first\n# - b.yaml\n- c.yaml\n\n# images follow\nimages:\n- name: nginx # the web server\n  newTag: \"1.0\"\n- name: redis\n  newName: r\nnamespace: x\n";

    #[test]
    fn render_is_identity() {
        assert_eq!(Doc::parse(K).render(), K);
        let crlf = K.replace('\n', "\r\n");
        assert_eq!(Doc::parse(&crlf).render(), crlf);
        let mixed = "a: 1\r\nb: 2\n#\r";
        assert_eq!(Doc::parse(mixed).lines, ["a: 1\r", "b: 2", "#\r"]);
        assert_eq!(Doc::parse(mixed).render(), format!("{mixed}\n"));
    }

    #[test]
    fn blocks_leave_trailing_comments_to_the_next_key() {
        let d = Doc::parse(K);
        let keys: Vec<_> = d
            .blocks()
            .iter()
            .map(|b| (b.key.clone(), b.start, b.end))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("apiVersion".into(), 1, 2),
                ("kind".into(), 2, 3),
                ("resources".into(), 4, 8),
                ("images".into(), 10, 15),
                ("namespace".into(), 15, 16)
            ]
        );
    }

    #[test]
    fn set_line_value_keeps_comment() {
        let d = Doc::parse(K);
        assert_eq!(
            replace_value(&d.lines[11], "nginx2").as_deref(),
            Some("- name: nginx2 # the web server")
        );
        // Found by fuzz/edit_text: an escaped quote ended the quoted value, so its ` #"`
        // was taken for a comment and kept after the new value.
        assert_eq!(
            replace_value("namePrefix: \"\\\" #\" # c", "p").as_deref(),
            Some("namePrefix: p # c")
        );
    }

    #[test]
    fn scalars_quote_only_when_needed() {
        assert_eq!(scalar("sha256:abc"), "sha256:abc");
        assert_eq!(scalar("gcr.io/x/y"), "gcr.io/x/y");
        assert_eq!(scalar("1.0"), "\"1.0\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(unquote("\"a\\\"b\""), "a\"b");
        assert_eq!(unquote("'it''s'"), "it's");
    }
}

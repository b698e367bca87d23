//! A fast parser for the block-style YAML that Kubernetes manifests are written in.
//!
//! It reads block mappings and sequences, plain, quoted and block scalars, comments,
//! document markers and single- or multi-line flow collections, line by line on `&str`
//! slices. Anything else — anchors, aliases, tags, directives, complex keys, tabs in
//! indentation, CRLF, duplicate keys, merge keys, or anything it is not sure about —
//! makes it give up (`None`), and the caller parses the text again with the complete
//! (slower) event parser, which also produces the error messages. A differential test
//! over every YAML file of the shared corpus holds the two to the same trees.

use super::node::{Map, Node, Scalar, Style, Tag};
use super::parse::{MAX_DEPTH, ParseError, depth_message};
use super::resolve::resolve_plain;

/// Parses `text` (normalized: no BOM, `\n` line breaks) into documents, Ok(None) to fall
/// back. The one error it is sure of is nesting deeper than [`MAX_DEPTH`].
pub(super) fn parse(text: &str) -> Result<Option<Vec<Node>>, ParseError> {
    // The comment and indicator rules below are written for spaces: a tab before `#` or
    // after `:` (rare in manifests; found by fuzz/yaml_readers_agree) goes to the
    // complete parser.
    // NEL, LS and PS are line breaks to go-yaml (see `breaks`): the complete parser's.
    if text.contains('\r')
        || text.contains("\t#")
        || text.contains(":\t")
        || super::breaks::has_raw_breaks(text)
    {
        return Ok(None);
    }
    let mut p = P {
        lines: Vec::with_capacity(text.len() / 24 + 1),
        i: 0,
        eof_newline: text.ends_with('\n'),
        depth: 0,
        too_deep: None,
    };
    for line in text.split('\n') {
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        let content = &line[indent..];
        if content.starts_with('\t') {
            // A tab after the indentation is only fine on blank or comment lines.
            let t = content.trim_start_matches([' ', '\t']);
            if !(t.is_empty() || t.starts_with('#')) {
                return Ok(None);
            }
        }
        p.lines.push(Line {
            indent,
            text: content,
            raw: line,
        });
    }
    if text.ends_with('\n') {
        p.lines.pop();
    }
    let docs = p.documents();
    match p.too_deep {
        Some(e) => Err(e),
        None => Ok(docs),
    }
}

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Column where `text` starts.
    indent: usize,
    /// The line from `indent` on (may be a suffix of the raw line after `- `).
    text: &'a str,
    /// The whole physical line.
    raw: &'a str,
}

struct P<'a> {
    lines: Vec<Line<'a>>,
    i: usize,
    /// Whether the text ends with a line break: go-yaml gives a block scalar on the last
    /// line of a file without one no final line break, whatever its chomping.
    eof_newline: bool,
    /// How many collections enclose the current line.
    depth: usize,
    /// Set (and the parse given up) where collections nest deeper than [`MAX_DEPTH`].
    too_deep: Option<ParseError>,
}

/// An empty value (`key:` with nothing after it), spelled as the event parser spells it.
fn empty() -> Node {
    Node::Scalar(Scalar::new(Tag::Null, String::new()))
}

fn is_blank(t: &str) -> bool {
    let t = t.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

fn is_doc_marker(l: &Line<'_>) -> bool {
    l.indent == 0
        && l.text.len() >= 3
        && (l.text.starts_with("---") || l.text.starts_with("..."))
        && l.text[3..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t')
}

impl<'a> P<'a> {
    fn documents(&mut self) -> Option<Vec<Node>> {
        let mut docs = Vec::new();
        loop {
            self.skip_blank();
            let Some(l) = self.lines.get(self.i).copied() else {
                break;
            };
            if l.text.starts_with('%') && l.indent == 0 {
                return None;
            }
            if is_doc_marker(&l) {
                if !is_blank(&l.text[3..]) {
                    return None;
                }
                self.i += 1;
                continue;
            }
            let node = self.block_node(-1)?;
            docs.push(node);
            self.skip_blank();
            if let Some(l) = self.lines.get(self.i)
                && !is_doc_marker(l)
            {
                return None;
            }
        }
        Some(docs)
    }

    fn skip_blank(&mut self) {
        while let Some(l) = self.lines.get(self.i) {
            if is_blank(l.text) {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The next non-blank line, if it is indented more than `parent` and is not a marker.
    fn peek_child(&mut self, parent: isize) -> Option<Line<'a>> {
        self.skip_blank();
        let l = *self.lines.get(self.i)?;
        if (l.indent as isize) <= parent || is_doc_marker(&l) {
            return None;
        }
        Some(l)
    }

    /// A node on the current line, which is indented more than `parent`.
    fn block_node(&mut self, parent: isize) -> Option<Node> {
        let Some(l) = self.peek_child(parent) else {
            return Some(empty());
        };
        if is_seq_item(l.text) {
            return self.sequence(l.indent);
        }
        if split_key(l.text)?.is_some() {
            return self.mapping(l.indent);
        }
        // A scalar on a line of its own, below its key.
        if parent < 0 {
            return None;
        }
        self.inline_value(l.text, parent as usize)
    }

    /// Opens a collection at `col` of the current line, refusing one nested deeper than
    /// [`MAX_DEPTH`].
    fn enter(&mut self, col: usize) -> Option<()> {
        if self.depth >= MAX_DEPTH {
            self.too_deep = Some(ParseError {
                line: self.i + 1,
                col: col + 1,
                msg: depth_message(),
            });
            return None;
        }
        self.depth += 1;
        Some(())
    }

    fn sequence(&mut self, col: usize) -> Option<Node> {
        self.enter(col)?;
        let node = self.sequence_items(col);
        self.depth -= 1;
        node
    }

    fn mapping(&mut self, col: usize) -> Option<Node> {
        self.enter(col)?;
        let node = self.mapping_entries(col);
        self.depth -= 1;
        node
    }

    fn sequence_items(&mut self, col: usize) -> Option<Node> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(l) = self.lines.get(self.i).copied() else {
                break;
            };
            if l.indent < col || is_doc_marker(&l) {
                break;
            }
            if l.indent > col || !is_seq_item(l.text) {
                if l.indent == col {
                    break;
                }
                return None;
            }
            let rest = &l.text[1..];
            let spaces = rest.bytes().take_while(|&b| b == b' ').count();
            let after = &rest[spaces..];
            // A tab after the dash's spaces is separation to the complete parser.
            if after.starts_with('\t') {
                return None;
            }
            if is_blank(after) {
                self.i += 1;
                items.push(self.block_node(col as isize)?);
                continue;
            }
            let item_col = col + 1 + spaces;
            self.lines[self.i] = Line {
                indent: item_col,
                text: after,
                raw: l.raw,
            };
            if is_seq_item(after) {
                items.push(self.sequence(item_col)?);
            } else if split_key(after)?.is_some() {
                items.push(self.mapping(item_col)?);
            } else {
                items.push(self.inline_value(after, col)?);
            }
        }
        Some(Node::Seq(items))
    }

    fn mapping_entries(&mut self, col: usize) -> Option<Node> {
        let mut map = Map::new();
        loop {
            self.skip_blank();
            let Some(l) = self.lines.get(self.i).copied() else {
                break;
            };
            if l.indent < col || is_doc_marker(&l) {
                break;
            }
            if l.indent > col {
                return None;
            }
            let Some((key, rest)) = split_key(l.text)? else {
                if is_seq_item(l.text) {
                    // `- ` at the mapping's column ends a compact mapping inside a sequence.
                    break;
                }
                return None;
            };
            if key == "<<" || map.contains_key(key.as_str()) {
                return None;
            }
            let value = if is_blank(rest) {
                self.i += 1;
                self.skip_blank();
                match self.lines.get(self.i).copied() {
                    // A sequence may sit at the key's own column ("indentless").
                    Some(n) if n.indent == col && is_seq_item(n.text) && !is_doc_marker(&n) => {
                        self.sequence(col)?
                    }
                    _ => self.block_node(col as isize)?,
                }
            } else {
                let value = rest.trim_start_matches(' ');
                // A tab here is separation to the complete parser, not part of the value.
                if value.starts_with('\t') {
                    return None;
                }
                self.inline_value(value, col)?
            };
            map.insert(key, value);
        }
        Some(Node::Map(map))
    }

    /// A value that starts on the current line (after `key: ` or `- `); `parent` is the
    /// column of the owning key or dash. Consumes the lines the value spans.
    fn inline_value(&mut self, v: &'a str, parent: usize) -> Option<Node> {
        let first = v.as_bytes().first().copied()?;
        match first {
            b'"' | b'\'' => self.quoted(v),
            b'|' | b'>' => self.block_scalar(v, parent),
            b'[' | b'{' => self.flow(v, parent),
            b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'#' | b',' | b']' | b'}' => None,
            // An indicator before a blank (a tab too: found by fuzz/yaml_readers_agree).
            b'?' | b':' | b'-' if v.len() == 1 || matches!(v.as_bytes()[1], b' ' | b'\t') => None,
            _ => self.plain(v, parent),
        }
    }

    fn plain(&mut self, v: &'a str, parent: usize) -> Option<Node> {
        let uncommented = strip_comment(v)?;
        let first = uncommented.trim_end_matches([' ', '\t']);
        if first.contains(": ") || first.ends_with(':') {
            return None;
        }
        self.i += 1;
        // A comment ends a plain scalar: a more-indented line after it continues nothing,
        // and the caller declines it.
        if uncommented.len() < v.len() {
            return Some(Node::Scalar(Scalar {
                tag: resolve_plain(first),
                value: first.to_string(),
                style: Style::Plain,
            }));
        }
        // Continuation lines fold into the scalar.
        let mut text: Option<String> = None;
        let mut blank_run = 0usize;
        let mut j = self.i;
        while let Some(l) = self.lines.get(j) {
            let t = l.text.trim_end_matches([' ', '\t']);
            if t.is_empty() {
                blank_run += 1;
                j += 1;
                continue;
            }
            if l.indent <= parent || is_doc_marker(l) {
                break;
            }
            if t.trim_start_matches([' ', '\t']).starts_with('#') {
                // A comment line ends a plain scalar.
                break;
            }
            if t.contains(" #") || t.contains(": ") || t.ends_with(':') {
                return None;
            }
            let s = text.get_or_insert_with(|| first.to_string());
            if blank_run == 0 {
                s.push(' ');
            } else {
                for _ in 0..blank_run {
                    s.push('\n');
                }
            }
            s.push_str(t.trim_start_matches([' ', '\t']));
            blank_run = 0;
            j += 1;
            self.i = j;
        }
        let value = text.unwrap_or_else(|| first.to_string());
        let tag = resolve_plain(&value);
        Some(Node::Scalar(Scalar {
            tag,
            value,
            style: Style::Plain,
        }))
    }

    fn quoted(&mut self, v: &'a str) -> Option<Node> {
        let double = v.starts_with('"');
        let mut out = String::new();
        let mut cur: &str = &v[1..];
        loop {
            // Scan this line's part of the scalar.
            let mut chars = cur.char_indices().peekable();
            let mut closed_at = None;
            let mut line_out = String::new();
            let mut escaped_break = false;
            // Bytes at the end of `line_out` that were unescaped white space in the source:
            // folding trims those and only those.
            let mut raw_ws = 0usize;
            while let Some((i, c)) = chars.next() {
                if double && c == '"'
                    || !double && c == '\'' && chars.peek().is_none_or(|&(_, n)| n != '\'')
                {
                    closed_at = Some(i + 1);
                    break;
                }
                if double && c == '\\' {
                    match chars.next() {
                        None => {
                            // An escaped line break: the next line joins without a space.
                            escaped_break = true;
                            break;
                        }
                        Some((_, e)) => line_out.push_str(&unescape(e, &mut chars)?),
                    }
                    raw_ws = 0;
                } else if !double && c == '\'' {
                    chars.next();
                    line_out.push('\'');
                    raw_ws = 0;
                } else {
                    line_out.push(c);
                    raw_ws = if c == ' ' || c == '\t' { raw_ws + 1 } else { 0 };
                }
            }
            if let Some(end) = closed_at {
                out.push_str(&line_out);
                self.i += 1;
                let tail = &cur[end..];
                if !is_blank(tail) || (!tail.is_empty() && !tail.starts_with([' ', '\t'])) {
                    return None;
                }
                return Some(Node::Scalar(Scalar {
                    tag: Tag::Str,
                    value: out,
                    style: Style::Quoted,
                }));
            }
            // The scalar goes on: fold the line break.
            if !escaped_break {
                line_out.truncate(line_out.len() - raw_ws);
            }
            out.push_str(&line_out);
            self.i += 1;
            let mut empties = 0;
            loop {
                let l = self.lines.get(self.i)?;
                if l.raw.trim_matches([' ', '\t']).is_empty() {
                    empties += 1;
                    self.i += 1;
                    continue;
                }
                // go-yaml takes continuation lines at any indentation, even below the
                // key's; only a document marker ends the scalar (as an error).
                if is_doc_marker(l) {
                    return None;
                }
                break;
            }
            if escaped_break {
                // No folding space after `\` at the end of a line, but each empty line
                // after it is still a line feed (go-yaml: "x\<LF><LF>y" is "x\ny"; found
                // by fuzz/yaml_readers_agree).
                for _ in 0..empties {
                    out.push('\n');
                }
            } else if empties == 0 {
                out.push(' ');
            } else {
                for _ in 0..empties {
                    out.push('\n');
                }
            }
            let l = self.lines.get(self.i)?;
            cur = l.raw.trim_start_matches([' ', '\t']);
        }
    }

    fn block_scalar(&mut self, v: &'a str, parent: usize) -> Option<Node> {
        let literal = v.starts_with('|');
        let mut chomp = 0i8; // -1 strip, 0 clip, 1 keep
        let mut explicit: Option<usize> = None;
        let mut rest = &v[1..];
        // At most one chomping indicator and one indentation digit, in either order: a
        // second of either (`|+-`) is an error, left to the complete parser.
        let mut chomp_seen = false;
        for _ in 0..2 {
            match rest.as_bytes().first() {
                Some(b'-' | b'+') if chomp_seen => return None,
                Some(b'-') => {
                    chomp = -1;
                    chomp_seen = true;
                    rest = &rest[1..];
                }
                Some(b'+') => {
                    chomp = 1;
                    chomp_seen = true;
                    rest = &rest[1..];
                }
                Some(b'1'..=b'9') if explicit.is_some() => return None,
                Some(d @ b'1'..=b'9') => {
                    explicit = Some((d - b'0') as usize);
                    rest = &rest[1..];
                }
                _ => {}
            }
        }
        if !is_blank(rest) || (!rest.is_empty() && !rest.starts_with([' ', '\t'])) {
            return None;
        }
        self.i += 1;
        // Find the content indentation.
        let mut j = self.i;
        let mut max_leading_blank = 0;
        let indent = match explicit {
            Some(d) => parent + d,
            None => loop {
                let Some(l) = self.lines.get(j) else {
                    break parent + 1;
                };
                if l.raw.trim_start_matches(' ').is_empty() {
                    max_leading_blank = max_leading_blank.max(l.raw.len());
                    j += 1;
                    continue;
                }
                if l.raw.trim_start_matches(' ').starts_with('\t') {
                    return None;
                }
                break l.indent;
            },
        };
        if explicit.is_none() && max_leading_blank > indent {
            return None;
        }
        if explicit.is_some() && parent == usize::MAX {
            return None;
        }
        let mut lines: Vec<&str> = Vec::new();
        while let Some(l) = self.lines.get(self.i) {
            let raw = l.raw;
            let lead = raw.bytes().take_while(|&b| b == b' ').count();
            if raw.len() == lead {
                // A blank line (only spaces) belongs to the scalar for now.
                lines.push(if lead > indent { &raw[indent..] } else { "" });
                self.i += 1;
                continue;
            }
            if lead < indent || indent <= parent || (lead <= parent) {
                break;
            }
            lines.push(&raw[indent..]);
            self.i += 1;
        }
        // Trailing blank lines are handed back unless kept by chomping; they are blank
        // for the parser either way.
        let mut trailing = 0;
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
            trailing += 1;
        }
        let ends_file = trailing == 0 && self.i == self.lines.len() && !self.eof_newline;
        let mut out = String::new();
        if literal {
            for (k, l) in lines.iter().enumerate() {
                if k > 0 {
                    out.push('\n');
                }
                out.push_str(l);
            }
        } else {
            fold_lines(&lines, &mut out);
        }
        if !lines.is_empty() && !ends_file {
            match chomp {
                -1 => {}
                0 => out.push('\n'),
                _ => {
                    out.push('\n');
                    for _ in 0..trailing {
                        out.push('\n');
                    }
                }
            }
        } else if chomp == 1 && trailing > 0 {
            return None;
        }
        Some(Node::Scalar(Scalar {
            tag: Tag::Str,
            value: out,
            style: Style::Quoted,
        }))
    }

    fn flow(&mut self, v: &'a str, parent: usize) -> Option<Node> {
        // Gather the text up to the matching bracket, across lines if needed, noting where
        // each line's part starts (text offset, line, column) for error positions.
        let mut text = String::new();
        let mut scan = FlowScan {
            depth: 0,
            pos: 0,
            prev_ws: true,
            last: '[',
        };
        let mut joins: Vec<(usize, usize, usize)> = Vec::new();
        let mut cur = v;
        loop {
            let raw = self.lines.get(self.i)?.raw;
            joins.push((text.len(), self.i, raw.len().saturating_sub(cur.len())));
            text.push_str(cur);
            if let Some(end) = scan.scan(&text)? {
                self.i += 1;
                let tail = &text[end..];
                if !is_blank(tail) || (!tail.is_empty() && !tail.starts_with([' ', '\t'])) {
                    return None;
                }
                let mut f = Flow {
                    s: &text[..end],
                    pos: 0,
                    depth: self.depth,
                    too_deep: None,
                };
                let node = f.node();
                if let Some(at) = f.too_deep {
                    let &(off, line, col) = joins.iter().rev().find(|j| j.0 <= at)?;
                    self.too_deep = Some(ParseError {
                        line: line + 1,
                        col: col + text[off..at].chars().count() + 1,
                        msg: depth_message(),
                    });
                    return None;
                }
                let node = node?;
                f.ws();
                return if f.pos == f.s.len() { Some(node) } else { None };
            }
            self.i += 1;
            // A blank line inside a plain scalar folds to a line break, not a space:
            // a flow collection with one is left to the complete parser (found by
            // fuzz/yaml_readers_agree).
            if self.lines.get(self.i).is_some_and(|l| is_blank(l.text)) {
                return None;
            }
            let l = self.lines.get(self.i)?;
            if l.indent <= parent || is_doc_marker(l) {
                return None;
            }
            // Folding drops white space before a line break, tabs included: a line that
            // ends in a tab is left to the complete parser.
            if text.ends_with('\t') {
                return None;
            }
            // Spaces before the break go too (outside a scalar they separate nothing):
            // `[5 <LF> c]` is "5 c" (found by fuzz/yaml_readers_agree).
            let kept = text.trim_end_matches(' ').len();
            text.truncate(kept);
            scan.pos = scan.pos.min(kept);
            text.push(' ');
            cur = l.text;
        }
    }
}

/// YAML line folding for `>` scalars: lines join with a space, except around more-indented
/// lines and empty lines, which keep their breaks.
fn fold_lines(lines: &[&str], out: &mut String) {
    let mut prev_more = false;
    let mut pending_breaks = 0;
    let mut started = false;
    for l in lines {
        if l.is_empty() {
            pending_breaks += 1;
            continue;
        }
        let more = l.starts_with([' ', '\t']);
        if started {
            if pending_breaks == 0 {
                if more || prev_more {
                    out.push('\n');
                } else {
                    out.push(' ');
                }
            } else {
                if more || prev_more {
                    out.push('\n');
                }
                for _ in 0..pending_breaks {
                    out.push('\n');
                }
            }
        } else {
            for _ in 0..pending_breaks {
                out.push('\n');
            }
        }
        out.push_str(l);
        pending_breaks = 0;
        prev_more = more;
        started = true;
    }
}

fn unescape(e: char, chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Option<String> {
    let simple = match e {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\x0b',
        'f' => '\x0c',
        'r' => '\r',
        'e' => '\x1b',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' | 'u' | 'U' => {
            let n = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let mut code = 0u32;
            for _ in 0..n {
                let (_, h) = chars.next()?;
                code = code * 16 + h.to_digit(16)?;
            }
            return char::from_u32(code).map(String::from);
        }
        _ => return None,
    };
    Some(simple.to_string())
}

fn is_seq_item(t: &str) -> bool {
    t == "-" || t.starts_with("- ") || t.starts_with("-\t")
}

/// Cuts a trailing ` # comment`; None when the text has characters that need the full parser.
fn strip_comment(v: &str) -> Option<&str> {
    match v.find(" #") {
        Some(i) => Some(&v[..i]),
        None => {
            if v.contains("\t#") {
                return None;
            }
            Some(v)
        }
    }
}

/// Splits `key: rest` / `key:`; Ok(None) when the line is not a mapping entry; None
/// (give up) for keys the fast path does not handle.
/// go-yaml's longest simple key: its `:` at most this many characters after its start
/// (further on, the key is no longer possible and the `:` is refused).
const MAX_SIMPLE_KEY: usize = 1024;

/// Whether a key starting at the start of `text`, with its `:` at byte `colon`, is short
/// enough for a simple key.
fn simple_key_fits(text: &str, colon: usize) -> bool {
    colon <= MAX_SIMPLE_KEY || text[..colon].chars().count() <= MAX_SIMPLE_KEY
}

/// [`split_key_any`], declining a key too long to be a simple key to go-yaml (found by
/// fuzz/yaml_readers_agree).
fn split_key(t: &str) -> Option<Option<(String, &str)>> {
    match split_key_any(t)? {
        Some((_, rest)) if !simple_key_fits(t, t.len() - rest.len() - 1) => None,
        other => Some(other),
    }
}

fn split_key_any(t: &str) -> Option<Option<(String, &str)>> {
    let b = t.as_bytes();
    match b.first() {
        None => return Some(None),
        Some(b'"') | Some(b'\'') => {
            let double = b[0] == b'"';
            let mut key = String::new();
            let mut it = t[1..].char_indices().peekable();
            while let Some((i, c)) = it.next() {
                if double && c == '\\' {
                    let (_, e) = it.next()?;
                    key.push_str(&unescape(e, &mut it)?);
                } else if double && c == '"' || !double && c == '\'' {
                    if !double && it.peek().is_some_and(|&(_, n)| n == '\'') {
                        it.next();
                        key.push('\'');
                        continue;
                    }
                    let after = &t[1 + i + 1..];
                    let after = after.trim_start_matches(' ');
                    if let Some(rest) = after.strip_prefix(':')
                        && (rest.is_empty() || rest.starts_with(' '))
                    {
                        return Some(Some((key, rest)));
                    }
                    return Some(None);
                } else {
                    key.push(c);
                }
            }
            // Not closed on this line: a multi-line quoted value, never a key.
            return Some(None);
        }
        // A flow collection opening a line is a value; as a key it would be a complex key,
        // which the flow parser refuses when it finds the `:` after it.
        Some(b'[' | b'{' | b'|' | b'>') => return Some(None),
        Some(b'?' | b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b'#' | b',' | b']' | b'}') => {
            return if is_blank(t) { Some(None) } else { None };
        }
        _ => {}
    }
    if is_seq_item(t) {
        return Some(None);
    }
    let mut search = 0;
    while let Some(off) = t[search..].find(':') {
        let i = search + off;
        let next = b.get(i + 1);
        if next.is_none() || next == Some(&b' ') {
            let key = t[..i].trim_end_matches(' ');
            if key.is_empty() || key.contains(" #") || key.contains('\t') {
                return None;
            }
            let rest = &t[i + 1..];
            return Some(Some((key.to_string(), rest)));
        }
        search = i + 1;
    }
    if t.contains(" #") && t.split(" #").next().is_some_and(|h| h.contains(':')) {
        return None;
    }
    Some(None)
}

/// Finds the end of a flow collection in text that grows a line at a time, scanning
/// each part once (quoted scalars never span lines here: those are left to the complete
/// parser).
struct FlowScan {
    depth: i32,
    /// Where the scan stopped.
    pos: usize,
    prev_ws: bool,
    /// The last character seen that is not a blank: a quote after anything but an
    /// indicator that starts a node is inside a plain scalar.
    last: char,
}

impl FlowScan {
    /// The byte offset just after the flow collection that `s` starts with, Some(None)
    /// if it is not closed yet, None for anything unexpected.
    fn scan(&mut self, s: &str) -> Option<Option<usize>> {
        let from = self.pos;
        let mut it = s[from..].char_indices().peekable();
        while let Some((i, c)) = it.next() {
            match c {
                '[' | '{' => self.depth += 1,
                ']' | '}' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(Some(from + i + 1));
                    }
                }
                // A quote inside a plain scalar (`a"b`) is text, and what follows it
                // may be a comment: left to the complete parser (found by
                // fuzz/yaml_readers_agree).
                '"' | '\'' if !matches!(self.last, '[' | '{' | ',' | ':' | '?') => return None,
                '"' => loop {
                    let (_, d) = it.next()?;
                    if d == '\\' {
                        it.next()?;
                    } else if d == '"' {
                        break;
                    }
                },
                '\'' => loop {
                    let (_, d) = it.next()?;
                    if d == '\'' {
                        if it.peek().is_some_and(|&(_, n)| n == '\'') {
                            it.next();
                            continue;
                        }
                        break;
                    }
                },
                '#' if self.prev_ws => return None,
                _ => {}
            }
            self.prev_ws = c == ' ';
            // A `:` is an indicator before a blank or a flow indicator, or after a quoted
            // key or a collection; anywhere else it is text, and a quote after it is inside
            // a plain scalar (`[a:'b # c']` is "a:'b" and a comment; found by
            // fuzz/yaml_readers_agree).
            let text_colon = c == ':'
                && !matches!(self.last, '"' | '\'' | ']' | '}')
                && it
                    .peek()
                    .is_some_and(|&(_, n)| !matches!(n, ' ' | '\t' | ',' | '[' | ']' | '{' | '}'));
            if text_colon {
                self.last = 'a';
            } else if !matches!(c, ' ' | '\t') {
                self.last = c;
            }
        }
        self.pos = s.len();
        Some(None)
    }
}

/// A flow collection parser over one string.
struct Flow<'s> {
    s: &'s str,
    pos: usize,
    /// How many collections enclose the current position.
    depth: usize,
    /// Set (and the parse given up) at a collection nested deeper than [`MAX_DEPTH`].
    too_deep: Option<usize>,
}

impl Flow<'_> {
    fn ws(&mut self) {
        while self
            .s
            .as_bytes()
            .get(self.pos)
            .is_some_and(|&b| b == b' ' || b == b'\t')
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    fn node(&mut self) -> Option<Node> {
        self.ws();
        match self.peek()? {
            open @ (b'[' | b'{') => {
                if self.depth >= MAX_DEPTH {
                    self.too_deep = Some(self.pos);
                    return None;
                }
                self.depth += 1;
                self.pos += 1;
                let node = if open == b'[' { self.seq() } else { self.map() };
                self.depth -= 1;
                node
            }
            b'"' | b'\'' => self.quoted(),
            b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#' | b'?' | b':' => None,
            // `-` starts a plain scalar only before a character that can go on one (`-1`);
            // `- x` is a block sequence entry, which a flow collection cannot hold.
            b'-' if !self.s.as_bytes().get(self.pos + 1).is_some_and(|&c| {
                !matches!(c, b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}')
            }) =>
            {
                None
            }
            _ => self.plain(),
        }
    }

    /// The rest of a flow sequence, after its `[`.
    fn seq(&mut self) -> Option<Node> {
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek()? == b']' {
                self.pos += 1;
                return Some(Node::Seq(items));
            }
            let item = self.node()?;
            self.ws();
            if self.peek()? == b':' {
                // A single-pair mapping inside a sequence.
                return None;
            }
            items.push(item);
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {}
                _ => return None,
            }
        }
    }

    /// The rest of a flow mapping, after its `{`.
    fn map(&mut self) -> Option<Node> {
        let mut map = Map::new();
        loop {
            self.ws();
            if self.peek()? == b'}' {
                self.pos += 1;
                return Some(Node::Map(map));
            }
            let key = match self.node()? {
                Node::Scalar(s) => s.value,
                _ => return None,
            };
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.ws();
            let value = match self.peek()? {
                b',' | b'}' => empty(),
                _ => self.node()?,
            };
            if key == "<<" || map.contains_key(&key) {
                return None;
            }
            map.insert(key, value);
            self.ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {}
                _ => return None,
            }
        }
    }

    fn quoted(&mut self) -> Option<Node> {
        let double = self.peek()? == b'"';
        self.pos += 1;
        let mut out = String::new();
        let rest = &self.s[self.pos..];
        let mut it = rest.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if double && c == '\\' {
                let (_, e) = it.next()?;
                out.push_str(&unescape(e, &mut it)?);
            } else if (double && c == '"') || (!double && c == '\'') {
                if !double && it.peek().is_some_and(|&(_, n)| n == '\'') {
                    it.next();
                    out.push('\'');
                    continue;
                }
                self.pos += i + 1;
                return Some(Node::Scalar(Scalar {
                    tag: Tag::Str,
                    value: out,
                    style: Style::Quoted,
                }));
            } else {
                out.push(c);
            }
        }
        None
    }

    fn plain(&mut self) -> Option<Node> {
        let start = self.pos;
        let b = self.s.as_bytes();
        while self.pos < b.len() {
            let c = b[self.pos];
            if matches!(c, b',' | b'[' | b']' | b'{' | b'}') {
                break;
            }
            if c == b':' && matches!(b.get(self.pos + 1), None | Some(b' ' | b',' | b']' | b'}')) {
                break;
            }
            self.pos += 1;
        }
        let value = self.s[start..self.pos]
            .trim_end_matches([' ', '\t'])
            .to_string();
        if value.is_empty() {
            return None;
        }
        let tag = resolve_plain(&value);
        Some(Node::Scalar(Scalar {
            tag,
            value,
            style: Style::Plain,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse::parse_documents_complete;

    fn same(src: &str) {
        let fast = parse(src)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("fast path declined:\n{src}"));
        let complete = parse_documents_complete(src).unwrap_or_default();
        let strip = |v: Vec<Node>| v.into_iter().filter(|d| !d.is_null()).collect::<Vec<_>>();
        assert_eq!(strip(fast), strip(complete), "{src}");
    }

    #[test]
    fn block_structures() {
        same("a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d:\n  - e: f\n    g: h\n  - - i\n    - j\n");
        same(
            "k: v # comment\n# full line\nl: |\n  one\n\n  two\nm: >-\n  folded\n  text\n\n  para\n",
        );
        same("---\na: 1\n---\nb: 2\n...\n");
        same("q: \"multi\n  line \\\"quoted\\\"\\\n  joined\"\ns: 'it''s\n\n  two'\n");
        same("p: plain\n  continued\n\n  after blank\nn:\n  {}\nx: -1\ny: 0777\n");
    }

    /// Found by fuzz/yaml_readers_agree: `-\t$` read as the item `"\t$"`, `}:` as a key.
    #[test]
    fn declines_what_the_fuzzer_found() {
        assert!(matches!(parse("-\t$\n"), Ok(None)));
        assert!(matches!(parse("- \tx\n"), Ok(None)));
        // `-`, `?` or `:` then a tab, as a value, is an indicator (go-yaml refuses
        // `k: -\t`), not the plain scalar "-".
        for v in ["Ih: -\t\n", "k: ?\tx\n", "k: :\tx\n"] {
            assert!(matches!(parse(v), Ok(None)), "{v:?}");
        }
        assert!(parse_documents_complete("Ih: -\t\n").is_err());
        // And `}:` as the key `}` (a flow indicator cannot start a plain scalar).
        assert!(matches!(parse("}:\n"), Ok(None)));
        assert!(matches!(parse("o: {c\t#ate: true}\n"), Ok(None)));
        // Spaces before a flow collection's line break are folded away.
        same("o: [5 \n  c  - l]\nk: {a: b  \n  , c: d}\n");
        // Empty lines after an escaped line break are line feeds.
        same("a: \"x\\\n\n  y\"\nb: \"x\\\n  y\"\nc: \"x\\\n\n\n  y\"\n");
        let d = parse("a: \"x\\\n\n  y\"\n")
            .ok()
            .flatten()
            .unwrap_or_default();
        assert_eq!(d[0].str_at(&["a"]), Some("x\ny"));
        // A blank line inside a multi-line flow plain scalar is a line break.
        assert!(matches!(parse("k: [c\n\n $  - l]\n"), Ok(None)));
        let c = parse_documents_complete("k: [c\n\n $  - l]\n").unwrap_or_default();
        assert_eq!(
            c[0].get("k")
                .and_then(Node::as_seq)
                .and_then(|s| s[0].as_str()),
            Some("c\n$  - l")
        );
        // A quote inside a flow plain scalar hid a comment from the scan.
        assert!(matches!(
            parse("s: [Ac%\"/a, .!./ #\"/a, .!]\n\n"),
            Ok(None)
        ));
        assert!(parse_documents_complete("s: [Ac%\"/a, .!./ #\"/a, .!]\n\n").is_err());
        same("s: [\"a\", 'b', {k: \"v\"}, c]\n");
        // So did a quote after a `:` that is text, not an indicator.
        let colon_quote = "X: [Ir:':''GI\t # -'GI\t -]\n";
        assert!(matches!(parse(colon_quote), Ok(None)));
        assert!(parse_documents_complete(colon_quote).is_err());
        same("s: [{\"a\":'b'}, {c: 'd'}, {\"e\": \"f\"}]\n");
        // `:` and a tab inside a plain value is no text to the complete parser either.
        assert!(matches!(parse("kind: A:\tb\n"), Ok(None)));
        // A tab before `#` starts a comment inside a plain scalar's continuation line too.
        assert!(matches!(parse("- a\n  b \t# c\n"), Ok(None)));
        assert_eq!(
            crate::yaml::parse::parse_documents("- a\n  b \t# c\n").ok(),
            Some(vec![Node::Seq(vec![Node::str("a b")])])
        );
        // A comment ends a plain scalar: the more-indented line after it continues nothing.
        assert!(matches!(parse("- x #c\n y\n"), Ok(None)));
        assert!(matches!(parse("a: x #c\n  y\n"), Ok(None)));
        assert!(parse_documents_complete("- x #c\n y\n").is_err());
        assert_eq!(
            parse("- x #c\n- y\n").ok().flatten(),
            Some(vec![Node::Seq(vec![Node::str("x"), Node::str("y")])])
        );
        // A flow collection continued after a line ending in a tab (found by the fuzzer).
        let text = "v: [a,. e.\t\n env]\n";
        assert!(matches!(parse(text), Ok(None)));
        assert_eq!(
            parse_documents_complete(text).ok(),
            Some(vec![Node::Map(Map::from_iter([(
                "v".to_string(),
                Node::Seq(vec![Node::str("a"), Node::str(". e. env")])
            )]))])
        );
        // One chomping indicator and one indentation digit at most.
        for bad in ["- |+-\n  x\n", "a: >-+\n  x\n", "a: |12\n   x\n"] {
            assert!(matches!(parse(bad), Ok(None)), "{bad:?}");
            assert!(parse_documents_complete(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(parse("a: |2-\n   x\n"), Ok(Some(_))));
        // `- x` inside a flow collection is a block entry out of place, not the text `- x`.
        assert!(matches!(parse("r: [- ./base]\n"), Ok(None)));
        assert!(parse_documents_complete("r: [- ./base]\n").is_err());
        assert!(matches!(parse("r: {a: -}\n"), Ok(None)));
        assert_eq!(
            parse("r: [-1, -x]\n").ok().flatten(),
            parse_documents_complete("r: [-1, -x]\n").ok()
        );
        // A tab before a value separates it: `\t'x` is a quoted scalar, not plain text.
        assert!(matches!(parse("k: \t'x'\n"), Ok(None)));
        assert_eq!(
            parse_documents_complete("k: \t'x'\n").ok(),
            Some(vec![Node::Map(Map::from_iter([(
                "k".to_string(),
                Node::str("x")
            )]))])
        );
        assert!(parse_documents_complete("}:\n").is_err());
        assert_eq!(
            parse_documents_complete("-\t$\n").ok(),
            Some(vec![Node::Seq(vec![Node::str("$")])])
        );
    }

    #[test]
    fn block_scalar_at_end_of_file_without_line_break_has_none() {
        // go-yaml's reading, which kustomize prints (`|-`); yaml-rust2 adds a break here.
        let v = |src: &str| {
            parse(src)
                .ok()
                .flatten()
                .and_then(|d| d[0].str_at(&["a"]).map(String::from))
        };
        assert_eq!(v("a: |\n  x\n  y").as_deref(), Some("x\ny"));
        assert_eq!(v("a: |\n  x\n").as_deref(), Some("x\n"));
        assert_eq!(v("a: |+\n  x").as_deref(), Some("x"));
    }

    #[test]
    fn a_key_past_go_yamls_simple_key_length_is_refused() {
        // A block key's `:` may stand at most 1024 characters after the key's start, to
        // go-yaml's parser and to yaml-rust2 (which sets no bound inside flow).
        for (key, ok) in [(1024, true), (1025, false)] {
            for text in [
                format!("{}: b\n", "k".repeat(key)),
                format!("{}: b\n", "é".repeat(key)),
            ] {
                let fast = parse(&text).ok().flatten();
                let complete = parse_documents_complete(&text);
                assert_eq!(complete.is_ok(), ok, "{key}");
                assert_eq!(fast.is_some(), ok, "{key}");
                if ok {
                    assert_eq!(fast, complete.ok());
                }
            }
        }
    }

    #[test]
    fn declines_what_it_does_not_handle() {
        let declines = |src: &str| matches!(parse(src), Ok(None));
        assert!(declines("a: &x 1\nb: *x\n"));
        assert!(declines("a: 1\na: 2\n"));
        assert!(declines("? complex\n: v\n"));
        assert!(declines("a: !!str 1\n"));
        assert!(declines("a: 1\r\n"));
    }
}

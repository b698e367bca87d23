//! YAML text to nodes.
//!
//! Tokenising is yaml-rust2's; this module builds [`Node`]s from its events with
//! go-yaml v3's tag resolution, merge keys (`<<`), aliases, and its refusal of
//! duplicate mapping keys. It does not know about files: callers attach the path.
//!
//! Both readers (this one and [`super::fast`]) refuse collections nested deeper than
//! [`MAX_DEPTH`], and aliases may expand to at most [`MAX_ALIAS_NODES_PER_FILE`] nodes per
//! file and, through an [`AliasBudget`] a build shares, [`MAX_ALIAS_NODES_PER_BUILD`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use yaml_rust2::parser::{Event, Parser, Tag as YTag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::breaks::GoLines;
use super::node::{Map, Node, Scalar, Style, Tag};
use super::resolve::resolve_plain;

/// A YAML syntax or structure error, with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}, column {col}: {msg}")]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What went wrong.
    pub msg: String,
}

/// How deeply collections may nest (the top-level collection is depth 1): go-yaml v3's
/// limit, which kustomize refuses past with this same message.
pub const MAX_DEPTH: usize = 10_000;

/// The message of a document nested deeper than [`MAX_DEPTH`].
pub(super) fn depth_message() -> String {
    format!("exceeded max depth of {MAX_DEPTH}")
}

/// yaml-rust2 counts flow nesting in a byte: the complete parser cannot read flow
/// collections nested deeper than this (the fast path, which reads plain manifests, can).
const COMPLETE_FLOW_DEPTH: usize = 255;

fn flow_depth_message() -> String {
    format!(
        "flow collections nested deeper than {COMPLETE_FLOW_DEPTH} are only read in documents without anchors, tags or other advanced syntax"
    )
}

impl ParseError {
    /// Returns true when the document was refused for nesting too deep.
    pub fn is_too_deep(&self) -> bool {
        self.msg == depth_message() || self.msg == flow_depth_message()
    }

    /// Returns true when the text was refused because its aliases expand too far (in
    /// the file, or in the build's files together).
    pub fn is_alias_bound(&self) -> bool {
        self.msg == alias_message() || self.msg == build_alias_message()
    }
}

/// Refuses text nested deeper than [`MAX_DEPTH`], in linear time, before a typed reader
/// sees it: serde_yaml_ng's scanner (libyaml's) is quadratic in the nesting depth. Any
/// other error is left to that reader to report.
pub fn check_depth(text: &str) -> Result<(), ParseError> {
    match parse_documents(text) {
        Err(e) if e.is_too_deep() => Err(e),
        _ => Ok(()),
    }
}

/// The most nodes aliases may expand to in one file ("billion laughs"): about 60 MB of
/// nodes, where go-yaml v3 stops alias-heavy documents at about 400,000 decodes.
pub const MAX_ALIAS_NODES_PER_FILE: usize = 1_000_000;

/// The most nodes aliases may expand to in all the files of one build together.
pub const MAX_ALIAS_NODES_PER_BUILD: usize = 10_000_000;

/// What aliases may still expand to in the files of one build; its threads share it.
#[derive(Debug)]
pub struct AliasBudget(AtomicUsize);

impl AliasBudget {
    /// A budget of `nodes` expanded nodes.
    pub fn new(nodes: usize) -> AliasBudget {
        AliasBudget(AtomicUsize::new(nodes))
    }

    /// Takes `n` nodes from the budget; false (taking nothing) when fewer are left.
    pub fn take(&self, n: usize) -> bool {
        self.0
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }
}

impl Default for AliasBudget {
    /// A whole build's budget, [`MAX_ALIAS_NODES_PER_BUILD`].
    fn default() -> Self {
        AliasBudget::new(MAX_ALIAS_NODES_PER_BUILD)
    }
}

/// How one file is read: its alias allowance and what a repeated mapping key means.
struct Reading<'b> {
    file_left: usize,
    build: Option<&'b AliasBudget>,
    /// A repeated key replaces the earlier value (go-yaml v2, which sigs.k8s.io/yaml
    /// reads kustomization files with) instead of being refused (go-yaml v3, kyaml).
    last_key_wins: bool,
}

impl Reading<'_> {
    fn file_only() -> Reading<'static> {
        Reading {
            file_left: MAX_ALIAS_NODES_PER_FILE,
            build: None,
            last_key_wins: false,
        }
    }
}

fn alias_message() -> String {
    "document is too large after expanding aliases".into()
}

fn build_alias_message() -> String {
    format!("the build's aliases expand to more than {MAX_ALIAS_NODES_PER_BUILD} nodes")
}

/// Parses every document of a YAML stream. Empty documents may come back as null nodes
/// (or not at all), so callers skip null documents.
///
/// The common block-style YAML of manifests takes a fast path; anything else, and every
/// error, goes through the complete event parser.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, ParseError> {
    parse_stream(text, Reading::file_only())
}

/// [`parse_documents`] for one file of a build: its alias expansion also counts against
/// the build's `budget`.
pub fn parse_documents_in(text: &str, budget: &AliasBudget) -> Result<Vec<Node>, ParseError> {
    parse_stream(
        text,
        Reading {
            file_left: MAX_ALIAS_NODES_PER_FILE,
            build: Some(budget),
            last_key_wins: false,
        },
    )
}

/// [`parse_documents`] as sigs.k8s.io/yaml reads a kustomization file: a mapping key
/// given twice, at any level, takes its last value.
pub fn parse_documents_last_key_wins(text: &str) -> Result<Vec<Node>, ParseError> {
    parse_stream(
        text,
        Reading {
            last_key_wins: true,
            ..Reading::file_only()
        },
    )
}

fn parse_stream(text: &str, mut reading: Reading<'_>) -> Result<Vec<Node>, ParseError> {
    check_printable(text)?;
    let text = normalize(text);
    let text = text.as_ref();
    if let Some(docs) = super::fast::parse(text)? {
        return Ok(docs);
    }
    // Only the documents the fast path declines go through the complete parser.
    read_documents(text, &mut reading, true)
}

/// Reads normalized text document by document: each part between `---` / `...` lines
/// through the fast path (when `fast`) and, where it declines, the complete parser.
/// Directives and lone CRs concern the whole stream, so such a text goes whole to the
/// complete parser.
fn read_documents(
    text: &str,
    reading: &mut Reading<'_>,
    fast: bool,
) -> Result<Vec<Node>, ParseError> {
    if text.contains('\r') || text.lines().any(|l| l.starts_with('%')) {
        return complete_document(text, reading, 0);
    }
    let mut docs = Vec::new();
    for (first_line, chunk) in split_documents(text) {
        let at_file_line = |mut e: ParseError| {
            e.line += first_line;
            e
        };
        if fast && let Some(d) = super::fast::parse(chunk).map_err(at_file_line)? {
            docs.extend(d);
            continue;
        }
        docs.extend(complete_document(chunk, reading, first_line).map_err(at_file_line)?);
    }
    Ok(docs)
}

/// Refuses a character YAML does not allow in a stream (C0 and C1 controls but tab, line
/// feed, carriage return and NEL; DEL; U+FFFE and U+FFFF), as go-yaml's reader does
/// before anything is parsed, with its message. Found by fuzz/yaml_readers_agree: both
/// readers used to accept such text, with different trees.
fn check_printable(text: &str) -> Result<(), ParseError> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}')
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    };
    // ASCII text needs only a byte test; the char walk runs from the first other byte.
    let start = text
        .bytes()
        .position(|b| !(b == b'\t' || b == b'\n' || b == b'\r' || (0x20..0x7f).contains(&b)));
    let Some(start) = start else {
        return Ok(());
    };
    let Some((at, _)) = text[start..].char_indices().find(|&(_, c)| !allowed(c)) else {
        return Ok(());
    };
    let at = start + at;
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Err(ParseError {
        line,
        col,
        msg: "control characters are not allowed".to_string(),
    })
}

/// What both readers need first, as kustomize reads a stream: line breaks are `\n`
/// (kyaml turns `\r\n` into `\n` before parsing), and a byte-order mark may open the
/// stream and each document after a `---` line (kyaml decodes each document on its own,
/// and go-yaml drops a leading mark); anywhere else it is text. A last line of spaces
/// without a line break goes too: it holds no break for go-yaml to read, where both
/// readers took it for an empty line (a kept block scalar before it read one more).
fn normalize(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = without_unterminated_spaces(text);
    if !text.contains('\r') && !text.contains('\u{feff}') {
        return Cow::Borrowed(text);
    }
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    let mut after_marker = false;
    for line in text.split_inclusive('\n') {
        let line = match line.strip_prefix('\u{feff}') {
            Some(rest) if after_marker => rest,
            _ => line,
        };
        after_marker = line.starts_with("---") && is_marker_line(line);
        out.push_str(line);
    }
    Cow::Owned(out)
}

/// `text` without a last line of spaces alone that no line break ends.
pub(super) fn without_unterminated_spaces(text: &str) -> &str {
    let start = text.rfind('\n').map_or(0, |i| i + 1);
    if start < text.len() && text[start..].bytes().all(|b| b == b' ') {
        &text[..start]
    } else {
        text
    }
}

/// Whether a line (with or without its break) is a `---` or `...` line carrying nothing else.
fn is_marker_line(line: &str) -> bool {
    let l = line.trim_end_matches('\n');
    (l.starts_with("---") || l.starts_with("...")) && l[3..].trim_matches([' ', '\t']).is_empty()
}

/// Splits a stream at `---` / `...` lines that carry nothing else; each part comes with
/// the number of lines before it.
fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 0;
    let mut pos = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if is_marker_line(line) {
            out.push((start_line, &text[start..pos]));
            start = pos + line.len();
            start_line = n + 1;
        }
        pos += line.len();
    }
    out.push((start_line, &text[start..]));
    out
}

/// The fast path alone: None where it defers to the complete parser. For tests that hold
/// the two parsers to the same results.
pub fn parse_documents_fast(text: &str) -> Option<Vec<Node>> {
    super::fast::parse(&normalize(text)).ok().flatten()
}

/// The complete event parser alone (yaml-rust2 events, go-yaml v3 resolution), document
/// by document as the stream reader reads: a `---` or `...` line at column 0 ends a
/// document wherever it stands (YAML's c-forbidden), which yaml-rust2 misses inside a
/// top-level block scalar whose content starts at column 0 (found by
/// fuzz/yaml_readers_agree).
pub fn parse_documents_complete(text: &str) -> Result<Vec<Node>, ParseError> {
    read_documents(&normalize(text), &mut Reading::file_only(), false)
}

/// yaml-rust2's message for a quoted scalar whose continuation lines are indented less
/// than the block it sits in, which go-yaml accepts.
const UNDER_INDENTED_QUOTE: &str = "invalid indentation in quoted scalar";

/// yaml-rust2's message for a tab leading a continuation line of a quoted scalar left of
/// the block it sits in; go-yaml drops the blanks leading such a line, tabs included.
const TAB_INDENT: &str = "tab cannot be used as indentation";

/// yaml-rust2's message for a line right after a block scalar's header indented less
/// than the scalar and more than its parent, which it refuses even when the line is a
/// comment; go-yaml ends the scalar there and reads the comment.
const WRONG_BLOCK_INDENT: &str = "wrongly indented line in block scalar";

/// yaml-rust2's message for a `-` before a flow indicator, which it also gives for one
/// inside a plain scalar of a flow collection (`[ro -]`), where go-yaml reads "ro -".
const DASH_BEFORE_FLOW_INDICATOR: &str = "plain scalar cannot start with '-' followed by ,[]{}";

/// yaml-rust2's messages for a token inside a flow collection at or left of the block
/// indentation around it; go-yaml lets flow content sit in any column.
const FLOW_INDENT: &str = "invalid indentation";
const FLOW_PLAIN_INDENT: &str = "invalid indentation in flow construct";

/// A rewrite of the text at an error's line and column that go-yaml reads the same,
/// None where it does not apply.
type RereadFix = fn(&str, usize, usize) -> Option<String>;

/// yaml-rust2's refusals of what go-yaml reads, each with the rewrite that lets
/// yaml-rust2 read it as go-yaml does: a quoted scalar continued left of its block is
/// indented (folding drops the indentation); a blank line holding a tab is emptied (it
/// folds the same); a `-` inside a flow plain scalar is quoted with its scalar (the same
/// string); a line inside a flow collection is moved right (blanks leading it mean
/// nothing there); a comment left of a block scalar is moved to column 0 (still a comment
/// ending the scalar).
const REREAD_FIXES: [(&str, RereadFix); 6] = [
    (UNDER_INDENTED_QUOTE, indent_quoted),
    (TAB_INDENT, untab_quoted_line),
    (DASH_BEFORE_FLOW_INDICATOR, quote_flow_plain),
    (FLOW_INDENT, indent_flow_line),
    (FLOW_PLAIN_INDENT, indent_flow_line),
    (WRONG_BLOCK_INDENT, |text, line, _| {
        dedent_comment_line(text, line)
    }),
];

/// The complete parser on one document of normalized text. Where yaml-rust2 refuses
/// what go-yaml reads, the text is rewritten as [`REREAD_FIXES`] says and parsed again;
/// the re-reading is bounded by a multiple of the text's size, so it stays linear, and
/// past it the refusal stands. yaml-rust2 is given the text with go-yaml's lines
/// ([`GoLines`]), and the rewrites work on those lines. `text` starts after
/// `line_offset` lines of its file: the lines of errors are the text's (the caller adds
/// the offset), those named inside messages the file's.
fn complete_document(
    text: &str,
    reading: &mut Reading<'_>,
    line_offset: usize,
) -> Result<Vec<Node>, ParseError> {
    let mut rereads = text.len().saturating_mul(8).saturating_add(1 << 20);
    let mut text = Cow::Borrowed(text);
    let mut last = None;
    loop {
        // yaml-rust2 reads the text with go-yaml's lines (see yaml::breaks).
        let lines = GoLines::new(&text);
        let read = lines.as_ref().map_or(&*text, |l| l.text.as_str());
        match complete_once(read, &text, lines.as_ref(), reading, line_offset) {
            Err(e) if last != Some((e.line, e.col)) => {
                let Some(fix) = REREAD_FIXES
                    .iter()
                    .find(|(msg, _)| e.msg == *msg)
                    .map(|(_, fix)| fix)
                else {
                    return Err(e);
                };
                rereads = match rereads.checked_sub(text.len()) {
                    Some(r) => r,
                    None => return Err(e),
                };
                let fixed = fix(read, e.line, e.col);
                let fixed = match (&lines, fixed) {
                    (Some(l), Some(f)) => l.restore(&f),
                    (None, f) => f,
                    (_, None) => None,
                };
                let Some(fixed) = fixed else {
                    return Err(e);
                };
                last = Some((e.line, e.col));
                text = Cow::Owned(fixed);
            }
            r => return r,
        }
    }
}

/// The byte offset where line `line` (1-based) of `text` starts; None for line 0.
fn line_start(text: &str, line: usize) -> Option<usize> {
    Some(
        text.split_inclusive('\n')
            .take(line.checked_sub(1)?)
            .map(str::len)
            .sum(),
    )
}

/// The text with the tabs leading line `line` (1-based) turned into spaces, or the line
/// emptied when it holds only blanks, when a tab leads it; None otherwise. Folding drops
/// a quoted scalar's leading blanks and reads a blank line as empty, so the value stays.
fn untab_quoted_line(text: &str, line: usize, _col: usize) -> Option<String> {
    let start = line_start(text, line)?;
    let rest = text.get(start..)?;
    let body = rest.split('\n').next()?;
    let content = body.trim_start_matches([' ', '\t']);
    let lead = body.len() - content.len();
    if !body[..lead].contains('\t') {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    if !content.trim_end_matches([' ', '\t']).is_empty() {
        out.extend(std::iter::repeat_n(' ', lead));
        out.push_str(content);
    }
    out.push_str(&rest[body.len()..]);
    Some(out)
}

/// The text with the plain scalar of a flow collection that holds the `-` at `line`,
/// `col` (1-based) single-quoted, when that `-` follows a blank inside the scalar
/// (`[ro -]`, or `[n<LF> o -]` across lines: a dash that starts no scalar); None
/// otherwise. Single quotes fold lines as plain scalars do, so the value is unchanged.
fn quote_flow_plain(text: &str, line: usize, col: usize) -> Option<String> {
    let start = line_start(text, line)?;
    let body = text.get(start..)?.split('\n').next()?;
    let dash = start + body.char_indices().nth(col.checked_sub(1)?)?.0;
    if text.as_bytes().get(dash) != Some(&b'-') {
        return None;
    }
    // Back to the indicator that opens the scalar's place: a flow indicator, the `:` of
    // a flow mapping entry, or the end of a comment (which no scalar spans). A `"` above
    // the dash's line could close a quoted scalar, whose text would be taken for the
    // plain one's: the rewrite declines there.
    let bytes = text.as_bytes();
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let lone = !text[..dash].ends_with([' ', '\t']);
    let mut open = dash;
    loop {
        open = open.checked_sub(1)?;
        match bytes[open] {
            b'[' | b'{' | b',' => break,
            b']' | b'}' => return None,
            b'\n' => {
                let above = &text[text[..open].rfind('\n').map_or(0, |i| i + 1)..open];
                let comment = above
                    .as_bytes()
                    .iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'#' && (i == 0 || blank(above.as_bytes()[i - 1])));
                if comment {
                    break;
                }
            }
            b'"' if open < start => return None,
            b':' if matches!(
                bytes.get(open + 1),
                Some(b' ' | b'\t' | b'\n' | b'\r' | b',' | b'[' | b']' | b'{' | b'}')
            ) =>
            {
                break;
            }
            _ => {}
        }
    }
    // Past the blanks, and an anchor or a tag (or both) that the scalar carries.
    let skip_blanks = |at: usize| {
        let rest = &text[at..dash];
        at + rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len()
    };
    let mut from = skip_blanks(open + 1);
    for _ in 0..2 {
        if !text[from..dash].starts_with(['&', '!']) {
            break;
        }
        let token = text[from..dash].find([' ', '\t', '\r', '\n'])?;
        from = skip_blanks(from + token);
    }
    if from == dash {
        // A scalar of the dash alone (`[-]`), which go-yaml reads as "-".
        let mut out = String::with_capacity(text.len() + 2);
        out.push_str(&text[..dash]);
        out.push_str("'-'");
        out.push_str(&text[dash + 1..]);
        return Some(out);
    }
    if lone {
        return None;
    }
    let first = text[from..].chars().next()?;
    // Inside a plain scalar, `#` is text unless a blank comes before it and `:` unless
    // a blank or flow indicator comes after it.
    let inside = &text[from..dash];
    let indicator = inside.as_bytes().windows(2).any(|w| {
        (blank(w[0]) && w[1] == b'#') || (w[0] == b':' && (blank(w[1]) || b",[]{}".contains(&w[1])))
    });
    // A scalar may start with `-` before a character that could go on it (`-G`).
    let dash_first = first == '-'
        && from + 1 < dash
        && !blank(bytes[from + 1])
        && !b",[]{}".contains(&bytes[from + 1]);
    if inside.trim().is_empty() || ("'\"&*!|>%@`#?:-".contains(first) && !dash_first) || indicator {
        return None;
    }
    // Forward to the indicator that ends it, on this line.
    let line_end = start + body.len();
    let rest = &text[dash + 1..line_end];
    let end = dash + 1 + rest.find([',', ']', '}', '#', ':'])?;
    if text[dash + 1..end].contains(['[', '{']) {
        return None;
    }
    let scalar = text[from..end].trim_end_matches([' ', '\t']);
    let mut out = String::with_capacity(text.len() + 2 + scalar.len() / 8);
    out.push_str(&text[..from]);
    out.push('\'');
    out.push_str(&scalar.replace('\'', "''"));
    out.push('\'');
    out.push_str(&text[from + scalar.len()..]);
    Some(out)
}

/// The text with line `line` (1-based) moved right to one column past the last `[` or
/// `{` above it, when the error at `col` is the line's first token; None otherwise.
/// Every line between that bracket and this one passed the indentation check, so the
/// bracket sits right of the block indentation around the flow collection.
fn indent_flow_line(text: &str, line: usize, col: usize) -> Option<String> {
    let start = line_start(text, line)?;
    let body = text.get(start..)?.split('\n').next()?;
    let have = col.checked_sub(1)?;
    let first = body.char_indices().nth(have)?.0;
    if !body[..first].bytes().all(|b| b == b' ' || b == b'\t') {
        return None;
    }
    let above = &text[..start];
    let bracket = above.rfind(['[', '{'])?;
    let bracket_line = above[..bracket].rfind('\n').map_or(0, |i| i + 1);
    let want = above[bracket_line..bracket].chars().count() + 1;
    let more = want.checked_sub(have).filter(|&n| n > 0)?;
    let mut out = String::with_capacity(text.len() + more);
    out.push_str(above);
    out.extend(std::iter::repeat_n(' ', more));
    out.push_str(&text[start..]);
    Some(out)
}

/// The text with the blanks leading line `line` (1-based) removed, when that line is a
/// comment; None otherwise.
fn dedent_comment_line(text: &str, line: usize) -> Option<String> {
    let start = line_start(text, line)?;
    let rest = text.get(start..)?;
    let body = rest.split('\n').next()?;
    let comment = body.trim_start_matches([' ', '\t']);
    if !comment.starts_with('#') || comment.len() == body.len() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    out.push_str(&rest[body.len() - comment.len()..]);
    Some(out)
}

/// Indents the continuation lines of the quoted scalar whose opening quote is at `line`,
/// `col` (1-based) to the quote's column; None where no such scalar closes.
fn indent_quoted(text: &str, line: usize, col: usize) -> Option<String> {
    let start = line_start(text, line)?;
    let rest = &text[start..];
    let quote_at = rest.char_indices().nth(col.checked_sub(1)?)?.0;
    let quote = rest[quote_at..].chars().next()?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 256);
    out.push_str(&text[..start + quote_at + 1]);
    let body = &rest[quote_at + 1..];
    let mut it = body.char_indices().peekable();
    let mut copied = 0;
    while let Some((i, c)) = it.next() {
        match c {
            '\'' if quote == '\'' => {
                if it.peek().is_some_and(|&(_, n)| n == '\'') {
                    it.next();
                } else {
                    out.push_str(&body[copied..]);
                    return Some(out);
                }
            }
            '"' if quote == '"' => {
                out.push_str(&body[copied..]);
                return Some(out);
            }
            // An escaped line break is still a line break to indent after.
            '\\' if quote == '"' && it.peek().is_some_and(|&(_, n)| n != '\n') => {
                it.next();
            }
            '\n' => {
                out.push_str(&body[copied..=i]);
                copied = i + 1;
                let next = &body[copied..];
                let line_text = next.split('\n').next().unwrap_or("");
                if is_marker_line(line_text) {
                    return None;
                }
                let lead = line_text.bytes().take_while(|&b| b == b' ').count();
                // A blank line folds the same whatever leads it, but one holding a tab
                // left of the block's indentation is "tab as indentation" to yaml-rust2,
                // so it is indented too.
                let blank = line_text.trim_matches([' ', '\t']).is_empty();
                if (!blank || line_text.contains('\t')) && lead < col - 1 {
                    out.extend(std::iter::repeat_n(' ', col - 1 - lead));
                }
            }
            _ => {}
        }
    }
    None
}

/// go-yaml reads no line break after the last line of a text that ends without one,
/// where yaml-rust2 gives a block scalar reaching that line its final break: this says
/// which block scalars reach it.
pub(super) struct UnterminatedEnd {
    /// Per line (0-based), the least indentation of the non-blank lines from it to the
    /// end; empty where the text ends in a line break or in a blank line.
    least: Vec<usize>,
}

impl UnterminatedEnd {
    /// The lines of `text` (line feeds its only breaks).
    pub(super) fn new(text: &str) -> UnterminatedEnd {
        // A tab after the indentation is content.
        let blank = |l: &str| l.bytes().all(|b| b == b' ');
        let last = text.rsplit('\n').next().unwrap_or("");
        if text.ends_with('\n') || blank(last) {
            return UnterminatedEnd { least: Vec::new() };
        }
        let mut least: Vec<usize> = text
            .split('\n')
            .map(|l| {
                if blank(l) {
                    usize::MAX
                } else {
                    l.len() - l.trim_start_matches(' ').len()
                }
            })
            .collect();
        for i in (0..least.len().saturating_sub(1)).rev() {
            least[i] = least[i].min(least[i + 1]);
        }
        UnterminatedEnd { least }
    }

    /// `value`, yaml-rust2's reading of the block scalar whose content starts at line
    /// `line` (0-based), indented `indent`, without the final break go-yaml does not
    /// read when the scalar runs to such an end.
    pub(super) fn trim(&self, mut value: String, line: usize, indent: usize) -> String {
        let reaches = self
            .least
            .get(line)
            .is_some_and(|&m| m >= indent && indent > 0);
        if reaches && value.ends_with('\n') && value.bytes().any(|b| b != b'\n') {
            value.pop();
        }
        value
    }
}

fn complete_once(
    text: &str,
    original: &str,
    lines: Option<&GoLines>,
    reading: &mut Reading<'_>,
    line_offset: usize,
) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        text,
        original,
        lines,
        folded_from: None,
        unterminated: UnterminatedEnd::new(text),
        line_offset,
        line_starts: Vec::new(),
        cursor: (0, 0, 0),
        anchors: HashMap::new(),
        file_left: reading.file_left,
        last_key_wins: reading.last_key_wins,
        depth: 0,
        deepest: 0,
    };
    let mut docs = Vec::new();
    loop {
        let (ev, mark) = b.next(&mut parser)?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart => {
                b.anchors.clear();
                let (ev, mark) = b.next(&mut parser)?;
                if matches!(ev, Event::DocumentEnd) {
                    docs.push(Node::null());
                    continue;
                }
                docs.push(b.node(&mut parser, ev, mark)?);
            }
            other => {
                return Err(err(mark, format!("unexpected event {other:?}")));
            }
        }
    }
    // The build's share is taken once the file's part is read, so a text parsed again
    // (see `complete`) is not charged twice.
    let used = reading.file_left - b.file_left;
    if let Some(build) = reading.build
        && used > 0
        && !build.take(used)
    {
        return Err(ParseError {
            line: 1,
            col: 1,
            msg: build_alias_message(),
        });
    }
    reading.file_left = b.file_left;
    Ok(docs)
}

/// Parses a single-document YAML text (such as a kustomization file or a patch).
pub fn parse_one(text: &str) -> Result<Node, ParseError> {
    let docs = parse_documents(text)?;
    Ok(docs
        .into_iter()
        .find(|d| !d.is_null())
        .unwrap_or_else(Node::null))
}

fn next(p: &mut Parser<std::str::Chars<'_>>) -> Result<(Event, Marker), ParseError> {
    p.next_token().map_err(|e| ParseError {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        msg: match e.info() {
            "recursion limit exceeded" => flow_depth_message(),
            info => info.to_string(),
        },
    })
}

fn err(mark: Marker, msg: String) -> ParseError {
    ParseError {
        line: mark.line(),
        col: mark.col() + 1,
        msg,
    }
}

struct Builder<'t> {
    /// The text parsed, for the few places where yaml-rust2's events lose what go-yaml
    /// reads (see [`Builder::block_header_keeps`]).
    text: &'t str,
    /// The text as written, and its lines where they end in other breaks than line
    /// feeds (then `text` is [`GoLines::text`]), for values read again.
    original: &'t str,
    lines: Option<&'t GoLines>,
    /// The line (0-based) where a plain or folded scalar that spans lines began, until
    /// the next event shows where it ended.
    folded_from: Option<usize>,
    /// Block scalars that run to the end of a text without a final line break.
    unterminated: UnterminatedEnd,
    /// Lines of the file before `text` (for line numbers inside messages).
    line_offset: usize,
    /// Byte offsets of the text's lines, computed the first time they are needed.
    line_starts: Vec<usize>,
    /// The last mark [`Builder::byte_at`] placed: (line, column, byte offset).
    cursor: (usize, usize, usize),
    /// Anchored nodes with their depth.
    anchors: HashMap<usize, (Node, usize)>,
    /// What aliases may still expand to in this file.
    file_left: usize,
    /// See [`Reading::last_key_wins`].
    last_key_wins: bool,
    /// How many collections enclose the node being built.
    depth: usize,
    /// The deepest level reached inside the collections being built.
    deepest: usize,
}

impl<'t> Builder<'t> {
    /// Whether the block scalar whose indicator (`|` or `>`) is at `mark` keeps its
    /// trailing line breaks (`+`). yaml-rust2 gives one line break for a block scalar of
    /// blank lines alone under an indentation indicator (`|2`), where go-yaml (clip or
    /// strip: no content, so no break) gives the empty string. None where the indicator
    /// is not found at `mark`.
    fn block_header_keeps(&mut self, mark: Marker) -> Option<bool> {
        self.index_lines();
        let (_, line) = self.line(mark.line().checked_sub(1)?)?;
        let header = line.chars().skip(mark.col()).collect::<String>();
        let rest = header.strip_prefix(['|', '>'])?;
        let indicators: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
            .collect();
        Some(indicators.contains('+'))
    }

    /// The byte offset of the character at `mark`, from its line and column: yaml-rust2's
    /// character index runs ahead after non-ASCII text inside a block scalar, its line
    /// and column do not (found by fuzz/print_parse_roundtrip).
    /// Marks come in text order, so the walk along a line goes on from the last mark on
    /// it (`cursor`): many scalars on one long line cost one walk of it, not one each.
    fn byte_at(&mut self, mark: Marker) -> Result<usize, ParseError> {
        self.index_lines();
        let outside = || err(mark, "a mark outside the text".into());
        let n = mark.line().checked_sub(1).ok_or_else(outside)?;
        let (start, line) = self.line(n).ok_or_else(outside)?;
        let (mut col, mut at) = match self.cursor {
            (l, c, b) if l == n && c <= mark.col() => (c, b),
            _ => (0, start),
        };
        let mut chars = line[at - start..].chars();
        while col < mark.col() {
            at += chars.next().ok_or_else(outside)?.len_utf8();
            col += 1;
        }
        self.cursor = (n, col, at);
        Ok(at)
    }

    /// Fills `line_starts` the first time it is needed.
    fn index_lines(&mut self) {
        if self.line_starts.is_empty() {
            self.line_starts.push(0);
            self.line_starts
                .extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
        }
    }

    /// Where line `n` (0-based) of the text starts, and its text without its break.
    /// Needs `line_starts` ([`Self::index_lines`]).
    fn line(&self, n: usize) -> Option<(usize, &'t str)> {
        let text: &'t str = self.text;
        let start = *self.line_starts.get(n)?;
        // Where the next line starts, not a search for its break: many marks on one long
        // line would search it once each.
        let end = self.line_starts.get(n + 1).map_or(text.len(), |&e| e - 1);
        Some((start, text.get(start..end)?))
    }

    /// The next event. A plain or folded scalar that spans lines ended before it: go-yaml
    /// folds an LS or PS its lines end in into the value, which yaml-rust2 (reading a line
    /// feed) folds into a space, so one there is refused.
    fn next(&mut self, p: &mut Parser<std::str::Chars<'_>>) -> Result<(Event, Marker), ParseError> {
        let (ev, mark) = next(p)?;
        if let (Some(from), Some(lines)) = (self.folded_from.take(), self.lines) {
            let to = mark.line().saturating_sub(1);
            if let Some((line, c)) = lines.kept_end_in(from..to) {
                self.index_lines();
                let col = self.line(line).map_or(0, |(_, l)| l.chars().count());
                return Err(ParseError {
                    line: line + 1,
                    col: col + 1,
                    msg: super::breaks::unread_break_message(c),
                });
            }
        }
        Ok((ev, mark))
    }

    /// The byte offset in the text as written of the character at `mark`.
    fn original_at(&mut self, mark: Marker) -> Result<usize, ParseError> {
        let at = self.byte_at(mark)?;
        let line = mark.line().saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        self.lines
            .and_then(|l| l.original_offset(line, at - start))
            .ok_or_else(|| err(mark, "a mark outside the text".into()))
    }

    /// Whether the line holding `mark` is the text's last line ending in a line break,
    /// with nothing but blanks after it. Needs `line_starts` ([`Self::block_header_keeps`]).
    fn header_line_ends_text(&self, mark: Marker) -> bool {
        self.line_starts
            .get(mark.line())
            .and_then(|&next| self.text.get(next..))
            .is_some_and(|rest| !rest.contains('\n'))
    }

    /// A scalar's value as go-yaml reads it where the text's lines end in other breaks
    /// than line feeds, from yaml-rust2's `value` (see yaml::breaks).
    fn as_go_yaml_reads(
        &mut self,
        lines: &GoLines,
        value: String,
        style: TScalarStyle,
        mark: Marker,
    ) -> Result<String, ParseError> {
        let line = mark.line().saturating_sub(1);
        match style {
            TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
                let at = self.original_at(mark)?;
                let (v, _) = super::breaks::quoted(self.original, at).map_err(|m| err(mark, m))?;
                Ok(v)
            }
            // The value's line feeds are its lines' ends in order, from the first line
            // after the header (yaml-rust2's mark is at the first content line, after
            // the leading empty lines, one line feed each).
            TScalarStyle::Literal => {
                let empty = value.len() - value.trim_start_matches('\n').len();
                let Some(first) = line.checked_sub(empty) else {
                    return Ok(value);
                };
                let mut out = String::with_capacity(value.len());
                let mut at = first;
                for c in value.chars() {
                    if c == '\n' {
                        out.push(lines.kept_end(at).unwrap_or('\n'));
                        at += 1;
                    } else {
                        out.push(c);
                    }
                }
                Ok(out)
            }
            TScalarStyle::Folded => {
                let empty = value.len() - value.trim_start_matches('\n').len();
                let first = line.saturating_sub(empty);
                match self.folded_as_go_yaml_folds(lines, &value, first, line, mark.col()) {
                    Some(v) => Ok(v),
                    None => {
                        self.folded_from = Some(first);
                        Ok(value)
                    }
                }
            }
            _ => {
                // A plain scalar on one line is its text there. One spanning lines is read
                // again with go-yaml's folding; where its lines do not give yaml-rust2's
                // value back, it is checked when the next event shows where it ended.
                // (A fold always changes the text, so a value equal to the text there is
                // on one line; comparing only its own length keeps this linear.)
                let at = self.byte_at(mark)?;
                if !value.contains('\n') && self.text.get(at..at + value.len()) == Some(&value) {
                    return Ok(value);
                }
                match self.plain_as_go_yaml_folds(lines, &value, at, line) {
                    Some(v) => Ok(v),
                    None => {
                        self.folded_from = Some(line);
                        Ok(value)
                    }
                }
            }
        }
    }

    /// The folded block scalar whose lines start at line `first` (0-based) and whose
    /// content starts at line `content`, indented `indent`, that yaml-rust2 read as
    /// `value`, folded as go-yaml folds it: a line ending in LS or PS is not folded, and
    /// keeps that break and those of the empty lines after it. The lines are folded
    /// twice, once with every break a line feed, which must give `value` back (and tells
    /// the chomping), and once with the breaks written; None where it does not.
    fn folded_as_go_yaml_folds(
        &mut self,
        lines: &GoLines,
        value: &str,
        first: usize,
        content: usize,
        indent: usize,
    ) -> Option<String> {
        if indent == 0 {
            return None;
        }
        self.index_lines();
        let line_text = |n: usize| self.line(n).map(|(_, l)| l);
        let prefix = " ".repeat(indent);
        // go-yaml's loop over the block's lines, for both readings at once: [read, go].
        let mut out = [String::new(), String::new()];
        let mut trailing = [String::new(), String::new()];
        let mut leading: Option<[char; 2]> = None;
        let mut leading_blank = false;
        let end_of = |n: usize| ['\n', lines.kept_end(n).unwrap_or('\n')];
        for n in first..content {
            let [a, b] = end_of(n);
            trailing[0].push(a);
            trailing[1].push(b);
        }
        let mut n = content;
        while let Some(l) = line_text(n).and_then(|l| l.strip_prefix(prefix.as_str())) {
            let trailing_blank = l.starts_with([' ', '\t']);
            for k in 0..2 {
                if leading.is_some_and(|b| b[k] == '\n') && !leading_blank && !trailing_blank {
                    if trailing[k].is_empty() {
                        out[k].push(' ');
                    }
                } else {
                    out[k].extend(leading.map(|b| b[k]));
                }
                out[k].push_str(&trailing[k]);
                trailing[k].clear();
                out[k].push_str(l);
            }
            leading_blank = trailing_blank;
            // The last line of a text without a final break ends in none.
            let ends = |n: usize| n + 1 < self.line_starts.len();
            leading = ends(n).then(|| end_of(n));
            n += 1;
            // Empty lines: blanks up to the indentation, then the break.
            while line_text(n).is_some_and(|e| e.len() <= indent && e.bytes().all(|b| b == b' '))
                && ends(n)
            {
                let [a, b] = end_of(n);
                trailing[0].push(a);
                trailing[1].push(b);
                n += 1;
            }
        }
        // The chomping that gives yaml-rust2's value: strip, clip, keep.
        let chomped = |k: usize, how: u8| {
            let mut v = out[k].clone();
            if how >= 1 {
                v.extend(leading.map(|b| b[k]));
            }
            if how == 2 {
                v.push_str(&trailing[k]);
            }
            v
        };
        let how = (0..3).find(|&h| chomped(0, h) == value)?;
        Some(chomped(1, how))
    }

    /// The plain scalar starting at byte `at` of line `line` (0-based) of the text that
    /// yaml-rust2 read as `value` across lines, folded as go-yaml folds it: at a line that
    /// ended in LS or PS, that break and those of the empty lines after it stay, where
    /// yaml-rust2 reads a space or line feeds. None where the lines from `at` on do not
    /// fold into `value` (then it is not known where the scalar ends).
    fn plain_as_go_yaml_folds(
        &mut self,
        lines: &GoLines,
        value: &str,
        at: usize,
        line: usize,
    ) -> Option<String> {
        self.index_lines();
        let line_text = |n: usize| self.line(n).map(|(_, l)| l);
        let first = self.text[at..]
            .split('\n')
            .next()?
            .trim_end_matches([' ', '\t']);
        let mut rest = value.strip_prefix(first)?;
        let mut go = first.to_string();
        let mut n = line;
        loop {
            // The line break leaving line `n`, and those of the empty lines after it.
            let leading = lines.kept_end(n);
            let mut trailing = String::new();
            n += 1;
            let content = loop {
                let l = line_text(n)?.trim_matches([' ', '\t']);
                if !l.is_empty() {
                    break l;
                }
                trailing.push(lines.kept_end(n).unwrap_or('\n'));
                n += 1;
            };
            let empty = trailing.chars().count();
            rest = if empty == 0 {
                rest.strip_prefix(' ')?
            } else {
                rest.strip_prefix("\n".repeat(empty).as_str())?
            };
            match leading {
                Some(b) => {
                    go.push(b);
                    go.push_str(&trailing);
                }
                None if empty == 0 => go.push(' '),
                None => go.push_str(&trailing),
            }
            // The scalar ends on this line (at its end, or before a flow indicator or a
            // comment), or goes on to the next.
            if !rest.is_empty() && content.starts_with(rest) {
                go.push_str(rest);
                return Some(go);
            }
            rest = rest.strip_prefix(content)?;
            go.push_str(content);
        }
    }

    fn node(
        &mut self,
        p: &mut Parser<std::str::Chars<'_>>,
        ev: Event,
        mark: Marker,
    ) -> Result<Node, ParseError> {
        match ev {
            Event::Scalar(mut value, style, anchor, tag) => {
                if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded)
                    && !value.is_empty()
                    && value.bytes().all(|b| b == b'\n')
                {
                    match self.block_header_keeps(mark) {
                        Some(false) => value.clear(),
                        // A kept scalar with nothing after its header line but the end
                        // of the text: yaml-rust2 keeps the header's line break, go-yaml
                        // has no line to keep (found by fuzz/yaml_readers_agree).
                        Some(true) if value == "\n" && self.header_line_ends_text(mark) => {
                            value.clear();
                        }
                        _ => {}
                    }
                }
                if matches!(style, TScalarStyle::Literal | TScalarStyle::Folded) {
                    let line = mark.line().saturating_sub(1);
                    value = self.unterminated.trim(value, line, mark.col());
                }
                if let Some(lines) = self.lines {
                    value = self.as_go_yaml_reads(lines, value, style, mark)?;
                }
                let node =
                    Node::Scalar(scalar(value, style, tag.as_ref()).map_err(|m| err(mark, m))?);
                self.remember(anchor, &node, 0);
                Ok(node)
            }
            Event::Alias(id) => {
                let (node, depth) = self
                    .anchors
                    .get(&id)
                    .ok_or_else(|| err(mark, "unknown anchor".into()))?;
                if self.depth + depth > MAX_DEPTH {
                    return Err(err(mark, depth_message()));
                }
                self.deepest = self.deepest.max(self.depth + depth);
                self.file_left = self
                    .file_left
                    .checked_sub(size(node))
                    .ok_or_else(|| err(mark, alias_message()))?;
                Ok(node.clone())
            }
            Event::SequenceStart(anchor, _) => {
                let outer = self.enter(mark)?;
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next(p)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(p, ev, m)?);
                }
                let node = Node::Seq(items);
                let depth = self.leave(outer);
                self.remember(anchor, &node, depth);
                Ok(node)
            }
            Event::MappingStart(anchor, _) => {
                let outer = self.enter(mark)?;
                let node = self.mapping(p, mark)?;
                let depth = self.leave(outer);
                self.remember(anchor, &node, depth);
                Ok(node)
            }
            other => Err(err(mark, format!("unexpected event {other:?}"))),
        }
    }

    /// Opens a collection, refusing one nested deeper than [`MAX_DEPTH`]; returns the
    /// deepest level seen so far, for [`Builder::leave`].
    fn enter(&mut self, mark: Marker) -> Result<usize, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(err(mark, depth_message()));
        }
        let outer = self.deepest;
        self.depth += 1;
        self.deepest = self.depth;
        Ok(outer)
    }

    /// Closes a collection; returns its own depth (an alias of it nests that deep).
    fn leave(&mut self, outer: usize) -> usize {
        let depth = self.deepest - self.depth + 1;
        self.depth -= 1;
        self.deepest = self.deepest.max(outer);
        depth
    }

    fn mapping(
        &mut self,
        p: &mut Parser<std::str::Chars<'_>>,
        start: Marker,
    ) -> Result<Node, ParseError> {
        let mut map = Map::new();
        let mut lines: HashMap<String, usize> = HashMap::new();
        let mut merges: Vec<Node> = Vec::new();
        loop {
            let (ev, kmark) = self.next(p)?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let key_node = self.node(p, ev, kmark)?;
            let (vev, vmark) = self.next(p)?;
            let value = self.node(p, vev, vmark)?;
            let key = match key_node {
                Node::Scalar(s) => s,
                other => {
                    return Err(err(
                        kmark,
                        format!("a {} cannot be a mapping key", other.kind_name()),
                    ));
                }
            };
            if key.value == "<<" && key.tag == Tag::Str && is_merge_source(&value) {
                merges.push(value);
                continue;
            }
            if let Some(first) = lines.get(&key.value)
                && !self.last_key_wins
            {
                return Err(err(
                    kmark,
                    format!(
                        "mapping key {:?} already defined at line {}",
                        key.value,
                        first + self.line_offset
                    ),
                ));
            }
            lines.insert(key.value.clone(), kmark.line());
            map.insert(key.value, value);
        }
        // Explicit keys win over merged ones; among merged maps the first one wins.
        for m in merges {
            let sources = match m {
                Node::Map(one) => vec![one],
                Node::Seq(items) => items
                    .into_iter()
                    .filter_map(|n| match n {
                        Node::Map(x) => Some(x),
                        _ => None,
                    })
                    .collect(),
                _ => return Err(err(start, "map merge requires a mapping".into())),
            };
            for src in sources {
                for (k, v) in src {
                    map.entry(k).or_insert(v);
                }
            }
        }
        Ok(Node::Map(map))
    }

    fn remember(&mut self, anchor: usize, node: &Node, depth: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), depth));
        }
    }
}

fn is_merge_source(v: &Node) -> bool {
    match v {
        Node::Map(_) => true,
        Node::Seq(items) => items.iter().all(|i| matches!(i, Node::Map(_))),
        _ => false,
    }
}

fn size(n: &Node) -> usize {
    match n {
        Node::Scalar(_) => 1,
        Node::Seq(s) => 1 + s.iter().map(size).sum::<usize>(),
        Node::Map(m) => 1 + m.values().map(size).sum::<usize>(),
    }
}

fn scalar(value: String, style: TScalarStyle, tag: Option<&YTag>) -> Result<Scalar, String> {
    let written = if style == TScalarStyle::Plain {
        Style::Plain
    } else {
        Style::Quoted
    };
    let with_style = |tag: Tag, value: String| Scalar {
        tag,
        value,
        style: written,
    };
    if let Some(t) = tag {
        // `!!x`, and the verbatim `!<tag:yaml.org,2002:x>`, however the tokenizer splits it.
        let core = if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
            Some(t.suffix.as_str())
        } else if t.handle.is_empty() || t.handle == "!" {
            t.suffix.strip_prefix("tag:yaml.org,2002:")
        } else {
            None
        };
        if let Some(suffix) = core {
            let tag = match suffix {
                "str" => Some(Tag::Str),
                // go-yaml reads `!!binary` as the string its base64 decodes to.
                "binary" => return Ok(with_style(Tag::Str, decode_binary(&value)?)),
                "int" => Some(Tag::Int),
                "float" => Some(Tag::Float),
                "bool" => Some(Tag::Bool),
                "null" => Some(Tag::Null),
                "timestamp" => Some(Tag::Timestamp),
                _ => None,
            };
            // An explicit `!!str` reads as a string under any YAML version's rules,
            // as a quoted scalar does (the YAML 1.1 check of kustomization files).
            if tag == Some(Tag::Str) {
                return Ok(Scalar {
                    tag: Tag::Str,
                    value,
                    style: Style::Quoted,
                });
            }
            if let Some(tag) = tag {
                return Ok(with_style(tag, value));
            }
        } else if t.handle == "!" && t.suffix.is_empty() {
            return Ok(with_style(Tag::Str, value));
        }
    }
    let tag = match style {
        TScalarStyle::Plain => resolve_plain(&value),
        _ => Tag::Str,
    };
    Ok(with_style(tag, value))
}

/// Decodes a `!!binary` value as Go's `base64.StdEncoding` does (padding required, line
/// breaks skipped), and the bytes as Go's JSON encoder makes text of them: each byte of
/// an invalid UTF-8 sequence becomes U+FFFD.
fn decode_binary(text: &str) -> Result<String, String> {
    let invalid = || "!!binary value contains invalid base64 data".to_string();
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let chars: Vec<u8> = text.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    if !chars.len().is_multiple_of(4) {
        return Err(invalid());
    }
    let mut bytes = Vec::with_capacity(chars.len() / 4 * 3);
    let quads = chars.len() / 4;
    for (k, q) in chars.chunks_exact(4).enumerate() {
        let pad = q.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && k + 1 != quads) {
            return Err(invalid());
        }
        let mut n = 0u32;
        for &c in &q[..4 - pad] {
            n = n << 6 | u32::from(sextet(c).ok_or_else(invalid)?);
        }
        n <<= 6 * pad as u32;
        let three = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        bytes.extend_from_slice(&three[..3 - pad]);
    }
    let mut out = String::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return Ok(out);
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                out.extend(std::iter::repeat_n('\u{fffd}', n));
                rest = &bad[n..];
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn control_characters_are_refused_with_their_position() {
        for (text, line, col) in [
            ("a: \"x\u{1}y\"\n", 1, 6),
            ("a: 1\nb: \u{7f}\n", 2, 4),
            ("\u{0}:\n", 1, 1),
            ("a: \u{e9}\u{9f}\n", 1, 5),
            ("a: \u{ffff}\n", 1, 4),
        ] {
            let e = parse_documents(text).err();
            assert_eq!(
                e.map(|e| (e.line, e.col, e.msg)),
                Some((line, col, "control characters are not allowed".to_string())),
                "{text:?}"
            );
        }
        for ok in [
            "a: \"tab\there\"\r\n",
            "a: \u{e9}\u{a0}\u{10000}\n",
            "a: x\u{85}\n",
        ] {
            assert!(check_printable(ok).is_ok(), "{ok:?}");
        }
    }
    use super::*;

    #[test]
    fn resolves_and_keeps_spelling() {
        let n = parse_one("a: 0777\nb: '1'\nc: ~\nd: |\n  x\n").unwrap_or_default();
        let a = n.get("a").and_then(Node::as_scalar).cloned();
        assert_eq!(a, Some(Scalar::new(Tag::Int, "0777")));
        assert_eq!(n.get("b").and_then(Node::as_string), Some("1"));
        assert!(n.get("c").is_some_and(Node::is_null));
        assert_eq!(n.get("d").and_then(Node::as_string), Some("x\n"));
    }

    #[test]
    fn duplicate_keys_are_refused_with_both_lines() {
        let e = parse_documents("a: 1\nb: 2\na: 3\n").err();
        assert_eq!(
            e.map(|e| (e.line, e.msg)),
            Some((3, "mapping key \"a\" already defined at line 1".into()))
        );
    }

    #[test]
    fn merge_keys_and_aliases() {
        let n = parse_one("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n").unwrap_or_default();
        assert_eq!(n.str_at(&["c", "x"]), Some("1"));
        assert_eq!(n.str_at(&["c", "y"]), Some("3"));
    }

    #[test]
    fn documents_bom_and_crlf() {
        let docs = parse_documents("\u{feff}a: 1\r\n---\r\nb: 2\r\n---\n").unwrap_or_default();
        assert_eq!(docs.iter().filter(|d| !d.is_null()).count(), 2);
        assert_eq!(docs[1].str_at(&["b"]), Some("2"));
    }

    /// Runs `f` on a thread with the build threads' stack, as the binary does.
    fn on_build_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(crate::par::STACK_BYTES)
                .spawn_scoped(s, f)
                .and_then(|h| h.join().map_err(|_| std::io::Error::other("panicked")))
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `a:` holding `n` nested flow sequences: depth n + 1.
    fn flow_nest(n: usize) -> String {
        format!("a: {}{}\n", "[".repeat(n), "]".repeat(n))
    }

    /// `n` nested compact block sequences (`- - - x`): depth n.
    fn block_nest(n: usize, leaf: &str) -> String {
        format!("{}{leaf}\n", "- ".repeat(n))
    }

    #[test]
    fn depth_at_the_limit_is_read_and_one_more_is_refused_with_its_line() {
        on_build_stack(|| {
            for (text, reader) in [
                (flow_nest(MAX_DEPTH - 1), "fast flow"),
                (block_nest(MAX_DEPTH, "x"), "fast block"),
            ] {
                let docs = parse_documents(&format!("k: v\n---\n{text}"));
                assert!(docs.is_ok(), "{reader}: {docs:?}");
                let printed = docs.ok().and_then(|d| super::super::emit(&d[1]).ok());
                assert!(printed.is_some_and(|p| p.len() > MAX_DEPTH), "{reader}");
            }
            // An anchor sends the document to the complete parser.
            let complete = parse_documents(&block_nest(MAX_DEPTH, "&x y"));
            assert!(complete.is_ok(), "{complete:?}");
            for (text, line, col) in [
                (flow_nest(MAX_DEPTH), 3, 4 + MAX_DEPTH - 1),
                (block_nest(MAX_DEPTH + 1, "x"), 3, 2 * MAX_DEPTH + 1),
            ] {
                let e = parse_documents(&format!("k: v\n---\n{text}")).err();
                assert!(e.as_ref().is_some_and(ParseError::is_too_deep), "{e:?}");
                assert_eq!(e.map(|e| (e.line, e.col)), Some((line, col)));
            }
            let e = parse_documents_complete(&block_nest(MAX_DEPTH + 1, "x")).err();
            assert!(
                e.as_ref().is_some_and(|e| e.is_too_deep() && e.line == 1),
                "{e:?}"
            );
        });
    }

    #[test]
    fn an_alias_may_not_nest_past_the_limit() {
        on_build_stack(|| {
            let text = |k: usize| format!("a: &x\n{}b:\n- *x\n", block_nest(k, "y"));
            assert!(parse_documents(&text(MAX_DEPTH - 2)).is_ok());
            let e = parse_documents(&text(MAX_DEPTH - 1)).err();
            assert!(
                e.as_ref().is_some_and(|e| e.is_too_deep() && e.line == 4),
                "{e:?}"
            );
        });
    }

    #[test]
    fn typed_configs_are_checked_for_depth_first() {
        let deep = format!(
            "resources: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let e = on_build_stack(|| check_depth(&deep).err());
        assert!(e.is_some_and(|e| e.is_too_deep() && e.line == 1));
        assert!(check_depth("resources: [a.yaml]\n").is_ok());
        // Other errors are the typed reader's to report.
        assert!(check_depth("a: [\n").is_ok());
    }

    /// A document whose aliases expand to `n` times ten to the `levels` nodes.
    fn alias_bomb(levels: usize) -> String {
        let mut doc = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..=levels {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            doc.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        doc
    }

    #[test]
    fn alias_expansion_is_bounded_per_file_not_per_document() {
        // One document expands to about 123,000 nodes: fine alone, but 16 of them in one
        // file (a 2 KB text) are refused.
        let doc = alias_bomb(4);
        assert!(parse_documents(&doc).is_ok());
        let file = [doc.as_str(); 16].join("---\n");
        let e = parse_documents(&file).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.msg.contains("expanding aliases")),
            "{e:?}"
        );
        // Each document on its own passes: the refusal is the file's sum.
        assert!(parse_documents(&[doc.as_str(); 8].join("---\n")).is_ok());
    }

    #[test]
    fn alias_expansion_is_bounded_per_build() {
        let doc = alias_bomb(4);
        let build = AliasBudget::new(300_000);
        assert!(parse_documents_in(&doc, &build).is_ok());
        assert!(parse_documents_in(&doc, &build).is_ok());
        let e = parse_documents_in(&doc, &build).err();
        assert!(e.is_some_and(|e| e.msg.contains("build's aliases")));
        // Files without aliases cost nothing.
        assert!(parse_documents_in("a: 1\n", &build).is_ok());
    }

    #[test]
    fn a_byte_order_mark_may_open_each_document() {
        for text in [
            "a: 1\n---\n\u{feff}b: 2\n",
            "a: 1\n---\n\u{feff}\nb: 2\n",
            "a: 1\r\n---\r\n\u{feff}b: 2\r\n",
            "a: &x 1\n---\n\u{feff}b: 2\n",
        ] {
            let docs = parse_documents(text).unwrap_or_default();
            assert_eq!(
                docs.get(1).and_then(|d| d.str_at(&["b"])),
                Some("2"),
                "{text:?}"
            );
        }
        // Anywhere else it is text, as in go-yaml.
        let n = parse_one("a:\n  \u{feff}k: v\n").unwrap_or_default();
        assert_eq!(n.str_at(&["a", "\u{feff}k"]), Some("v"));
        let n = parse_one("x: 1\n\u{feff}kind: A\n").unwrap_or_default();
        assert!(n.get("kind").is_none() && n.get("\u{feff}kind").is_some());
    }

    #[test]
    fn binary_scalars_read_as_the_text_they_encode() {
        let n = parse_one(concat!(
            "k: !!binary aGVsbG8=\n",
            "n: !!binary MTIz\n",
            "e: !!binary ''\n",
            "l: !!binary |\n  aGVs\n  bG8=\n",
            "f: !<tag:yaml.org,2002:binary> aGVsbG8=\n",
            "u: !!binary 4oJB\n",
            "local: !binary aGVsbG8=\n",
        ))
        .unwrap_or_default();
        let s = |k: &str| n.get(k).and_then(Node::as_string);
        assert_eq!(s("k"), Some("hello"));
        assert_eq!(s("n"), Some("123"));
        assert_eq!(s("e"), Some(""));
        assert_eq!(s("l"), Some("hello"));
        assert_eq!(s("f"), Some("hello"));
        // Each byte of an invalid UTF-8 sequence becomes U+FFFD, as Go's JSON makes it.
        assert_eq!(s("u"), Some("\u{fffd}\u{fffd}A"));
        assert_eq!(s("local"), Some("aGVsbG8="));
        for bad in ["aGVsbG8", "'aGVs bG8='", "_w==", "12", "a==="] {
            let e = parse_documents(&format!("a: 1\nk: !!binary {bad}\n")).err();
            assert_eq!(
                e.map(|e| (e.line, e.msg)),
                Some((2, "!!binary value contains invalid base64 data".into())),
                "{bad}"
            );
        }
    }

    #[test]
    fn quoted_scalars_continue_at_any_indentation_in_both_readers() {
        for (text, want) in [
            ("a:\n  k: 'first\n  second'\n  j: v\n", "first second"),
            ("a:\n  k: \"first\n  second\"\n  j: v\n", "first second"),
            ("a:\n  k: 'first\nsecond'\n  j: v\n", "first second"),
            ("a:\n  k: \"first\n second\"\n  j: v\n", "first second"),
            ("a:\n  k: 'it''s\n\n  two'\n  j: v\n", "it's\ntwo"),
            ("a:\n  k: \"x\\\n  y\"\n  j: v\n", "xy"),
        ] {
            let fast = parse_documents_fast(text);
            let complete = parse_documents_complete(text).ok();
            assert_eq!(fast, complete, "{text:?}");
            let n = complete
                .and_then(|d| d.into_iter().next())
                .unwrap_or_default();
            assert_eq!(n.str_at(&["a", "k"]), Some(want), "{text:?}");
            assert_eq!(n.str_at(&["a", "j"]), Some("v"), "{text:?}");
        }
        let n = parse_one("a:\n- 'first\nsecond'\n- b\n").unwrap_or_default();
        assert_eq!(
            n.get("a"),
            Some(&Node::Seq(vec![Node::str("first second"), Node::str("b")]))
        );
        // In flow, and next to an anchor (the complete parser's documents).
        let n = parse_one("x: &x 1\na:\n  k: ['first\nsecond', b]\n  j: 'one\n  two'\n")
            .unwrap_or_default();
        assert_eq!(n.str_at(&["a", "j"]), Some("one two"));
        assert_eq!(
            n.get_path(&["a", "k"]),
            Some(&Node::Seq(vec![Node::str("first second"), Node::str("b")]))
        );
        // A blank continuation line holding a tab, left of the block (found by
        // fuzz/yaml_readers_agree): go-yaml folds it as any blank line.
        let text = "a:\n  k: 'one\nx\n\t\n{\n\t\n  two'\n  j: v\n";
        let n = parse_one(text).unwrap_or_default();
        assert_eq!(n.str_at(&["a", "k"]), Some("one x\n{\ntwo"), "{text:?}");
        assert_eq!(
            parse_documents_fast(text),
            parse_documents_complete(text).ok()
        );
        // The same at column 0, under a top-level key.
        let text = "k: 'one\n\t\ntwo'\nj: v\n";
        let n = parse_one(text).unwrap_or_default();
        assert_eq!(n.str_at(&["k"]), Some("one\ntwo"), "{text:?}");
        assert_eq!(
            parse_documents_fast(text),
            parse_documents_complete(text).ok()
        );
        // A continuation line led by a tab, left of the block (found by
        // fuzz/yaml_readers_agree): go-yaml drops the tab with the other leading blanks.
        for (text, want) in [
            ("a:\n  k: 'one\n\ttwo'\n", "one two"),
            ("a:\n  k: \"one\n\t\t two\"\n", "one two"),
            ("a:\n  k: 'one\n \t#\n\t\nx'\n", "one #\nx"),
            ("a:\n  k: \"one\\\n\ttwo\"\n", "onetwo"),
        ] {
            let n = parse_one(text).unwrap_or_default();
            assert_eq!(n.str_at(&["a", "k"]), Some(want), "{text:?}");
            if let Some(fast) = parse_documents_fast(text) {
                assert_eq!(Ok(fast), parse_documents_complete(text), "{text:?}");
            }
        }
        // After a tab that separates it from its key (found by fuzz/yaml_readers_agree).
        for text in [
            "a:\n  k: \t'first\n  second'\n  j: v\n",
            "a:\n  k:\t\"first\nsecond\"\n  j: v\n",
        ] {
            let n = parse_one(text).unwrap_or_default();
            assert_eq!(n.str_at(&["a", "k"]), Some("first second"), "{text:?}");
        }
        // A document marker inside one is still an error.
        assert!(parse_documents("a:\n  k: 'first\n---\n  second'\n").is_err());
    }

    #[test]
    fn block_scalar_of_blank_lines_is_empty_unless_kept() {
        // go-yaml's readings (found by fuzz/yaml_readers_agree): no content, no break.
        for (text, want) in [
            ("a:\n  i: |1\n  \n  j: v\n", ""),
            ("- p: |2\n  \n", ""),
            ("a: >2-\n\n\nb: v\n", ""),
            ("a: |\n  \nb: v\n", ""),
            ("a: |2+\n\n\nb: v\n", "\n\n"),
        ] {
            let docs = parse_documents_complete(text).unwrap_or_default();
            let doc = docs.first().cloned().unwrap_or_default();
            let v = match &doc {
                Node::Seq(items) => items.first().and_then(|i| i.str_at(&["p"])),
                _ => doc.str_at(&["a", "i"]).or_else(|| doc.str_at(&["a"])),
            };
            assert_eq!(v, Some(want), "{text:?}");
        }
    }

    #[test]
    fn a_dash_inside_a_flow_plain_scalar_is_text() {
        // A lone CR is a line break to yaml-rust2, and was not to the rewrites' line
        // search, which then looked for the dash on another line (a panic, found by
        // fuzz/yaml_readers_agree): the rewrites now work on go-yaml's lines (GoLines).
        let lone_cr = "trs:iQersio\r\r\t#\r\n[ -][\ne[\n\r\r\u{2028}\rrd\r\r:\n s:iQe ,am\n";
        assert_eq!(
            parse_documents_complete(lone_cr).is_ok(),
            parse_documents(lone_cr).is_ok()
        );
        // go-yaml (checked with the oracle): ["ro -"], ["ro -", "-"]; yaml-rust2 refused
        // the dash before `]` (found by fuzz/yaml_readers_agree).
        for (text, want) in [
            ("c: [ro -]\n", vec!["ro -"]),
            ("c: [a b -, it's -]\n", vec!["a b -", "it's -"]),
            ("c: [GIr#o -, a:b -]\n", vec!["GIr#o -", "a:b -"]),
            ("c: {k: ro -}\n", vec![]),
            // Across lines, as go-yaml folds them (checked with the oracle).
            ("c: [n\n o -]\n", vec!["n o -"]),
            ("c: [n,\n o -]\n", vec!["n", "o -"]),
            ("c: [n\n o\n -]\n", vec!["n o -"]),
            ("c: [n\n\n o -]\n", vec!["n\no -"]),
            ("c: [&a n\n o -]\n", vec!["n o -"]),
            ("c: [x, n\n  o p\n -, y]\n", vec!["x", "n o p -", "y"]),
            ("c: [it's\n o -]\n", vec!["it's o -"]),
            ("c: [a:b\n o -]\n", vec!["a:b o -"]),
            ("c: [n\n \u{feff}o -]\n", vec!["n \u{feff}o -"]),
            ("c: [G#\n  -]\n", vec!["G# -"]),
            ("c: [n, # c, d\n o -]\n", vec!["n", "o -"]),
            ("c\": [n - p\n o -]\n", vec!["n - p o -"]),
            ("c: [-G\t-]\n", vec!["-G\t-"]),
            ("c: [x, -G\n -]\n", vec!["x", "-G -"]),
            ("c: {k: n\n o -}\n", vec![]),
        ] {
            let complete = parse_documents_complete(text).unwrap();
            if let Some(fast) = parse_documents_fast(text) {
                assert_eq!(fast, complete, "{text:?}");
            }
            if let Some(items) = complete[0]
                .get("c")
                .or_else(|| complete[0].get("c\""))
                .and_then(Node::as_seq)
            {
                let got: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
                assert_eq!(got, want, "{text:?}");
            } else {
                let k = complete[0].str_at(&["c", "k"]);
                assert!(matches!(k, Some("ro -" | "n o -")), "{text:?}");
            }
        }
        // A dash alone before a flow indicator is "-" (go-yaml, checked with the oracle).
        for (text, want) in [
            ("c: [-]\n", vec!["-"]),
            ("c: [ -]\n", vec!["-"]),
            ("c: [-, a]\n", vec!["-", "a"]),
            ("c: [&a -, *a]\n", vec!["-", "-"]),
            ("c: [x,\n   -]\n", vec!["x", "-"]),
        ] {
            let complete = parse_documents_complete(text).unwrap();
            let items = complete[0].get("c").and_then(Node::as_seq).unwrap();
            let got: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
            assert_eq!(got, want, "{text:?}");
        }
        let complete = parse_documents_complete("c: {a: -}\n").unwrap();
        assert_eq!(complete[0].str_at(&["c", "a"]), Some("-"));
        // A block entry inside a flow collection and a scalar after a comment stay
        // errors (go-yaml: "did not find expected node content", "expected ','").
        assert!(parse_documents_complete("c: [- ]\n").is_err());
        assert!(parse_documents_complete("c: [n # c, d\n o -]\n").is_err());
    }

    /// The complete parser's reading of `text`, one document: the value of its key `a`,
    /// or the document itself when it is no mapping.
    fn complete_a(text: &str) -> Option<Node> {
        match parse_documents_complete(text).ok()?.as_slice() {
            [Node::Map(m)] => m.get("a").cloned(),
            [n] => Some(n.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_block_scalar_at_an_unterminated_end_has_no_final_break() {
        // go-yaml reads no line break after a text's last line without one; the fast path
        // reads it so, the complete parser (anchors send it there) must too.
        for (text, want) in [
            ("a: &x |\n  x\n  y", "x\ny"),
            ("a: &x >+\n  x\n  y", "x y"),
            ("a: &x |\n  x\n", "x\n"),
            ("a: &x |\n  x\n  ", "x\n"),
            ("a: &x >+\n  x\n\n  \t", "x\n\n\t"),
        ] {
            assert_eq!(complete_a(text), Some(Node::str(want)), "{text:?}");
        }
    }

    #[test]
    fn scalars_read_again_are_found_past_non_ascii_block_text() {
        // yaml-rust2's character index runs ahead after non-ASCII text in a block scalar;
        // the quoted and literal scalars read again for a YAML 1.1 break are found by
        // line and column instead (found by fuzz/print_parse_roundtrip; the values are
        // the oracle's).
        let text = "a: |\n  xéé\u{2029}  x\n  yé\u{2029}\nb: 'p\u{2028}q'\nc: |\n  ü\u{2028}\nd: \"é\u{2029}\"\n";
        let got = parse_documents_complete(text).unwrap_or_else(|e| panic!("{e:?}"));
        let want: Map = [
            ("a", "xéé\u{2029}x\nyé\u{2029}"),
            ("b", "p\u{2028}q"),
            ("c", "ü\u{2028}"),
            ("d", "é\u{2029}"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Node::str(v)))
        .collect();
        assert_eq!(got, vec![Node::Map(want)]);
    }

    #[test]
    fn an_empty_line_ended_by_a_yaml11_break_stays_in_its_literal_block() {
        // go-yaml prints a literal block's empty line ended by PS without indentation and
        // reads it back: the line ends at PS, so it is an empty line of the block (found
        // by fuzz/print_parse_roundtrip; kustomize reads its own output).
        let map = |v: &str| {
            vec![Node::Map(
                [("a".to_string(), Node::str(v))].into_iter().collect(),
            )]
        };
        for (text, want) in [
            ("a: |-\n  x\n\n\u{2029}  y z\n", "x\n\n\u{2029}y z"),
            (
                "a: |\n    x\n      m\n \u{2028}\u{2028}    y\n",
                "x\n  m\n\u{2028}\u{2028}y\n",
            ),
            (
                "a: |-\n  x\n\u{2029}  y\n\u{2029}  z\n",
                "x\n\u{2029}y\n\u{2029}z",
            ),
        ] {
            assert_eq!(
                parse_documents_complete(text).ok(),
                Some(map(want)),
                "{text:?}"
            );
        }
        // A content line that looks like a header (`x |`), and an indentation indicator
        // (the oracle's values).
        for (text, want) in [
            ("a: |\n  x |\n    y\n\u{2029}  z\n", "x |\n  y\n\u{2029}z\n"),
            ("|2-\n   e\n\n\u{2029}   z\n", " e\n\n\u{2029} z"),
        ] {
            assert_eq!(complete_a(text), Some(Node::str(want)), "{text:?}");
        }
        // A flow dash (`[-]`) inside a block past such lines is the block's text, not a
        // flow scalar for the dash rewrite to quote.
        let text = "a: |-\n  4$hWtion:  [-] `$uh\n\n\u{2029}  z,$o flded  folded: mrd es: &- a: &ma*x g: ~ h: 0777 i:4$htion:  [-] `$uh\n\n\u{2029}  z,$o flded  foldedi:4$htion:  [-] `$uh\n\n\u{2029}  z,$o flded  folded: mrd es: &- a: &ma*x g: v h: 0777 i: 1e3 j: 2: mrd es: &- a: &ma*x g: v h: 0777 i: 1e3 j: 20 1e3 j: 2001-1d-14t21:59:-] h e\n";
        let got = parse_documents_complete(text).unwrap_or_else(|e| panic!("{e:?}"));
        let Some(Node::Map(m)) = got.first() else {
            panic!("{got:?}")
        };
        let Some(Node::Scalar(v)) = m.get("a") else {
            panic!("{m:?}")
        };
        assert_eq!(v.value.matches("[-]").count(), text.matches("[-]").count());
        assert!(!v.value.contains("'-'"), "{v:?}");
        // Outside a block scalar such a line is an empty line, as to go-yaml; a plain or
        // folded scalar is not folded at LS or PS, which stay (the oracle's values).
        let two = [("a", "b"), ("c", "d")].map(|(k, v)| (k.to_string(), Node::str(v)));
        assert_eq!(
            parse_documents_complete("a: b\n\u{2029}c: d\n").ok(),
            Some(vec![Node::Map(two.into_iter().collect())])
        );
        for (text, want) in [
            ("a: b\u{2029} c\nd: e\n", "b\u{2029}c"),
            ("a: b\u{2028}\u{2028}  c d\n  e\n", "b\u{2028}\u{2028}c d e"),
            ("a: b\n\u{2028}  c\n", "b\u{2028}c"),
            ("a: >\n  b\u{2029}  c\nd: e\n", "b\u{2029}c\n"),
            ("a: >-\n  b\n  c\u{2028}\n\n  d\n", "b c\u{2028}\n\nd"),
        ] {
            assert_eq!(complete_a(text), Some(Node::str(want)), "{text:?}");
        }
        assert_eq!(
            parse_documents_complete("a: [b\u{2029} c]\n").ok(),
            Some(vec![Node::Map(
                [("a".to_string(), Node::Seq(vec![Node::str("b\u{2029}c")]))]
                    .into_iter()
                    .collect()
            )])
        );
    }

    #[test]
    fn block_scalars_read_the_same_beside_a_yaml11_break() {
        // A text holding LS has its block scalars made go-yaml's again (yaml::breaks); the
        // reading must be yaml-rust2's wherever there is no LS inside them.
        for block in [
            "a: |\n  x\n  y\n",
            "a: |-\n    x\n\n     y\n  \n",
            "a: |+\n  x\n\n\n",
            "a: |2\n     x\n   y\n",
            "a: |\n\n\n  x\n",
            "a: |\n",
            "a: |-\n",
            "a:\n- |\n  x\n- |1\n   y\n",
            "a: | # c\n  x\nb: |\n   y\n  # c\n",
            "a: |\n  x\n   \n  y\n",
            "a: >\n  x\n  y\n",
        ] {
            let with = format!("{block}z: 'p\u{2028}q'\n");
            let mut got =
                parse_documents_complete(&with).unwrap_or_else(|e| panic!("{block:?}: {e:?}"));
            let want = parse_documents_complete(block).unwrap();
            if let Some(Node::Map(m)) = got.first_mut() {
                assert_eq!(
                    m.shift_remove("z"),
                    Some(Node::str("p\u{2028}q")),
                    "{block:?}"
                );
            }
            assert_eq!(got, want, "{block:?}");
        }
    }

    #[test]
    fn a_repeated_key_takes_its_last_value_only_when_asked() {
        let text = "a: 1\nb:\n  c: x\n  d: y\n  c: z\na: 2\n";
        assert!(parse_documents(text).is_err());
        let docs = parse_documents_last_key_wins(text).unwrap();
        assert_eq!(docs[0].str_at(&["a"]), Some("2"));
        assert_eq!(docs[0].str_at(&["b", "c"]), Some("z"));
        let keys: Vec<&str> = docs[0]
            .as_map()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["a", "b"]);
    }

    #[test]
    fn flow_content_may_sit_left_of_the_block_indentation() {
        // go-yaml (checked with the oracle) reads each as its indented form; yaml-rust2
        // refused them as invalid indentation.
        for (text, indented) in [
            ("c: [x,\ny]\n", "c: [x,\n y]\n"),
            ("k:\n  c: [x,\n y]\n", "k:\n  c: [x,\n     y]\n"),
            ("k:\n  c: [x,\n  y]\n", "k:\n  c: [x,\n     y]\n"),
            ("k:\n  c: {a: b,\nc: d}\n", "k:\n  c: {a: b,\n   c: d}\n"),
            (
                "k:\n- a: [x, [y,\nz],\n'q r',\n \"s\"\n]\n",
                "k:\n- a: [x, [y, z], 'q r', s]\n",
            ),
            ("k:\n  c: [x,\n'a\n b']\n", "k:\n  c: [x, 'a b']\n"),
        ] {
            let complete = parse_documents_complete(text).unwrap();
            assert_eq!(
                complete,
                parse_documents_complete(indented).unwrap(),
                "{text:?}"
            );
        }
        // Left of the block indentation outside a flow collection stays an error.
        assert!(parse_documents_complete("k:\n  a: b\n c: d\n").is_err());
    }

    #[test]
    fn a_kept_block_scalar_ending_the_text_after_its_header_is_empty() {
        // go-yaml (checked with the oracle): `ot: ""`; with a blank line after, "\n".
        for (text, want) in [
            ("ot:\n       >+\n", ""),
            ("ot: |+\n", ""),
            ("ot: |+ # c\n", ""),
            ("ot: >+\n\n", "\n"),
            ("ot: |+\nb: x\n", ""),
        ] {
            let complete = parse_documents_complete(text).unwrap();
            assert_eq!(complete[0].str_at(&["ot"]), Some(want), "{text:?}");
            if let Some(fast) = parse_documents_fast(text) {
                assert_eq!(fast, complete, "{text:?}");
            }
        }
    }

    #[test]
    fn a_comment_indented_less_than_a_block_scalar_ends_it() {
        // go-yaml (checked with the oracle): `a: ""`, `b: x`; yaml-rust2 refused the
        // comment as a wrongly indented line (found by fuzz/yaml_readers_agree).
        for text in [
            "resour patch: |2\n #\n",
            "d:\n  a: |3\n  #\n  b: x\n",
            "d:\n  a: |3+\n   #x\n\n  #\n  b: x\n",
        ] {
            let complete = parse_documents_complete(text).unwrap();
            assert_eq!(
                Some(complete.clone()),
                parse_documents_fast(text),
                "{text:?}"
            );
            assert_eq!(complete, parse_documents(text).unwrap(), "{text:?}");
        }
        let d = parse_one("d:\n  a: |3\n  #\n  b: x\n").unwrap();
        assert_eq!(d.str_at(&["d", "a"]), Some(""));
        assert_eq!(d.str_at(&["d", "b"]), Some("x"));
        // Keep chomping keeps the blank line before the comment, as go-yaml does.
        let d = parse_one("d:\n  a: |3+\n\n   #x\n  b: x\n").unwrap();
        assert_eq!(d.str_at(&["d", "a"]), Some("\n"));
        let d = parse_one("d:\n  x: &a y\n  a: |3+\n\n   #x\n  b: *a\n").unwrap();
        assert_eq!(
            (d.str_at(&["d", "a"]), d.str_at(&["d", "b"])),
            (Some("\n"), Some("y"))
        );
        // Content there is still an error.
        assert!(parse_documents_complete("d:\n  a: |3\n  x\n  b: x\n").is_err());
    }

    #[test]
    fn a_marker_line_ends_a_top_level_block_scalar_at_column_0() {
        // yaml-rust2 read the `---` as content of the scalar; go-yaml and the stream
        // reader end the document there (found by fuzz/yaml_readers_agree).
        for text in [">+\na\n---\nb\n", "--- >+\na\n---\nb\n", "|\na\n...\nb\n"] {
            let complete = parse_documents_complete(text).unwrap();
            assert_eq!(complete, parse_documents(text).unwrap(), "{text:?}");
            assert_eq!(complete.len(), 2, "{text:?}: {complete:?}");
            assert_eq!(complete[1].as_str(), Some("b"), "{text:?}");
        }
    }

    #[test]
    fn errors_after_a_marker_line_name_the_files_lines() {
        let text = "a: 1\n---\nb: 1\nc: [\n";
        let e = parse_documents_complete(text).unwrap_err();
        assert_eq!(e.line, 5, "{e}");
        let text = "a: 1\n---\nb: 1\nb: 2\n";
        for e in [
            parse_documents_complete(text).unwrap_err(),
            parse_documents(text).unwrap_err(),
        ] {
            assert_eq!(
                (e.line, e.msg.as_str()),
                (4, "mapping key \"b\" already defined at line 3"),
                "{e}"
            );
        }
    }

    #[test]
    fn syntax_error_has_line() {
        let e = parse_documents("a: 1\nb: [\n").err();
        assert!(e.is_some_and(|e| e.line >= 2));
    }
}

//! Nodes to YAML text, byte for byte as kustomize prints them.
//!
//! kustomize prints each resource by encoding it to JSON and handing the JSON to
//! go-yaml v2. So this writer first turns every scalar into its JSON value (numbers
//! reformatted, timestamps as RFC 3339 strings), sorts mapping keys with go-yaml v2's
//! "natural" order, and then lays the text out as libyaml's emitter does: two-space
//! indentation, sequences not indented under their key, empty collections in flow
//! style, strings folded past column 80, and libyaml's choice of plain, single-quoted,
//! double-quoted or literal style for each string.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;

use super::node::{Node, Scalar, Tag};
use super::resolve::{
    GoInt, go_g, json_float, parse_go_int, parse_timestamp, parse_yaml_float, timestamp_json,
};

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;
const MAX_SIMPLE_KEY: usize = 128;

/// A value that cannot be printed, such as a NaN (JSON has no spelling for it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct EmitError(pub String);

/// The JSON value of a scalar, as kustomize's JSON round trip sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonScalar<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, already spelled as go-yaml v2 prints it after the round trip.
    Number(String),
    /// A string.
    Str(Cow<'a, str>),
}

/// Converts a scalar to its JSON value.
pub fn json_scalar(s: &Scalar) -> Result<JsonScalar<'_>, EmitError> {
    Ok(match s.tag {
        Tag::Null => JsonScalar::Null,
        Tag::Bool => JsonScalar::Bool(matches!(s.value.as_str(), "true" | "True" | "TRUE")),
        Tag::Str => JsonScalar::Str(Cow::Borrowed(&s.value)),
        Tag::Timestamp => match parse_timestamp(&s.value) {
            Some(t) => JsonScalar::Str(Cow::Owned(timestamp_json(&t))),
            None => JsonScalar::Str(Cow::Borrowed(&s.value)),
        },
        Tag::Int => {
            let plain: String = s.value.chars().filter(|&c| c != '_').collect();
            match parse_go_int(&plain) {
                Some(GoInt::I(i)) => JsonScalar::Number(i.to_string()),
                Some(GoInt::U(u)) => JsonScalar::Number(u.to_string()),
                // An !!int that Go cannot read as an integer decodes as a float.
                None => float_number(&s.value)?,
            }
        }
        Tag::Float => float_number(&s.value)?,
    })
}

fn float_number(text: &str) -> Result<JsonScalar<'static>, EmitError> {
    let f = parse_yaml_float(text)
        .ok_or_else(|| EmitError(format!("cannot read {text:?} as a number")))?;
    let json =
        json_float(f).ok_or_else(|| EmitError(format!("json: unsupported value: {text}")))?;
    Ok(JsonScalar::Number(v2_number(&json)))
}

/// Re-reads a JSON number the way go-yaml v2 does and prints it back.
fn v2_number(json: &str) -> String {
    match parse_go_int(json) {
        Some(GoInt::I(i)) => i.to_string(),
        Some(GoInt::U(u)) => u.to_string(),
        None => json
            .parse::<f64>()
            .map(go_g)
            .unwrap_or_else(|_| json.to_string()),
    }
}

/// Prints a stream of documents separated by `---`, as `kustomize build` does.
pub fn emit_documents<'a>(docs: impl IntoIterator<Item = &'a Node>) -> Result<String, EmitError> {
    let mut out = String::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_into(&mut out, d)?;
    }
    Ok(out)
}

/// Prints one document.
pub fn emit(node: &Node) -> Result<String, EmitError> {
    let mut out = String::new();
    emit_into(&mut out, node)?;
    Ok(out)
}

/// Prints one document at the end of `out`.
pub fn emit_into(out: &mut String, node: &Node) -> Result<(), EmitError> {
    let mut e = Emitter {
        out,
        column: 0,
        whitespace: true,
        indention: true,
    };
    e.node(node, -1, Ctx::Root)?;
    if e.column != 0 {
        e.out.push('\n');
    }
    Ok(())
}

/// Where a node stands, which decides indentation (libyaml's emitter states).
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Root,
    MapValue,
    SeqItem,
    SimpleKey,
    ComplexKey,
}

struct Emitter<'o> {
    out: &'o mut String,
    column: usize,
    whitespace: bool,
    indention: bool,
}

impl Emitter<'_> {
    /// `indent` is the indentation of the enclosing collection (-1 at the root).
    fn node(&mut self, node: &Node, indent: isize, ctx: Ctx) -> Result<(), EmitError> {
        match node {
            Node::Scalar(s) => {
                let scalar = json_scalar(s)?;
                self.scalar(&scalar, indent, ctx)
            }
            Node::Map(m) if m.is_empty() => {
                self.indicator("{", true, false);
                self.indicator("}", false, false);
                Ok(())
            }
            Node::Seq(s) if s.is_empty() => {
                self.indicator("[", true, false);
                self.indicator("]", false, false);
                Ok(())
            }
            Node::Map(m) => {
                let me = increase(indent, false);
                let mut entries: Vec<(&String, &Node)> = m.iter().collect();
                if !entries.is_sorted_by(|a, b| natural_cmp(a.0, b.0) != Ordering::Greater) {
                    entries.sort_by(|a, b| natural_cmp(a.0, b.0));
                }
                for (k, v) in entries {
                    self.write_indent(me);
                    let key = JsonScalar::Str(Cow::Borrowed(k.as_str()));
                    if is_simple_key(k) {
                        self.scalar(&key, me, Ctx::SimpleKey)?;
                        self.indicator(":", false, false);
                    } else {
                        self.indicator("?", true, true);
                        self.scalar(&key, me, Ctx::ComplexKey)?;
                        self.write_indent(me);
                        self.indicator(":", true, true);
                    }
                    self.node(v, me, Ctx::MapValue)?;
                }
                Ok(())
            }
            Node::Seq(items) => {
                // A sequence that is a mapping's value is not indented (libyaml's
                // "indentless" sequence).
                let me = increase(indent, ctx == Ctx::MapValue && !self.indention);
                for it in items {
                    self.write_indent(me);
                    self.indicator("-", true, true);
                    self.node(it, me, Ctx::SeqItem)?;
                }
                Ok(())
            }
        }
    }

    fn scalar(&mut self, s: &JsonScalar, indent: isize, ctx: Ctx) -> Result<(), EmitError> {
        // libyaml's increase_indent(flow = 1) for a scalar: at the root its content goes
        // two columns in, so a block scalar's `|2` holds (found by
        // fuzz/print_parse_roundtrip: the root's content was printed at column 0).
        let ind = if indent < 0 {
            BEST_INDENT as isize
        } else {
            increase(indent, false)
        };
        let text = match s {
            JsonScalar::Null => "null",
            JsonScalar::Bool(true) => "true",
            JsonScalar::Bool(false) => "false",
            JsonScalar::Number(n) => n.as_str(),
            JsonScalar::Str(v) => return self.string(v, ind, ctx),
        };
        self.plain(text, ind, ctx != Ctx::SimpleKey);
        Ok(())
    }

    fn string(&mut self, v: &str, ind: isize, ctx: Ctx) -> Result<(), EmitError> {
        let simple_key = ctx == Ctx::SimpleKey;
        // Fast path: the common identifier-like string (no spaces, so no folding; no
        // indicators; nothing a resolver would read as another type) prints as is.
        if is_plain_safe(v) && !needs_quotes_v2(v) {
            if !self.whitespace {
                self.put_str(" ");
            }
            self.put_str(v);
            self.whitespace = false;
            self.indention = false;
            return Ok(());
        }
        let unreadable = if v.is_ascii() {
            v.bytes().map(char::from).find(|&c| !v2_reader_accepts(c))
        } else {
            v.chars().find(|&c| !v2_reader_accepts(c))
        };
        if let Some(c) = unreadable {
            return Err(EmitError(format!(
                "yaml: control characters are not allowed (U+{:04X} in {v:?})",
                c as u32
            )));
        }
        let a = analyze(v);
        let mut style = if v.contains('\n') {
            Style::Literal
        } else if !needs_quotes_v2(v) {
            Style::Plain
        } else {
            Style::Double
        };
        if style == Style::Plain
            && (!a.block_plain_allowed
                || (v.is_empty() && simple_key)
                || (simple_key && a.multiline))
        {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::Double;
        }
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(v, ind, allow_breaks),
            Style::Single => self.single(v, ind, allow_breaks),
            Style::Double => self.double(v, ind, allow_breaks),
            Style::Literal => self.literal(v, ind),
        }
        Ok(())
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    /// Appends text without line breaks, counting columns in characters.
    fn put_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self, indent: isize) {
        let indent = indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        if self.column < indent {
            let n = indent - self.column;
            self.out.extend(std::iter::repeat_n(' ', n));
            self.column = indent;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn indicator(&mut self, ind: &str, need_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.put_str(ind);
        self.whitespace = false;
        self.indention = self.indention && is_indention;
    }

    fn plain(&mut self, v: &str, indent: isize, allow_breaks: bool) {
        if !self.whitespace && !v.is_empty() {
            self.put(' ');
        }
        // Folding only happens at a space past column 80: a string that ends before that
        // goes out in one piece.
        if !allow_breaks || (v.is_ascii() && self.column + v.len() <= BEST_WIDTH + 1) {
            self.put_str(v);
            self.whitespace = false;
            self.indention = false;
            return;
        }
        // Word by word: only a space can fold, and a space is one byte.
        let bytes = v.as_bytes();
        let mut spaces = false;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b' ' {
                let next_space = bytes.get(i + 1) == Some(&b' ');
                if !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(' ');
                }
                spaces = true;
                i += 1;
            } else {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b == b' ')
                    .map_or(bytes.len(), |p| i + p);
                self.put_str(&v[i..end]);
                spaces = false;
                i = end;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single(&mut self, v: &str, indent: isize, allow_breaks: bool) {
        self.indicator("'", true, false);
        let (mut spaces, mut breaks) = (false, false);
        let mut it = v.chars().enumerate().peekable();
        let last = v.chars().count().saturating_sub(1);
        while let Some((i, c)) = it.next() {
            if c == ' ' {
                let next_space = it.peek().is_some_and(|&(_, n)| n == ' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != last
                    && !next_space
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                if c == '\'' {
                    self.put('\'');
                }
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        // No indentation after a final break (go-yaml, checked with the oracle: the
        // string x<LS> prints as 'x<LS>').
        self.indicator("'", false, false);
    }

    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn double(&mut self, v: &str, indent: isize, allow_breaks: bool) {
        self.indicator("\"", true, false);
        let last = v.chars().count().saturating_sub(1);
        let mut spaces = false;
        // go-yaml v2's byte-order-mark test looks at the scalar's first bytes whatever the
        // position, so a scalar that opens with one is escaped whole (`"\uFEFF\x6B"`).
        let escape_all = v.starts_with('\u{feff}');
        let mut it = v.chars().enumerate().peekable();
        while let Some((i, c)) = it.next() {
            if escape_all
                || !is_printable(c)
                || c == '\u{feff}'
                || is_break(c)
                || c == '"'
                || c == '\\'
            {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\x07' => self.put('a'),
                    '\x08' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\x0b' => self.put('v'),
                    '\x0c' => self.put('f'),
                    '\r' => self.put('r'),
                    '\x1b' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let cp = c as u32;
                        let s = if cp <= 0xff {
                            format!("x{cp:02X}")
                        } else if cp <= 0xffff {
                            format!("u{cp:04X}")
                        } else {
                            format!("U{cp:08X}")
                        };
                        self.put_str(&s);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i != 0 && i != last {
                    self.write_indent(indent);
                    if it.peek().is_some_and(|&(_, n)| n == ' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false);
    }

    fn literal(&mut self, v: &str, indent: isize) {
        let mut hints = String::from("|");
        let first = v.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            let _ = write!(hints, "{BEST_INDENT}");
        }
        let mut rev = v.chars().rev();
        match (rev.next(), rev.next()) {
            (None, _) => hints.push('-'),
            (Some(l), _) if !is_break(l) => hints.push('-'),
            (Some(_), None) => hints.push('+'),
            (Some(_), Some(p)) if is_break(p) => hints.push('+'),
            _ => {}
        }
        self.indicator(&hints, true, false);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for line in v.split_inclusive(is_break) {
            let (text, brk) = match line.chars().last() {
                Some(c) if is_break(c) => (&line[..line.len() - c.len_utf8()], Some(c)),
                _ => (line, None),
            };
            if !text.is_empty() {
                if breaks {
                    self.write_indent(indent);
                }
                self.put_str(text);
                self.indention = false;
                breaks = false;
            }
            if let Some(c) = brk {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            }
        }
    }
}

/// True for non-empty strings made only of characters that can never make libyaml quote
/// or fold (letters, digits, `-._/`), not starting with `-` or `.`.
fn is_plain_safe(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b[0] != b'-'
        && b[0] != b'.'
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' || c == b'/')
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn increase(indent: isize, indentless: bool) -> isize {
    if indent < 0 {
        0
    } else if indentless {
        indent
    } else {
        indent + BEST_INDENT as isize
    }
}

/// go-yaml's simple keys: short, on one line (any of its line breaks, NEL, LS and PS
/// too, makes a key multi-line; found by fuzz/print_parse_roundtrip).
fn is_simple_key(k: &str) -> bool {
    k.len() <= MAX_SIMPLE_KEY && !k.contains(is_break)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c) || c == '\0',
    }
}

/// libyaml's `is_printable`, on code points.
fn is_printable(c: char) -> bool {
    let cp = c as u32;
    cp == 0x0A
        || (0x20..=0x7E).contains(&cp)
        || (0xA0..=0xD7FF).contains(&cp)
        || ((0xE000..=0xFFFD).contains(&cp) && cp != 0xFEFF)
        || (0x10000..=0x10FFFF).contains(&cp)
}

/// go-yaml v2's reader refuses these when it re-reads the JSON kustomize produced.
fn v2_reader_accepts(c: char) -> bool {
    let cp = c as u32;
    cp == 0x09
        || cp == 0x0A
        || cp == 0x0D
        || (0x20..=0x7E).contains(&cp)
        || cp == 0x85
        || (0xA0..=0xD7FF).contains(&cp)
        || (0xE000..=0xFFFD).contains(&cp)
        || (0x10000..=0x10FFFF).contains(&cp)
        // JSON escapes every other control character, which v2 then reads back.
        || cp < 0x20
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// libyaml's `yaml_emitter_analyze_scalar`, for block context.
fn analyze(v: &str) -> Analysis {
    // Long strings (descriptions in CRDs) are much of a platform's text and nearly all
    // ASCII: scan their bytes rather than decode characters.
    if v.is_ascii() {
        analyze_units(v.as_bytes())
    } else {
        analyze_units(&v.chars().collect::<Vec<char>>())
    }
}

fn analyze_units<T: Copy + Into<char>>(v: &[T]) -> Analysis {
    if v.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let starts =
        |p: &str| v.len() >= p.len() && v.iter().zip(p.chars()).all(|(&u, c)| u.into() == c);
    let mut block_indicators = starts("---") || starts("...");
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    let (mut line_breaks, mut special) = (false, false);
    let mut preceded_by_ws = true;
    let mut first = true;
    for (i, &u) in v.iter().enumerate() {
        let c: char = u.into();
        let next: Option<char> = v.get(i + 1).map(|&n| n.into());
        let is_last = next.is_none();
        let followed_by_ws = is_blankz(next);
        if first {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_ws => block_indicators = true,
                '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            leading_space |= first;
            trailing_space |= is_last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            leading_break |= first;
            trailing_break |= is_last;
            space_break |= previous_space;
            previous_break = true;
            previous_space = false;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(Some(c));
        first = false;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// go-yaml v2's encoder quotes a string when its YAML 1.1 resolver would read it as
/// something else (a bool such as `yes`, a number, null, a timestamp, `<<`) or as a
/// base-60 float such as `1:20`.
fn needs_quotes_v2(s: &str) -> bool {
    match s {
        "" | "~" | "null" | "Null" | "NULL" | "y" | "Y" | "yes" | "Yes" | "YES" | "n" | "N"
        | "no" | "No" | "NO" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "on"
        | "On" | "ON" | "off" | "Off" | "OFF" | ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf"
        | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF" | "<<" => {
            return true;
        }
        _ => {}
    }
    let first = s.as_bytes()[0];
    if first == b'.' {
        return s.parse::<f64>().is_ok() && !s.contains(['i', 'I', 'n', 'N']);
    }
    if !(first.is_ascii_digit() || first == b'-' || first == b'+') {
        return false;
    }
    if parse_timestamp(s).is_some() || is_base60_float(s) {
        return true;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if parse_go_int(&plain).is_some() {
        return true;
    }
    is_float_syntax(&plain)
        || plain
            .strip_prefix("0b")
            .or_else(|| plain.strip_prefix("-0b"))
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c == '0' || c == '1'))
}

fn is_float_syntax(s: &str) -> bool {
    super::resolve::resolve_plain(s) == Tag::Float && parse_yaml_float(s).is_some()
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = match s.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (s, None),
    };
    if let Some(f) = frac
        && !f.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    if head.is_empty()
        || !head.as_bytes()[0].is_ascii_digit()
        || !head.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return false;
    }
    let mut count = 0;
    for p in parts {
        count += 1;
        let b = p.as_bytes();
        let ok = match b.len() {
            1 => b[0].is_ascii_digit(),
            2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    count > 0
}

/// go-yaml v2's `keyList.Less` on strings: letters after other characters, runs of
/// digits compared as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    if less(a, b) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

fn less(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return less_by(a.as_bytes(), b.as_bytes(), |c| c as char);
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    less_by(&ar, &br, |c| c)
}

fn less_by<T: Copy + PartialEq + PartialOrd>(ar: &[T], br: &[T], ch: impl Fn(T) -> char) -> bool {
    let mut i = 0;
    // Whether the last equal character was a digit: then a letter ends a shorter number.
    let mut digits = false;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = ch(ar[i]).is_ascii_digit();
            i += 1;
            continue;
        }
        let (ac, bc) = (ch(ar[i]), ch(br[i]));
        let al = ac.is_alphabetic();
        let bl = bc.is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ac == '0' || bc == '0' {
            let mut j = i;
            while j > 0 && ch(ar[j - 1]).is_ascii_digit() {
                j -= 1;
                if ch(ar[j]) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ch(ar[ai]).is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(ch(ar[ai]) as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && ch(br[bi]).is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(ch(br[bi]) as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_holding_any_line_break_is_no_simple_key() {
        // A simple key holding LS, NEL or PS is a multi-line key to go-yaml, which refuses
        // it: such keys are written as complex keys, and read back.
        let n = crate::yaml::parse_one("m:\n  \"a\\Lb\": x\n  \"c\\Nd\": y\n  \"e\\Pf\\ng\": z\n")
            .unwrap();
        let out = emit(&n).unwrap();
        assert_eq!(
            out,
            "m:\n  ? 'a\u{2028}    b'\n  : x\n  ? \"c\\Nd\"\n  : \"y\"\n  ? |-\n    e\u{2029}    f\n    g\n  : z\n"
        );
        assert_eq!(crate::yaml::parse_one(&out).ok(), Some(n));
    }
    use crate::yaml::parse::parse_one;

    fn round(src: &str) -> String {
        parse_one(src)
            .ok()
            .and_then(|n| emit(&n).ok())
            .unwrap_or_default()
    }

    #[test]
    fn natural_key_order() {
        let mut keys = vec!["a10", "a2", "A", "_", "a-b", "a1b", ""];
        keys.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(keys, vec!["", "_", "A", "a-b", "a1b", "a2", "a10"]);
    }

    #[test]
    fn a_root_block_scalar_is_indented_so_it_reads_back() {
        let root = Node::str("\n:r on-1d\n");
        let printed = emit(&root).unwrap();
        assert_eq!(printed, "|2\n\n  :r on-1d\n");
        let back = crate::yaml::parse_documents(&printed).unwrap();
        assert_eq!(back, vec![root]);
    }

    #[test]
    fn scalars_print_as_kustomize_prints_them() {
        let out = round(
            "o: 0777\nf: 1e3\ny: yes\nt: ~\nq: \"1\"\nc: 'a: b'\nl: ' x'\nd: 2001-12-14\nm: \"a\\nb\"\ntab: \"a\\tb\"\n",
        );
        assert_eq!(
            out,
            "c: 'a: b'\nd: \"2001-12-14T00:00:00Z\"\nf: 1000\nl: ' x'\nm: |-\n  a\n  b\no: 511\nq: \"1\"\nt: null\ntab: \"a\\tb\"\n\"y\": \"yes\"\n"
        );
    }

    #[test]
    fn collections_layout() {
        let out = round("a:\n  b: [1, {c: d, e: []}]\n  f: {}\nl:\n- - x\n");
        assert_eq!(
            out,
            "a:\n  b:\n  - 1\n  - c: d\n    e: []\n  f: {}\nl:\n- - x\n"
        );
    }

    #[test]
    fn long_plain_strings_fold_after_column_80() {
        let long = format!("k: {} {} c\n", "a".repeat(40), "b".repeat(60));
        assert_eq!(
            round(&long),
            format!("k: {} {}\n  c\n", "a".repeat(40), "b".repeat(60))
        );
    }

    #[test]
    fn a_scalar_opening_with_a_byte_order_mark_is_escaped_whole() {
        // kustomize's bytes for these keys and values.
        assert_eq!(
            round("\"\\ufeffab\": \"\\ufeff\\ufeffa\"\nk: \"\\ufeffk\u{e9}z\"\nm: \"x\\ufeff\"\n"),
            "\"\\uFEFF\\x61\\x62\": \"\\uFEFF\\uFEFF\\x61\"\nk: \"\\uFEFF\\x6B\\xE9\\x7A\"\nm: \"x\\uFEFF\"\n"
        );
    }

    #[test]
    fn literal_hints() {
        assert_eq!(round("k: \"  abc\\ndef\"\n"), "k: |2-\n    abc\n  def\n");
        assert_eq!(round("k: \"abc\\n\\n\"\n"), "k: |+\n  abc\n\n");
        assert_eq!(round("k: \"abc \\ndef\"\n"), "k: \"abc \\ndef\"\n");
    }
}

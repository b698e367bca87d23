//! go-yaml's reading of NEL, LS and PS (U+0085, U+2028, U+2029) written as they are.
//!
//! They are line breaks in YAML 1.1, which go-yaml's scanner follows; yaml-rust2 reads
//! YAML 1.2, where they are text. So the complete parser gives yaml-rust2 the text with
//! each of them a line feed ([`GoLines`]): its lines, and so the structure read, are
//! go-yaml's. Values are go-yaml's too where they differ: a quoted scalar is read again
//! here ([`quoted`]: it folds around LS and PS but keeps them), a literal block keeps the
//! LS or PS its line ended in, and a plain or folded scalar spanning lines is folded
//! again as go-yaml folds it (which keeps LS and PS where yaml-rust2 reads a space), or
//! refused where its lines do not fold back into yaml-rust2's value. NEL reads as a line
//! feed in every value, as go-yaml reads it.

/// Whether `c` is a line break to go-yaml but text to yaml-rust2.
pub(super) fn is_raw_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// Whether `text` holds a character [`is_raw_break`] accepts.
pub(super) fn has_raw_breaks(text: &str) -> bool {
    // Three searches for one character each (memchr underneath) beat one pass decoding
    // every character: the fast path asks this of every text it reads.
    text.contains('\u{2028}') || text.contains('\u{2029}') || text.contains('\u{85}')
}

/// go-yaml's line breaks: the text's own and the YAML 1.1 ones.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r') || is_raw_break(c)
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The message for a YAML 1.1 line break where Strata cannot read it as go-yaml does
/// (a plain or folded scalar whose lines do not fold back into yaml-rust2's value).
pub(super) fn unread_break_message(c: char) -> String {
    format!(
        "U+{:04X} is a line break to go-yaml (YAML 1.1), here inside a scalar spanning \
         lines that Strata cannot fold as go-yaml does; write it as an escape in a \
         double-quoted scalar (\\N, \\L or \\P)",
        c as u32
    )
}

/// go-yaml's value of the quoted scalar whose opening quote is at byte `open` of `text`,
/// and the byte offset just past its closing quote. `Err` holds a message where go-yaml
/// refuses what yaml-rust2 read (a document marker after a YAML 1.1 line break).
pub(super) fn quoted(text: &str, open: usize) -> Result<(String, usize), String> {
    let mut it = text[open..]
        .char_indices()
        .map(|(i, c)| (open + i, c))
        .peekable();
    let single = match it.next() {
        Some((_, '\'')) => true,
        Some((_, '"')) => false,
        _ => return Err("no quoted scalar starts here".into()),
    };
    let mut value = String::new();
    let mut at_line_start = false;
    loop {
        if at_line_start && starts_marker(&text[it.peek().map_or(text.len(), |&(i, _)| i)..]) {
            return Err(
                "found unexpected document indicator while scanning a quoted scalar".into(),
            );
        }
        let mut leading_blanks = false;
        // Characters up to a blank, a break or the closing quote.
        loop {
            let Some(&(_, c)) = it.peek() else {
                return Err("found unexpected end of stream while scanning a quoted scalar".into());
            };
            if is_blank(c) || is_break(c) {
                break;
            }
            it.next();
            match c {
                '\'' if single => {
                    if it.peek().is_some_and(|&(_, n)| n == '\'') {
                        it.next();
                        value.push('\'');
                    } else {
                        return Ok((value, close_at(&mut it, text)));
                    }
                }
                '"' if !single => return Ok((value, close_at(&mut it, text))),
                '\\' if !single => {
                    let Some((_, e)) = it.next() else {
                        return Err("found unexpected end of stream".into());
                    };
                    if is_break(e) {
                        // An escaped line break joins the lines without a space.
                        if e == '\r' && it.peek().is_some_and(|&(_, n)| n == '\n') {
                            it.next();
                        }
                        leading_blanks = true;
                        break;
                    }
                    value.push(escape(e, &mut it)?);
                }
                c => value.push(c),
            }
        }
        if it
            .peek()
            .is_some_and(|&(_, c)| (c == '\'' && single) || (c == '"' && !single))
        {
            continue;
        }
        // Blanks and breaks, folded as go-yaml folds them.
        let mut whitespace = String::new();
        let mut leading_break: Option<char> = None;
        let mut trailing = String::new();
        at_line_start = false;
        while let Some(&(_, c)) = it.peek() {
            if is_blank(c) {
                it.next();
                if !leading_blanks {
                    whitespace.push(c);
                }
                // go-yaml looks for a document marker at column 0 only (found by
                // fuzz/print_parse_roundtrip: `'a<LF>  ... b'` was refused).
                at_line_start = false;
            } else if is_break(c) {
                it.next();
                if c == '\r' && it.peek().is_some_and(|&(_, n)| n == '\n') {
                    it.next();
                }
                let read = read_break(c);
                if leading_blanks {
                    trailing.push(read);
                } else {
                    whitespace.clear();
                    leading_break = Some(read);
                    leading_blanks = true;
                }
                at_line_start = true;
            } else {
                break;
            }
        }
        if leading_blanks {
            match leading_break {
                Some('\n') if trailing.is_empty() => value.push(' '),
                Some('\n') => value.push_str(&trailing),
                other => {
                    value.extend(other);
                    value.push_str(&trailing);
                }
            }
        } else {
            value.push_str(&whitespace);
        }
    }
}

/// Whether go-yaml keeps the line break `c` in a value as itself (LS and PS; it reads
/// the others as a line feed).
fn is_kept_break(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// What go-yaml reads a line break as: LS and PS themselves, the others a line feed.
fn read_break(c: char) -> char {
    if is_kept_break(c) { c } else { '\n' }
}

/// The byte offset after the closing quote just consumed from `it`.
fn close_at(
    it: &mut std::iter::Peekable<impl Iterator<Item = (usize, char)>>,
    text: &str,
) -> usize {
    it.peek().map_or(text.len(), |&(i, _)| i)
}

/// Whether `rest` opens with a document marker (`---` or `...` before a blank, a break
/// or the end).
fn starts_marker(rest: &str) -> bool {
    (rest.starts_with("---") || rest.starts_with("..."))
        && rest[3..]
            .chars()
            .next()
            .is_none_or(|c| is_blank(c) || is_break(c))
}

/// The character a double-quoted escape `\e` stands for, reading its hex digits from `it`.
fn escape(e: char, it: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    let digits = match e {
        '0' => return Ok('\0'),
        'a' => return Ok('\u{7}'),
        'b' => return Ok('\u{8}'),
        't' | '\t' => return Ok('\t'),
        'n' => return Ok('\n'),
        'v' => return Ok('\u{b}'),
        'f' => return Ok('\u{c}'),
        'r' => return Ok('\r'),
        'e' => return Ok('\u{1b}'),
        ' ' | '"' | '/' | '\\' => return Ok(e),
        'N' => return Ok('\u{85}'),
        '_' => return Ok('\u{a0}'),
        'L' => return Ok('\u{2028}'),
        'P' => return Ok('\u{2029}'),
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return Err(format!("found unknown escape character {e:?}")),
    };
    let mut code = 0u32;
    for _ in 0..digits {
        let d = it
            .next()
            .and_then(|(_, c)| c.to_digit(16))
            .ok_or("did not find expected hexdecimal number")?;
        code = code * 16 + d;
    }
    char::from_u32(code).ok_or_else(|| "found invalid Unicode character escape code".into())
}

/// A text as yaml-rust2 is given it: each YAML 1.1 break (and each lone CR, which both
/// readers take for a line feed) a line feed, so that its lines are go-yaml's. What each
/// line ended in, and where it starts in the text, are kept for reading values again.
pub(super) struct GoLines {
    /// The text with those breaks as line feeds.
    pub(super) text: String,
    /// The lines (0-based) that ended in another break than a line feed, in order, with
    /// that break.
    ends: Vec<(usize, char)>,
    /// Where each line starts in the original text.
    starts: Vec<usize>,
}

impl GoLines {
    /// The lines of `text`; None where it holds no break but line feeds.
    pub(super) fn new(text: &str) -> Option<GoLines> {
        if !has_raw_breaks(text) && !text.contains('\r') {
            return None;
        }
        let mut lines = GoLines {
            text: String::with_capacity(text.len()),
            ends: Vec::new(),
            starts: vec![0],
        };
        for (i, c) in text.char_indices() {
            if is_break(c) {
                if c != '\n' {
                    lines.ends.push((lines.starts.len() - 1, c));
                }
                lines.text.push('\n');
                lines.starts.push(i + c.len_utf8());
            } else {
                lines.text.push(c);
            }
        }
        Some(lines)
    }

    /// `fixed`, a rewrite of [`GoLines::text`] inside its lines, with each line ended as
    /// it was; None where the rewrite changed the number of lines.
    pub(super) fn restore(&self, fixed: &str) -> Option<String> {
        let mut out = String::with_capacity(fixed.len() + 2 * self.ends.len());
        let mut ends = self.ends.iter().peekable();
        for (n, line) in fixed.split_inclusive('\n').enumerate() {
            match (ends.peek(), line.strip_suffix('\n')) {
                (Some(&&(at, c)), Some(body)) if at == n => {
                    out.push_str(body);
                    out.push(c);
                    ends.next();
                }
                _ => out.push_str(line),
            }
        }
        let breaks = fixed.bytes().filter(|&b| b == b'\n').count();
        (ends.next().is_none() && breaks + 1 == self.starts.len()).then_some(out)
    }

    /// The byte offset in the original text of byte `in_line` of line `line` (0-based).
    pub(super) fn original_offset(&self, line: usize, in_line: usize) -> Option<usize> {
        self.starts.get(line).map(|s| s + in_line)
    }

    /// What line `line` (0-based) ended in, if it was a break go-yaml keeps in a block
    /// scalar's value (LS or PS; NEL and CR read as a line feed).
    pub(super) fn kept_end(&self, line: usize) -> Option<char> {
        let i = self.ends.partition_point(|&(l, _)| l < line);
        self.ends
            .get(i)
            .filter(|&&(l, c)| l == line && is_kept_break(c))
            .map(|&(_, c)| c)
    }

    /// The first line among `lines` (0-based) that ended in LS or PS, with that break.
    pub(super) fn kept_end_in(&self, lines: std::ops::Range<usize>) -> Option<(usize, char)> {
        let i = self.ends.partition_point(|&(l, _)| l < lines.start);
        self.ends[i..]
            .iter()
            .take_while(|&&(l, _)| l < lines.end)
            .find(|&&(_, c)| is_kept_break(c))
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_lines_end_where_go_yaml_ends_them_and_come_back() {
        assert!(GoLines::new("a: b\nc: d\n").is_none());
        let text = "a: |\n  x\u{2028}  y\u{85}z\r\u{2029}\n";
        let lines = GoLines::new(text).unwrap();
        assert_eq!(lines.text, "a: |\n  x\n  y\nz\n\n\n");
        assert_eq!(lines.kept_end(1), Some('\u{2028}'));
        assert_eq!(lines.kept_end(2), None, "NEL reads as a line feed");
        assert_eq!(lines.kept_end(3), None, "so does a lone CR");
        assert_eq!(lines.kept_end(4), Some('\u{2029}'));
        assert_eq!(lines.kept_end_in(2..4), None);
        assert_eq!(lines.kept_end_in(2..5), Some((4, '\u{2029}')));
        // Byte 2 of line 2 ("  y") is the y after the LS.
        assert_eq!(lines.original_offset(2, 2), Some(text.find('y').unwrap()));
        // A rewrite inside lines comes back with each line's own end; one that changes
        // the number of lines does not.
        let fixed = lines.text.replace("  y", "    y");
        assert_eq!(
            lines.restore(&fixed).as_deref(),
            Some("a: |\n  x\u{2028}    y\u{85}z\r\u{2029}\n")
        );
        assert_eq!(lines.restore("a: |\n"), None);
    }

    fn value(text: &str) -> Result<String, String> {
        quoted(text, 0).map(|(v, end)| {
            assert!(end <= text.len());
            v
        })
    }

    #[test]
    fn ls_and_ps_fold_as_line_breaks_and_stay() {
        // go-yaml (checked with the oracle): 'x<PS>    y' is "x<PS>y", as it prints it.
        assert_eq!(value("'x\u{2029}    y'").as_deref(), Ok("x\u{2029}y"));
        assert_eq!(value("'x  \u{2028}\ty'").as_deref(), Ok("x\u{2028}y"));
        assert_eq!(value("\"x\u{2028}\n  y\"").as_deref(), Ok("x\u{2028}\ny"));
        assert_eq!(value("'x\u{2028}'").as_deref(), Ok("x\u{2028}"));
        assert_eq!(
            value("'\u{2028}\u{2028}'").as_deref(),
            Ok("\u{2028}\u{2028}")
        );
        // NEL is read as a line feed, which folds into a space.
        assert_eq!(value("\"x\u{85}y\"").as_deref(), Ok("x y"));
        assert_eq!(value("'x\u{85}\u{85}y'").as_deref(), Ok("x\ny"));
    }

    #[test]
    fn the_rest_reads_as_any_quoted_scalar() {
        for (text, want) in [
            ("'it''s'", "it's"),
            ("'a\n  b\n\n  c'", "a b\nc"),
            ("\"a\\tb\\u00e9\\x41\\L\"", "a\tbéA\u{2028}"),
            ("\"a\\\n   b\"", "ab"),
            ("\"a\\\n\n b\"", "a\nb"),
            ("'  x  '", "  x  "),
            ("\"\"", ""),
        ] {
            assert_eq!(value(text).as_deref(), Ok(want), "{text:?}");
        }
        assert_eq!(quoted("'a' b", 0).map(|(_, e)| e), Ok(3));
    }

    #[test]
    fn a_marker_after_a_yaml11_break_is_refused() {
        assert!(value("'x\u{2028}--- y'").is_err());
        assert_eq!(value("'x\u{2028}  --- y'").as_deref(), Ok("x\u{2028}--- y"));
        assert_eq!(
            value("'x\n  ... y\u{2029}'").as_deref(),
            Ok("x ... y\u{2029}")
        );
        assert!(value("'x\u{2028}---y'").is_ok());
        assert!(value("'x").is_err());
        assert!(value("\"\\q\"").is_err());
    }
}

//! go-yaml's reading of NEL, LS and PS (U+0085, U+2028, U+2029) written as they are.
//!
//! They are line breaks in YAML 1.1, which go-yaml's scanner follows: a quoted scalar
//! folds around one as around any line break (the blanks on either side go), keeping LS
//! and PS themselves and turning NEL into a line feed. yaml-rust2 reads YAML 1.2, where
//! they are text. The complete parser therefore reads each quoted scalar holding one
//! again here, and refuses one anywhere else (a plain or block scalar, a comment), where
//! go-yaml's reading would change the structure around it.

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

/// The message for a YAML 1.1 line break where Strata cannot read it as go-yaml does.
pub(super) fn outside_quotes_message(c: char) -> String {
    format!(
        "U+{:04X} is a line break to go-yaml (YAML 1.1), which Strata reads as go-yaml does \
         only inside a quoted scalar or a literal block scalar that it does not end; write \
         it as an escape in a double-quoted scalar (\\N, \\L or \\P)",
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

/// go-yaml's value of a literal block scalar, and the byte range of the text it reads
/// from its header on. yaml-rust2 gives the scalar's mark where its leading empty lines
/// end: at byte `at`, column `indent` of the first content line (or where the scalar
/// ended, when it has none); `read` is yaml-rust2's value. `Err` where go-yaml would read
/// the text around it otherwise: a YAML 1.1 break where the content starts (it would
/// change the detected indentation) or one after which the scalar would end.
pub(super) fn literal(
    text: &str,
    at: usize,
    indent: usize,
    read: &str,
) -> Result<(String, (usize, usize)), String> {
    let first = read
        .chars()
        .find(|&c| is_raw_break(c))
        .unwrap_or('\u{2028}');
    let refuse = || Err(outside_quotes_message(first));
    let empty_lines = read.len() - read.trim_start_matches('\n').len();
    if read.len() == empty_lines {
        // No content line, so no YAML 1.1 break inside (yaml-rust2 takes one for
        // content): its reading stands.
        return Ok((read.to_string(), (at, at)));
    }
    let line_start = at
        .checked_sub(indent)
        .filter(|&s| s == 0 || text[..s].ends_with('\n'));
    let Some(line_start) = line_start.filter(|_| indent > 0 && !text.contains('\r')) else {
        return refuse();
    };
    if text[at..].starts_with(is_raw_break) {
        return refuse();
    }
    let Some((header, chomp)) = header_above(text, line_start) else {
        return refuse();
    };
    let body = &text[line_start..];
    let mut it = body.char_indices().peekable();
    let mut value = String::new();
    let mut trailing = "\n".repeat(empty_lines);
    let mut leading_break: Option<char> = None;
    let mut column = 0;
    loop {
        // Indentation and empty lines.
        loop {
            while column < indent && it.peek().is_some_and(|&(_, c)| c == ' ') {
                it.next();
                column += 1;
            }
            if column < indent && it.peek().is_some_and(|&(_, c)| c == '\t') {
                return Err("found a tab character where an indentation space is expected".into());
            }
            match it.peek() {
                Some(&(_, c)) if is_break(c) => {
                    it.next();
                    trailing.push(read_break(c));
                    column = 0;
                }
                _ => break,
            }
        }
        let Some(&(i, _)) = it.peek() else { break };
        if column < indent {
            // The scalar ends here: at a line of the text's own, as yaml-rust2 ends it,
            // or go-yaml would read what follows a YAML 1.1 break as structure.
            let start = i - column;
            if start != 0 && !body[..start].ends_with('\n') {
                return refuse();
            }
            break;
        }
        value.extend(leading_break.take());
        value.push_str(&trailing);
        trailing.clear();
        while let Some(&(_, c)) = it.peek() {
            if is_break(c) {
                break;
            }
            value.push(c);
            it.next();
        }
        match it.next() {
            Some((_, c)) => {
                leading_break = Some(read_break(c));
                column = 0;
            }
            None => break,
        }
    }
    let end = line_start + it.peek().map_or(body.len(), |&(i, _)| i - column);
    match chomp {
        Some('-') => {}
        Some(_) => {
            value.extend(leading_break);
            value.push_str(&trailing);
        }
        None => value.extend(leading_break),
    }
    Ok((value, (header, end)))
}

/// The byte offset of the `|` heading the block scalar whose content starts on the line
/// at `line_start`, and its chomping indicator; None where no header line is found, or
/// its line holds a YAML 1.1 break (in a comment, which go-yaml would end there).
fn header_above(text: &str, line_start: usize) -> Option<(usize, Option<char>)> {
    // Up over the leading empty lines (blanks alone) to the header's line.
    let mut end = line_start.checked_sub(1)?;
    loop {
        let start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[start..end];
        if line.trim_matches(' ').is_empty() {
            end = start.checked_sub(1)?;
            continue;
        }
        if has_raw_breaks(line) {
            return None;
        }
        // The `|` after a blank (or at the line's start) that only indicators, blanks
        // and a comment follow.
        return line.char_indices().find_map(|(i, c)| {
            let before = line[..i].chars().next_back();
            if c != '|' || before.is_some_and(|b| !is_blank(b)) {
                return None;
            }
            let rest = &line[i + 1..];
            let indicators = rest.len()
                - rest
                    .trim_start_matches(|c: char| matches!(c, '+' | '-' | '1'..='9'))
                    .len();
            let after = rest[indicators..].trim_start_matches(is_blank);
            if !(after.is_empty() || (after.starts_with('#') && indicators < rest.len())) {
                return None;
            }
            let chomp = rest[..indicators].chars().find(|c| matches!(c, '+' | '-'));
            Some((start + i, chomp))
        });
    }
}

/// What go-yaml reads a line break as: LS and PS themselves, the others a line feed.
fn read_break(c: char) -> char {
    if matches!(c, '\u{2028}' | '\u{2029}') {
        c
    } else {
        '\n'
    }
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

/// YAML 1.1 line breaks that the complete parser moved right on their line (see
/// [`breaks_left_of_their_block`]), in text order: where each is in the rewritten text,
/// the spaces that led it in the file, and those that lead it now.
#[derive(Default)]
pub(super) struct MovedBreaks(Vec<MovedBreak>);

#[derive(Clone, Copy)]
struct MovedBreak {
    at: usize,
    original: usize,
    spaces: usize,
}

impl MovedBreaks {
    /// The text with the spaces leading each break at `changes` (byte offset of the
    /// break, in text order; the spaces wanted before it) set to that many, the moves
    /// recorded. The first move of a break remembers the spaces it had.
    pub(super) fn respace(&mut self, text: &str, changes: &[(usize, usize)]) -> String {
        let mut out = String::with_capacity(text.len() + changes.len() * 8);
        let mut copied = 0;
        // Each change as (old offset, new offset, spaces before, spaces after).
        let mut moves = Vec::with_capacity(changes.len());
        for &(at, want) in changes {
            let lead = text[..at].len() - text[..at].trim_end_matches(' ').len();
            out.push_str(&text[copied..at - lead]);
            out.extend(std::iter::repeat_n(' ', want));
            moves.push((at, out.len(), lead, want));
            copied = at;
        }
        out.push_str(&text[copied..]);
        // Breaks moved before keep their first spaces; all shift by the change before.
        let mut old = std::mem::take(&mut self.0).into_iter().peekable();
        let mut delta: isize = 0;
        for (at, new_at, lead, want) in moves {
            while let Some(b) = old.next_if(|b| b.at < at) {
                self.0.push(MovedBreak {
                    at: b.at.saturating_add_signed(delta),
                    ..b
                });
            }
            let original = match old.next_if(|b| b.at == at) {
                Some(b) => b.original,
                None => lead,
            };
            self.0.push(MovedBreak {
                at: new_at,
                original,
                spaces: want,
            });
            delta = new_at as isize - at as isize;
        }
        for b in old {
            self.0.push(MovedBreak {
                at: b.at.saturating_add_signed(delta),
                ..b
            });
        }
        out
    }

    /// The breaks moved inside `span` whose spaces differ from what reads as the file
    /// did in a block indented `indent`: the indentation, or the break's own spaces if
    /// it had more (past the indentation go-yaml reads them as text), with that width.
    pub(super) fn misplaced(&self, span: (usize, usize), indent: usize) -> Vec<(usize, usize)> {
        let from = self.0.partition_point(|b| b.at < span.0);
        let to = self.0.partition_point(|b| b.at < span.1);
        self.0
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .filter(|b| b.spaces != b.original.max(indent))
            .map(|b| (b.at, b.original.max(indent)))
            .collect()
    }
}

/// For the lines that start (after spaces) with a YAML 1.1 line break left of the block
/// scalar holding them (the nearest at or above line `line`, 1-based, and the others
/// above it in its block): where each break is and the spaces to put before it, the
/// least indentation of the block's lines between its header and the break. go-yaml ends
/// the line at the break, so it is an empty line of the block, which reads the same up to
/// the block's indentation whatever leads it; yaml-rust2, to whom the break is text,
/// ended the block there. Where yaml-rust2 then finds another indentation, the Builder
/// asks for that one ([`MovedBreaks::misplaced`]).
pub(super) fn breaks_left_of_their_block(text: &str, line: usize) -> Option<Vec<(usize, usize)>> {
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0, |at, l| {
            let start = *at;
            *at += l.len();
            Some((start, l.trim_end_matches(['\n', '\r'])))
        })
        .take(line)
        .collect();
    let spaces = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let opens_with_break = |l: &str| l.trim_start_matches(' ').starts_with(is_raw_break);
    let blank = |l: &str| l.trim_matches([' ', '\t']).is_empty();
    // The error comes at or after the line yaml-rust2 could not place.
    let nearest = lines.iter().rposition(|&(_, l)| opens_with_break(l))?;
    let mut moved = vec![nearest];
    let mut least: Option<usize> = None;
    for (k, &(_, above)) in lines[..nearest].iter().enumerate().rev() {
        if opens_with_break(above) {
            moved.push(k);
            continue;
        }
        if blank(above) {
            continue;
        }
        let indent = spaces(above);
        if let Some(m) = least.filter(|&m| indent < m && is_block_header(above)) {
            let changes: Vec<(usize, usize)> = moved
                .iter()
                .rev()
                .map(|&k| lines[k])
                .filter(|&(_, l)| spaces(l) < m)
                .map(|(start, l)| (start + spaces(l), m))
                .collect();
            return (!changes.is_empty()).then_some(changes);
        }
        least = Some(least.map_or(indent, |m| m.min(indent)));
    }
    None
}

/// Whether a line ends with a block scalar header (`|` or `>`, its indicators, then
/// nothing or a comment), after a blank or at the line's start.
fn is_block_header(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    };
    let code = code.trim_end_matches([' ', '\t']);
    let head = code.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    let Some(before) = head.strip_suffix(['|', '>']) else {
        return false;
    };
    code.len() - head.len() <= 2 && (before.is_empty() || before.ends_with([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moved_breaks_keep_their_first_spaces_and_follow_the_text() {
        let text = "a: |\n    x\n  y\n\u{2029}p\n \u{2029}q\n";
        let changes = breaks_left_of_their_block(text, 6).unwrap();
        // Both break lines, to the least indentation below the header.
        let at = |t: &str, from: usize| from + t[from..].find('\u{2029}').unwrap();
        let first = at(text, 0);
        let second = at(text, first + 3);
        assert_eq!(changes, vec![(first, 2), (second, 2)]);
        let mut moved = MovedBreaks::default();
        let once = moved.respace(text, &changes);
        assert_eq!(once, "a: |\n    x\n  y\n  \u{2029}p\n  \u{2029}q\n");
        let (f, s2) = (at(&once, 0), at(&once, at(&once, 0) + 3));
        assert!(moved.misplaced((0, once.len()), 2).is_empty());
        // yaml-rust2 finding indentation 4 asks for 4, and the second break's own single
        // space is what it had before the first move.
        assert_eq!(moved.misplaced((0, once.len()), 4), vec![(f, 4), (s2, 4)]);
        let twice = moved.respace(&once, &[(s2, 4)]);
        assert_eq!(twice, "a: |\n    x\n  y\n  \u{2029}p\n    \u{2029}q\n");
        assert_eq!(moved.misplaced((0, twice.len()), 4), vec![(f, 4)]);
        assert_eq!(moved.misplaced((f + 3, twice.len()), 4), vec![]);
        // No header above: nothing to move.
        assert_eq!(breaks_left_of_their_block("a:\n  b\n\u{2029}c\n", 3), None);
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
    fn a_literal_block_reads_ls_and_ps_as_line_breaks() {
        // `text` is "k: |..." and yaml-rust2's mark is at the content's first character.
        let lit = |text: &str, indent: usize, read: &str| {
            let body = text.find('\n').unwrap() + 1;
            let first = body + text[body..].find(|c: char| c != '\n').unwrap() + indent;
            literal(text, first, indent, read)
        };
        let value = |text: &str, indent: usize, read: &str| lit(text, indent, read).map(|(v, _)| v);
        // As go-yaml reads what it prints for x<LS>y<LF> (checked with the oracle).
        let text = "k: |\n    x\u{2028}    y\n";
        assert_eq!(
            value(text, 4, "x\u{2028}    y\n"),
            Ok("x\u{2028}y\n".into())
        );
        let text = "k: |-\n  x\u{2029}  y\n";
        assert_eq!(value(text, 2, "x\u{2029}  y"), Ok("x\u{2029}y".into()));
        // Chomping takes the last break, whatever it is; NEL is a line feed.
        assert_eq!(
            value("k: |\n  x\u{2028}\n", 2, "x\u{2028}\n"),
            Ok("x\u{2028}".into())
        );
        let text = "k: |+ # c\n  x\u{2028}\n\n";
        assert_eq!(value(text, 2, "x\u{2028}\n\n"), Ok("x\u{2028}\n\n".into()));
        assert_eq!(
            value("k: |-\n  x\u{85}  y\n", 2, "x\u{85}  y"),
            Ok("x\ny".into())
        );
        // Leading empty lines stay; more indentation after a break is content.
        let text = "k: |-\n\n  x\u{2028}    y\n";
        assert_eq!(
            value(text, 2, "\nx\u{2028}    y"),
            Ok("\nx\u{2028}  y".into())
        );
        // The span runs from the header to the first line left of the content.
        let text = "k: |\n  a\u{2028}  b\nj: v\n";
        assert_eq!(
            lit(text, 2, "a\u{2028}  b\n"),
            Ok(("a\u{2028}b\n".into(), (3, 15)))
        );
        let text = "'k |': |\n  a\n";
        assert_eq!(lit(text, 2, "a\n").map(|(_, s)| s.0), Ok(7));
        // Where go-yaml would end the scalar after the break, or detect another
        // indentation, or end a comment, Strata refuses.
        assert!(value("k: |\n  x\u{2028}y\n", 2, "x\u{2028}y\n").is_err());
        assert!(value("k: |\n  \u{2028}\n  y\n", 2, "\u{2028}\ny\n").is_err());
        assert!(value("k: | # \u{2028}\n  x\n", 2, "x\n").is_err());
        // One without content reads as yaml-rust2 read it.
        assert_eq!(literal("k: |+\n\n", 7, 0, "\n"), Ok(("\n".into(), (7, 7))));
    }

    #[test]
    fn a_marker_after_a_yaml11_break_is_refused() {
        assert!(value("'x\u{2028}--- y'").is_err());
        assert!(value("'x\u{2028}---y'").is_ok());
        assert!(value("'x").is_err());
        assert!(value("\"\\q\"").is_err());
    }
}

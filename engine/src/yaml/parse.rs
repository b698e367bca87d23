//! YAML text to nodes.
//!
//! Tokenising is yaml-rust2's; this module builds [`Node`]s from its events with
//! go-yaml v3's tag resolution, merge keys (`<<`), aliases, and its refusal of
//! duplicate mapping keys. It does not know about files: callers attach the path.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag as YTag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::node::{Map, Node, Scalar, Tag};
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

/// The most nodes an alias may expand to before the document is refused ("billion laughs").
const MAX_ALIAS_EXPANSION: usize = 10_000_000;

/// Parses every document of a YAML stream. Empty documents may come back as null nodes
/// (or not at all), so callers skip null documents.
///
/// The common block-style YAML of manifests takes a fast path; anything else, and every
/// error, goes through the complete event parser.
pub fn parse_documents(text: &str) -> Result<Vec<Node>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(docs) = super::fast::parse(text) {
        return Ok(docs);
    }
    // Directives and CRLF affect the whole stream; otherwise only the documents the fast
    // path declined go through the complete parser.
    if text.contains('\r') || text.lines().any(|l| l.starts_with('%')) {
        return parse_documents_complete(text);
    }
    let mut docs = Vec::new();
    for chunk in split_documents(text) {
        match super::fast::parse(chunk) {
            Some(d) => docs.extend(d),
            None => match parse_documents_complete(chunk) {
                Ok(d) => docs.extend(d),
                // Parse the whole text again so the error's line numbers are the file's.
                Err(_) => return parse_documents_complete(text),
            },
        }
    }
    Ok(docs)
}

/// Splits a stream at `---` / `...` lines that carry nothing else.
fn split_documents(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end_matches('\n');
        let marker = (l.starts_with("---") || l.starts_with("..."))
            && l[3..].trim_matches([' ', '\t']).is_empty();
        if marker {
            out.push(&text[start..pos]);
            start = pos + line.len();
        }
        pos += line.len();
    }
    out.push(&text[start..]);
    out
}

/// The fast path alone: None where it defers to the complete parser. For tests that hold
/// the two parsers to the same results.
pub fn parse_documents_fast(text: &str) -> Option<Vec<Node>> {
    super::fast::parse(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The complete event parser alone (yaml-rust2 events, go-yaml v3 resolution).
pub fn parse_documents_complete(text: &str) -> Result<Vec<Node>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        anchors: HashMap::new(),
        expanded: 0,
    };
    let mut docs = Vec::new();
    loop {
        let (ev, mark) = next(&mut parser)?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart => {
                b.anchors.clear();
                let (ev, mark) = next(&mut parser)?;
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
        msg: e.info().to_string(),
    })
}

fn err(mark: Marker, msg: String) -> ParseError {
    ParseError {
        line: mark.line(),
        col: mark.col() + 1,
        msg,
    }
}

struct Builder {
    anchors: HashMap<usize, Node>,
    expanded: usize,
}

impl Builder {
    fn node(
        &mut self,
        p: &mut Parser<std::str::Chars<'_>>,
        ev: Event,
        mark: Marker,
    ) -> Result<Node, ParseError> {
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::Scalar(scalar(value, style, tag.as_ref()));
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| err(mark, "unknown anchor".into()))?;
                self.expanded += size(&node);
                if self.expanded > MAX_ALIAS_EXPANSION {
                    return Err(err(
                        mark,
                        "document is too large after expanding aliases".into(),
                    ));
                }
                Ok(node)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, m) = next(p)?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(p, ev, m)?);
                }
                let node = Node::Seq(items);
                self.remember(anchor, &node);
                Ok(node)
            }
            Event::MappingStart(anchor, _) => {
                let node = self.mapping(p, mark)?;
                self.remember(anchor, &node);
                Ok(node)
            }
            other => Err(err(mark, format!("unexpected event {other:?}"))),
        }
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
            let (ev, kmark) = next(p)?;
            if matches!(ev, Event::MappingEnd) {
                break;
            }
            let key_node = self.node(p, ev, kmark)?;
            let (vev, vmark) = next(p)?;
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
            if let Some(first) = lines.get(&key.value) {
                return Err(err(
                    kmark,
                    format!(
                        "mapping key {:?} already defined at line {first}",
                        key.value
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

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
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

fn scalar(value: String, style: TScalarStyle, tag: Option<&YTag>) -> Scalar {
    if let Some(t) = tag {
        let core = t.handle == "tag:yaml.org,2002:" || t.handle == "!!";
        if core {
            let tag = match t.suffix.as_str() {
                "str" | "binary" => Some(Tag::Str),
                "int" => Some(Tag::Int),
                "float" => Some(Tag::Float),
                "bool" => Some(Tag::Bool),
                "null" => Some(Tag::Null),
                "timestamp" => Some(Tag::Timestamp),
                _ => None,
            };
            if let Some(tag) = tag {
                return Scalar { tag, value };
            }
        } else if t.handle == "!" && t.suffix.is_empty() {
            return Scalar {
                tag: Tag::Str,
                value,
            };
        }
    }
    let tag = match style {
        TScalarStyle::Plain => resolve_plain(&value),
        _ => Tag::Str,
    };
    Scalar { tag, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_keeps_spelling() {
        let n = parse_one("a: 0777\nb: '1'\nc: ~\nd: |\n  x\n").unwrap_or_default();
        let a = n.get("a").and_then(Node::as_scalar).cloned();
        assert_eq!(
            a,
            Some(Scalar {
                tag: Tag::Int,
                value: "0777".into()
            })
        );
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

    #[test]
    fn syntax_error_has_line() {
        let e = parse_documents("a: 1\nb: [\n").err();
        assert!(e.is_some_and(|e| e.line >= 2));
    }
}

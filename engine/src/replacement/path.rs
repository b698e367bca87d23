//! Dotted field paths as replacements and vars write them:
//! `spec.template.spec.containers.[name=app].image`, `spec.containers.0.image`,
//! `spec.containers.*.env.[name=X].value`, `metadata.annotations.[a.b/c]`.
//!
//! [`split`] is kyaml's `SmarterPathSplitter` (dots inside brackets do not split).
//! [`lookup`] is kyaml's `PathGetter` (first match, never creates) used for sources and
//! vars; [`for_each_match`] is its `PathMatcher` (every match, optionally creating) used
//! for replacement targets.
//!
//! A leading dot (`.metadata.namespace`, as kubebuilder's and operator-sdk's scaffolds
//! write) is accepted by both, as kustomize accepts it: the getter trims every part and
//! skips the empty ones (so `data..key` and ` data . key ` read `data.key` too), while
//! the matcher drops only one leading empty part and never matches an empty part
//! elsewhere (`metadata..name` is an error there, as in kustomize).

use regex::Regex;

use crate::fieldspec::Create;
use crate::yaml::{Map, Node};

/// Splits a dotted path, keeping bracketed parts whole.
pub fn split(path: &str) -> Vec<String> {
    crate::fieldspec::split_outside(path, '.', '[', ']')
}

/// A bracketed part: `[name=value]` (or `[=value]` for scalars), or `[key]` naming a map
/// key that contains dots.
enum Part<'a> {
    Field(&'a str),
    Index(usize),
    Last,
    Match(&'a str, &'a str),
    Wildcard,
}

fn parse(part: &str) -> Part<'_> {
    if part == "*" {
        return Part::Wildcard;
    }
    if part == "-" {
        return Part::Last;
    }
    if let Ok(i) = part.parse::<usize>() {
        return Part::Index(i);
    }
    if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
        return match inner.split_once('=') {
            Some((k, v)) => Part::Match(k, v),
            None => Part::Field(inner),
        };
    }
    Part::Field(part)
}

fn text(n: &Node) -> &str {
    n.as_str().unwrap_or("")
}

fn elem_matches(e: &Node, key: &str, value: &str) -> bool {
    if key.is_empty() {
        return matches!(e, Node::Scalar(_)) && text(e) == value;
    }
    e.get(key).is_some_and(|f| !f.is_null() && text(f) == value)
}

/// Returns the node at a path, or None when any part is missing. Parts are trimmed and
/// empty ones skipped (kyaml's `cleanPath`).
pub fn lookup<'n>(node: &'n Node, parts: &[String]) -> Option<&'n Node> {
    let mut cur = node;
    for p in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        cur = match (parse(p), cur) {
            (Part::Field(f), Node::Map(m)) => m.get(f)?,
            (Part::Index(i), Node::Seq(s)) => s.get(i)?,
            (Part::Last, Node::Seq(s)) => s.last()?,
            (Part::Match(k, v), Node::Seq(s)) => s.iter().find(|e| elem_matches(e, k, v))?,
            _ => return None,
        };
    }
    Some(cur)
}

fn empty_for(next: Option<&String>, last: Create) -> Node {
    match next.map(|n| parse(n)) {
        None => last.empty(),
        Some(Part::Field(_)) => Node::map(),
        Some(_) => Node::Seq(Vec::new()),
    }
}

fn value_regex(v: &str) -> Option<Regex> {
    Regex::new(&format!("^(?:{v})$")).ok()
}

/// Calls `f` on every node the path reaches, creating missing parts when asked.
/// Returns how many nodes were visited. One leading empty part (a leading dot) is
/// dropped; any other empty part matches nothing.
pub fn for_each_match(
    node: &mut Node,
    parts: &[String],
    create: Create,
    f: &mut dyn FnMut(&mut Node, bool) -> Result<(), String>,
) -> Result<usize, String> {
    let parts = match parts {
        [first, rest @ ..] if first.is_empty() && !rest.is_empty() => rest,
        _ => parts,
    };
    walk(node, parts, create, f, false)
}

fn walk(
    node: &mut Node,
    parts: &[String],
    create: Create,
    f: &mut dyn FnMut(&mut Node, bool) -> Result<(), String>,
    created: bool,
) -> Result<usize, String> {
    let Some((head, rest)) = parts.split_first() else {
        f(node, created)?;
        return Ok(1);
    };
    let mut count = 0;
    match parse(head) {
        // kyaml's field matcher with an empty name matches no mapping entry.
        Part::Field("") => {}
        Part::Field(name) => {
            let Node::Map(m) = node else { return Ok(0) };
            let mut made = false;
            if !m.contains_key(name) {
                if create == Create::No {
                    return Ok(0);
                }
                m.insert(name.to_string(), empty_for(rest.first(), create));
                made = true;
            }
            if let Some(child) = m.get_mut(name) {
                if child.is_null() && create != Create::No && !rest.is_empty() {
                    // kyaml builds the rest of the path in a node it never attaches: an
                    // explicit `null` (or `~`) stays and counts as found, while an empty
                    // value is "wrong node kind".
                    let empty = matches!(child, Node::Scalar(s) if s.value.is_empty());
                    return Ok(usize::from(!empty));
                }
                count += walk(child, rest, create, f, made)?;
            }
        }
        Part::Index(i) => {
            if let Node::Seq(s) = node {
                // Creating may append the next element (index == length), never leave a
                // gap: kyaml's `doIndexSeq`.
                let mut made = false;
                if create != Create::No && s.len() == i {
                    s.push(empty_for(rest.first(), create));
                    made = true;
                }
                if let Some(e) = s.get_mut(i) {
                    count += walk(e, rest, create, f, made)?;
                }
            }
        }
        Part::Last => {
            if let Node::Seq(s) = node
                && let Some(e) = s.last_mut()
            {
                count += walk(e, rest, create, f, false)?;
            }
        }
        Part::Wildcard => match node {
            Node::Seq(s) => {
                for e in s.iter_mut() {
                    count += walk(e, rest, create, f, false)?;
                }
            }
            Node::Map(m) => {
                for (_, e) in m.iter_mut() {
                    count += walk(e, rest, create, f, false)?;
                }
            }
            Node::Scalar(_) => {}
        },
        Part::Match(key, value) => {
            if node.is_null() && create != Create::No {
                *node = Node::Seq(Vec::new());
            }
            let Node::Seq(s) = node else { return Ok(0) };
            let re = if value == "*" {
                None
            } else {
                value_regex(value)
            };
            let hit = |e: &Node| -> bool {
                let t = if key.is_empty() {
                    match e {
                        Node::Scalar(_) => Some(text(e)),
                        _ => None,
                    }
                } else {
                    e.get(key).filter(|f| !f.is_null()).map(text)
                };
                match (t, &re) {
                    (Some(_), None) => true,
                    (Some(t), Some(re)) => re.is_match(t),
                    (None, _) => false,
                }
            };
            for e in s.iter_mut() {
                if hit(e) {
                    count += walk(e, rest, create, f, false)?;
                }
            }
            if count == 0 && create != Create::No && !key.is_empty() {
                let mut m = Map::new();
                m.insert(key.to_string(), Node::str(value));
                s.push(Node::Map(m));
                if let Some(e) = s.last_mut() {
                    count += walk(e, rest, create, f, false)?;
                }
            }
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    #[test]
    fn a_leading_dot_is_accepted_by_lookup_and_matcher() {
        let mut n =
            parse_one("metadata:\n  name: a\n  annotations:\n    x.y/z: v\n").unwrap_or_default();
        for p in [
            ".metadata.name",
            "..metadata.name",
            " metadata . name ",
            "metadata..name",
        ] {
            assert_eq!(
                lookup(&n, &split(p)).and_then(Node::as_str),
                Some("a"),
                "{p}"
            );
        }
        let mut set = |x: &mut Node, _: bool| {
            *x = Node::str("b");
            Ok(())
        };
        let c = for_each_match(&mut n, &split(".metadata.name"), Create::No, &mut set);
        assert_eq!(c, Ok(1));
        assert_eq!(
            lookup(&n, &split("metadata.name")).and_then(Node::as_str),
            Some("b")
        );
        let made = for_each_match(
            &mut n,
            &split(".metadata.annotations.[cert-manager.io/inject-ca-from]"),
            Create::Scalar,
            &mut set,
        );
        assert_eq!(made, Ok(1));
        // Only one leading empty part goes; an inner one matches nothing, never created.
        for p in ["..metadata.name", "metadata..name", "metadata.name."] {
            let c = for_each_match(&mut n, &split(p), Create::Scalar, &mut set);
            assert_eq!(c, Ok(0), "{p}");
        }
        assert!(n.get("").is_none());
    }

    #[test]
    fn create_appends_at_the_end_of_a_list_only() {
        let mut n = parse_one("spec:\n  l: [x]\n").unwrap_or_default();
        let mut set = |x: &mut Node, made: bool| {
            assert!(made);
            *x = Node::str("v");
            Ok(())
        };
        for p in ["spec.l.1", "spec.new.0", "spec.deep.0.name"] {
            assert_eq!(
                for_each_match(&mut n, &split(p), Create::Scalar, &mut set),
                Ok(1),
                "{p}"
            );
            assert_eq!(
                lookup(&n, &split(p)).and_then(Node::as_str),
                Some("v"),
                "{p}"
            );
        }
        assert_eq!(
            for_each_match(&mut n, &split("spec.l.5"), Create::Scalar, &mut set),
            Ok(0)
        );
        assert_eq!(
            n.get_path(&["spec", "l"])
                .and_then(Node::as_seq)
                .map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn split_keeps_brackets_whole() {
        assert_eq!(split("a.[b.c=d].e"), vec!["a", "[b.c=d]", "e"]);
    }

    #[test]
    fn lookup_and_match() {
        let mut n = parse_one("spec:\n  c:\n  - {name: a, image: x}\n  - {name: b, image: y}\n")
            .unwrap_or_default();
        assert_eq!(
            lookup(&n, &split("spec.c.[name=b].image")).and_then(Node::as_str),
            Some("y")
        );
        assert_eq!(
            lookup(&n, &split("spec.c.0.image")).and_then(Node::as_str),
            Some("x")
        );
        assert!(lookup(&n, &split("spec.d")).is_none());
        let mut seen = 0;
        let c = for_each_match(
            &mut n,
            &split("spec.c.*.image"),
            Create::No,
            &mut |x, made| {
                assert!(!made);
                *x = Node::str("z");
                seen += 1;
                Ok(())
            },
        );
        assert_eq!(c, Ok(2));
        assert_eq!(seen, 2);
        let c = for_each_match(
            &mut n,
            &split("spec.new.[name=q].v"),
            Create::Scalar,
            &mut |x, made| {
                assert!(made);
                *x = Node::str("w");
                Ok(())
            },
        );
        assert_eq!(c, Ok(1));
        assert_eq!(
            lookup(&n, &split("spec.new.[name=q].v")).and_then(Node::as_str),
            Some("w")
        );
    }
}

//! Reaching the fields a [`FieldSpec`] names inside one resource (kustomize's
//! `filters/fieldspec`).
//!
//! Path segments are mapping keys; a sequence met on the way is entered element by
//! element with the same remaining path; a `[]` suffix only hints that the field is a
//! sequence. With `create`, missing mappings on the way (and the last field, of the
//! requested kind) are created; a null value counts as missing.

use crate::fieldspec::FieldSpec;
use crate::yaml::{Node, Scalar, Tag};

/// What to create at the end of the path when `create` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Never create (kustomize's zero `CreateKind`).
    No,
    /// An empty string scalar.
    Scalar,
    /// An empty mapping.
    Map,
}

/// Calls `set` on every node the spec's path reaches in `node` (the caller has checked
/// the gvk). `Err` is the message, naming the path.
pub fn apply(
    node: &mut Node,
    spec: &FieldSpec,
    create: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    walk(node, &spec.path, spec.create, create, set)
        .map_err(|m| format!("at path '{}': {m}", spec.path_string()))
}

fn walk(
    node: &mut Node,
    path: &[String],
    create: bool,
    kind: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        return set(node);
    };
    match node {
        Node::Seq(items) => {
            for it in items.iter_mut() {
                walk(it, path, create, kind, set)?;
            }
            Ok(())
        }
        Node::Map(m) => {
            let (name, is_seq) = match head.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (head.as_str(), false),
            };
            let child = if !create || kind == Create::No || is_seq {
                match m.get_mut(name) {
                    Some(c) => c,
                    None => return Ok(()),
                }
            } else {
                let want = if rest.is_empty() { kind } else { Create::Map };
                let c = m.entry(name.to_string()).or_insert_with(|| empty(want));
                if c.is_null() {
                    *c = empty(want);
                }
                c
            };
            if child.is_null() {
                if is_seq {
                    *child = Node::Seq(Vec::new());
                } else if !rest.is_empty() {
                    return Ok(());
                }
            }
            walk(child, rest, create, kind, set)
        }
        Node::Scalar(s) if s.tag == Tag::Null => Ok(()),
        Node::Scalar(_) => Err("expected sequence or mapping node".into()),
    }
}

fn empty(kind: Create) -> Node {
    match kind {
        Create::Map => Node::map(),
        Create::Scalar | Create::No => Node::Scalar(Scalar {
            tag: Tag::Str,
            value: String::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn set_x(n: &mut Node) -> Result<(), String> {
        *n = Node::str("x");
        Ok(())
    }

    #[test]
    fn walks_sequences_and_creates_only_when_asked() {
        let mut n = parse_one("spec:\n  containers:\n  - name: a\n    image: i\n  - name: b\n")
            .unwrap_or_default();
        let fs = FieldSpec::new("", "", "", "spec/containers[]/image", true);
        assert!(apply(&mut n, &fs, Create::No, &mut set_x).is_ok());
        assert_eq!(
            n.get_path(&["spec", "containers"])
                .and_then(|c| c.as_seq())
                .map(|s| s[1].get("image").is_none()),
            Some(true)
        );
        assert_eq!(
            n.get_path(&["spec", "containers"])
                .and_then(|c| c.as_seq())
                .and_then(|s| s[0].str_at(&["image"])),
            Some("x")
        );
        let fs = FieldSpec::new("", "", "", "metadata/labels", true);
        assert!(
            apply(&mut n, &fs, Create::Map, &mut |m| {
                if let Some(m) = m.as_map_mut() {
                    m.insert("a".into(), Node::str("b"));
                }
                Ok(())
            })
            .is_ok()
        );
        assert_eq!(n.str_at(&["metadata", "labels", "a"]), Some("b"));
    }

    #[test]
    fn a_scalar_in_the_middle_of_the_path_is_an_error() {
        let mut n = parse_one("spec: 3\n").unwrap_or_default();
        let fs = FieldSpec::new("", "", "", "spec/selector", true);
        assert!(apply(&mut n, &fs, Create::Map, &mut set_x).is_err());
    }
}

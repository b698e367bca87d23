//! Reaching the fields a [`FieldSpec`] names inside one resource (kustomize's
//! `filters/fieldspec`).
//!
//! Path segments are mapping keys; a sequence met on the way is entered element by
//! element with the same remaining path; a `[]` suffix only hints that the field is a
//! sequence. With `create`, missing mappings on the way (and the last field, of the
//! requested kind) are created; a null value counts as missing.
//!
//! As in kustomize, one leading `/` is ignored (`/metadata/labels`), a segment is looked
//! up trimmed (a blank one stays where it is), and an empty segment met on a mapping is
//! an error (`a//b`, a trailing `/`).

use crate::fieldspec::FieldSpec;
use crate::resource::Step;
use crate::yaml::{Node, Scalar, Tag};

/// What to create for a missing end of a path (kustomize's `CreateKind`, a yaml node
/// kind): field specs create a scalar or a mapping, replacements a leaf like the value
/// being written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Never create (kustomize's zero `CreateKind`).
    No,
    /// An empty string scalar.
    Scalar,
    /// An empty mapping.
    Map,
    /// An empty sequence.
    Seq,
}

/// Calls `set` on every node the spec's path reaches in `node` (the caller has checked
/// the gvk). `Err` is the message, naming the path.
pub fn apply(
    node: &mut Node,
    spec: &FieldSpec,
    create: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    walk(
        node,
        trimmed(spec),
        spec.create,
        create,
        &mut None,
        &mut |n, _| set(n),
    )
    .map_err(|m| format!("at path '{}': {m}", spec.path_string()))
}

/// [`apply`], giving `set` the steps from the root to the node it gets.
pub fn apply_traced(
    node: &mut Node,
    spec: &FieldSpec,
    create: Create,
    set: &mut Traced<'_>,
) -> Result<(), String> {
    let mut trace = Vec::new();
    walk(
        node,
        trimmed(spec),
        spec.create,
        create,
        &mut Some(&mut trace),
        set,
    )
    .map_err(|m| format!("at path '{}': {m}", spec.path_string()))
}

/// The spec's path without its one ignored leading empty segment.
fn trimmed(spec: &FieldSpec) -> &[String] {
    match spec.path.as_slice() {
        [first, rest @ ..] if first.is_empty() && !rest.is_empty() => rest,
        p => p,
    }
}

type Trace<'t, 'p> = Option<&'t mut Vec<Step<&'p str>>>;

/// What [`apply_traced`] calls: the node, and the steps that led to it.
pub type Traced<'s> = dyn FnMut(&mut Node, &[Step<&str>]) -> Result<(), String> + 's;

fn walk<'p>(
    node: &mut Node,
    path: &'p [String],
    create: bool,
    kind: Create,
    trace: &mut Trace<'_, 'p>,
    set: &mut Traced<'_>,
) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        return set(
            node,
            trace.as_deref().map(Vec::as_slice).unwrap_or_default(),
        );
    };
    match node {
        Node::Seq(items) => {
            for (i, it) in items.iter_mut().enumerate() {
                if let Some(t) = trace.as_deref_mut() {
                    t.push(Step::Index(i));
                }
                walk(it, path, create, kind, trace, set)?;
                if let Some(t) = trace.as_deref_mut() {
                    t.pop();
                }
            }
            Ok(())
        }
        Node::Map(m) => {
            let (name, is_seq) = match head.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (head.as_str(), false),
            };
            if name.is_empty() {
                return Err("cannot set or create an empty field name".into());
            }
            let name = name.trim();
            if name.is_empty() {
                return walk(node, rest, create, kind, trace, set);
            }
            let child = if !create || kind == Create::No || is_seq {
                match m.get_mut(name) {
                    Some(c) => c,
                    None => return Ok(()),
                }
            } else {
                let want = if rest.is_empty() { kind } else { Create::Map };
                let c = m.entry(name.to_string()).or_insert_with(|| want.empty());
                if c.is_null() {
                    *c = want.empty();
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
            if let Some(t) = trace.as_deref_mut() {
                t.push(Step::Key(name));
            }
            walk(child, rest, create, kind, trace, set)?;
            if let Some(t) = trace.as_deref_mut() {
                t.pop();
            }
            Ok(())
        }
        Node::Scalar(s) if s.tag == Tag::Null => Ok(()),
        Node::Scalar(_) => Err("expected sequence or mapping node".into()),
    }
}

impl Create {
    /// The empty node created for this kind (kyaml creates an empty string scalar for a
    /// scalar, the value's text goes into it).
    pub fn empty(self) -> Node {
        match self {
            Create::Map => Node::map(),
            Create::Seq => Node::Seq(Vec::new()),
            Create::Scalar | Create::No => Node::Scalar(Scalar::new(Tag::Str, String::new())),
        }
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
    fn one_leading_slash_is_ignored_and_empty_segments_are_errors() {
        let mut n = parse_one("spec:\n  template: {}\n").unwrap_or_default();
        let fs = FieldSpec::new("", "", "", "/spec/template/x", true);
        assert!(apply(&mut n, &fs, Create::Scalar, &mut set_x).is_ok());
        assert_eq!(n.str_at(&["spec", "template", "x"]), Some("x"));
        let fs = FieldSpec::new("", "", "", "spec/ /template/y", true);
        assert!(apply(&mut n, &fs, Create::Scalar, &mut set_x).is_ok());
        assert_eq!(n.str_at(&["spec", "template", "y"]), Some("x"));
        for p in [
            "//spec/template",
            "spec//template",
            "spec/template/",
            "/",
            "",
        ] {
            let fs = FieldSpec::new("", "", "", p, true);
            let got = apply(&mut n, &fs, Create::Map, &mut set_x);
            assert!(
                got.as_ref().is_err_and(|m| m.contains("empty field name")),
                "{p}: {got:?}"
            );
        }
        assert!(n.get("").is_none());
    }

    #[test]
    fn traced_walks_report_their_steps() {
        let mut n = parse_one("spec:\n  c:\n  - m: {}\n  - m: {}\n").unwrap_or_default();
        let fs = FieldSpec::new("", "", "", "spec/c[]/m", false);
        let mut seen = Vec::new();
        let r = apply_traced(&mut n, &fs, Create::No, &mut |_, t| {
            seen.push(
                t.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join("/"),
            );
            Ok(())
        });
        assert!(r.is_ok());
        assert_eq!(
            seen,
            [
                "Key(\"spec\")/Key(\"c\")/Index(0)/Key(\"m\")",
                "Key(\"spec\")/Key(\"c\")/Index(1)/Key(\"m\")"
            ]
        );
    }

    #[test]
    fn a_scalar_in_the_middle_of_the_path_is_an_error() {
        let mut n = parse_one("spec: 3\n").unwrap_or_default();
        let fs = FieldSpec::new("", "", "", "spec/selector", true);
        assert!(apply(&mut n, &fs, Create::Map, &mut set_x).is_err());
    }
}

//! The YAML node tree every resource is made of.
//!
//! It mirrors what kustomize's kyaml keeps of a document: each scalar's source spelling
//! together with its resolved tag, sequences, and mappings in source order.
//! Comments, styles and anchors are not kept, because kustomize's output drops them too
//! (it prints every resource through a JSON round trip).

pub use super::map::Map;

/// The resolved type of a scalar, as go-yaml v3 resolves it (YAML 1.2 core schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tag {
    /// `null`, `~`, `Null`, `NULL` or an empty plain scalar.
    Null,
    /// `true` / `false` in their three spellings.
    Bool,
    /// A decimal, octal (`0777`, `0o17`), hexadecimal or binary integer.
    Int,
    /// A floating point number, including `.inf` and `.nan`.
    Float,
    /// A plain `YYYY-MM-DD[...]` timestamp.
    Timestamp,
    /// Any string.
    Str,
}

/// A scalar: its text exactly as written (after unquoting) and its resolved tag.
#[derive(Clone, Debug)]
pub struct Scalar {
    /// The resolved type.
    pub tag: Tag,
    /// The scalar's text, unquoted, with escapes applied.
    pub value: String,
    /// How it was written. kyaml's strategic merge gives a value the style of the value
    /// it replaces, so `a: "hello"` patched with `a: 1` stays a string. The style is not
    /// part of the value: equality ignores it and the printer never reads it.
    pub style: Style,
}

/// How a scalar was written, as far as Strata knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Built or decoded on the way (kyaml's round trips may have given it any style).
    #[default]
    Unknown,
    /// Plain, as read from a file.
    Plain,
    /// Quoted or a block scalar, as read from a file.
    Quoted,
}

impl Scalar {
    /// A scalar of unknown style (as every node built in code is).
    pub fn new(tag: Tag, value: impl Into<String>) -> Scalar {
        Scalar {
            tag,
            value: value.into(),
            style: Style::Unknown,
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Scalar) -> bool {
        self.tag == other.tag && self.value == other.value
    }
}

/// A YAML node: scalar, sequence or mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A scalar value.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys.
    Map(Map),
}

impl Default for Node {
    fn default() -> Self {
        Node::Map(Map::new())
    }
}

impl Node {
    /// Returns a string scalar.
    pub fn str(s: impl Into<String>) -> Node {
        Node::Scalar(Scalar::new(Tag::Str, s.into()))
    }

    /// Returns an integer scalar.
    pub fn int(i: i64) -> Node {
        Node::Scalar(Scalar::new(Tag::Int, i.to_string()))
    }

    /// Returns a boolean scalar.
    pub fn bool(b: bool) -> Node {
        Node::Scalar(Scalar::new(Tag::Bool, b.to_string()))
    }

    /// Returns the null scalar.
    pub fn null() -> Node {
        Node::Scalar(Scalar::new(Tag::Null, "null"))
    }

    /// Returns an empty mapping.
    pub fn map() -> Node {
        Node::Map(Map::new())
    }

    /// Returns true for a null scalar.
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar(Scalar { tag: Tag::Null, .. }))
    }

    /// Returns the scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Returns a scalar's text (of any tag), or None for collections.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    /// Returns the text of a string-tagged scalar only.
    pub fn as_string(&self) -> Option<&str> {
        match self {
            Node::Scalar(Scalar {
                tag: Tag::Str,
                value,
                ..
            }) => Some(value),
            _ => None,
        }
    }

    /// Returns the mapping, if this is one.
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Returns the mapping mutably, if this is one.
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Returns the sequence, if this is one.
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match self {
            Node::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the sequence mutably, if this is one.
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match self {
            Node::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// Returns the child at `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map().and_then(|m| m.get(key))
    }

    /// Returns the child at `key` of a mapping, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut().and_then(|m| m.get_mut(key))
    }

    /// Follows a path of mapping keys.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    /// Follows a path of mapping keys, mutably.
    pub fn get_path_mut(&mut self, path: &[&str]) -> Option<&mut Node> {
        path.iter().try_fold(self, |n, k| n.get_mut(k))
    }

    /// Follows a path of mapping keys, creating empty mappings where missing (or null).
    /// Returns None when a non-mapping node stands in the way.
    pub fn ensure_path(&mut self, path: &[&str]) -> Option<&mut Node> {
        let mut cur = self;
        for k in path {
            if cur.is_null() {
                *cur = Node::map();
            }
            let m = cur.as_map_mut()?;
            cur = m.entry((*k).to_string()).or_insert_with(Node::map);
            if cur.is_null() {
                *cur = Node::map();
            }
        }
        Some(cur)
    }

    /// Returns the string at a path of mapping keys, if it is a scalar.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path).and_then(Node::as_str)
    }

    /// Returns a short human name of the node's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Node::Scalar(_) => "scalar",
            Node::Seq(_) => "sequence",
            Node::Map(_) => "mapping",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensure_path_creates_maps_and_refuses_scalars() {
        let mut n = Node::map();
        if let Some(x) = n.ensure_path(&["a", "b"]) {
            *x = Node::str("v");
        }
        assert_eq!(n.str_at(&["a", "b"]), Some("v"));
        assert!(n.ensure_path(&["a", "b", "c"]).is_none());
    }

    #[test]
    fn both_readers_record_how_scalars_were_written_and_equality_ignores_it() {
        let text = "a: plain\nb: \"dq\"\nc: 'sq'\nd: |\n  block\ne: >\n  folded\nf: [x, \"y\"]\n";
        let style = |docs: &[Node], k: &str, i: Option<usize>| {
            let n = docs[0].get(k).expect("key");
            let n = match i {
                Some(i) => &n.as_seq().expect("seq")[i],
                None => n,
            };
            n.as_scalar().map(|s| s.style)
        };
        let fast = crate::yaml::parse_documents_fast(text).expect("fast path takes it");
        let full = crate::yaml::parse_documents_complete(text).expect("complete parser");
        for docs in [&fast, &full] {
            assert_eq!(style(docs, "a", None), Some(Style::Plain));
            for k in ["b", "c", "d", "e"] {
                assert_eq!(style(docs, k, None), Some(Style::Quoted), "{k}");
            }
            assert_eq!(style(docs, "f", Some(0)), Some(Style::Plain));
            assert_eq!(style(docs, "f", Some(1)), Some(Style::Quoted));
        }
        assert_eq!(
            Node::str("dq"),
            fast[0].get("b").cloned().unwrap_or_default()
        );
    }
}

//! The mapping node: string keys in insertion order, compact for the small maps
//! manifests are made of, indexed for the large ones.
//!
//! Most mappings in Kubernetes YAML hold a handful of keys. A general hash map spends
//! a hash table, a hasher and a hash per entry on each of them, which made it most of
//! the node tree's memory and a good share of a build's time. Here a map is a vector
//! of entries searched linearly; only past [`LINEAR_MAX`] entries does it add a hash
//! index, so lookups in a large map (a big ConfigMap, a CRD's `properties`) stay O(1)
//! and building one stays linear.

use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use hashbrown::HashTable;

use super::Node;

/// Maps up to this many entries are searched linearly, without an index.
const LINEAR_MAX: usize = 16;

/// A mapping from string keys to nodes, in insertion order.
///
/// Equality ignores order, as a mapping's does: two maps are equal when they hold the
/// same keys with equal values.
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(String, Node)>,
    /// Positions in `entries` by key hash; present exactly when there are more than
    /// [`LINEAR_MAX`] entries.
    index: Option<Box<HashTable<usize>>>,
}

/// A fixed hasher: the index never affects order or output, and a build must not depend
/// on per-process random state.
fn hash(key: &str) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

impl Map {
    /// Returns an empty map (no allocation).
    pub fn new() -> Map {
        Map::default()
    }

    /// Returns an empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns true when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of `key`, if present.
    pub fn get_index_of(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(t) => t.find(hash(key), |&i| self.entries[i].0 == key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// Returns the value of `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_index_of(key).map(|i| &self.entries[i].1)
    }

    /// Returns the value of `key` mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        let i = self.get_index_of(key)?;
        Some(&mut self.entries[i].1)
    }

    /// Returns the key and value at position `i`.
    pub fn get_index(&self, i: usize) -> Option<(&String, &Node)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// Returns true when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_index_of(key).is_some()
    }

    /// Sets `key` to `value`: in place if present (returning the old value), else at
    /// the end.
    pub fn insert(&mut self, key: String, value: Node) -> Option<Node> {
        if let Some(i) = self.get_index_of(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.push_new(key, value);
        None
    }

    /// Appends an entry whose key the caller knows is absent.
    fn push_new(&mut self, key: String, value: Node) {
        let i = self.entries.len();
        let h = self.index.as_ref().map(|_| hash(&key));
        self.entries.push((key, value));
        match (&mut self.index, h) {
            (Some(t), Some(h)) => {
                let entries = &self.entries;
                t.insert_unique(h, i, |&j| hash(&entries[j].0));
            }
            _ if self.entries.len() > LINEAR_MAX => self.reindex(),
            _ => {}
        }
    }

    /// Rebuilds the index from the entries (or drops it for a small map).
    fn reindex(&mut self) {
        if self.entries.len() <= LINEAR_MAX {
            self.index = None;
            return;
        }
        let mut t = HashTable::with_capacity(self.entries.len());
        for (i, (k, _)) in self.entries.iter().enumerate() {
            let entries = &self.entries;
            t.insert_unique(hash(k), i, |&j| hash(&entries[j].0));
        }
        self.index = Some(Box::new(t));
    }

    /// Removes `key`, keeping the order of the others; returns its value.
    pub fn shift_remove(&mut self, key: &str) -> Option<Node> {
        let i = self.get_index_of(key)?;
        let (_, v) = self.entries.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(v)
    }

    /// Keeps the entries for which `f` returns true, in order.
    pub fn retain(&mut self, mut f: impl FnMut(&String, &mut Node) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| f(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.reindex();
        }
    }

    /// Sorts the entries with `cmp` over (key, value) pairs.
    pub fn sort_by(
        &mut self,
        mut cmp: impl FnMut(&String, &Node, &String, &Node) -> std::cmp::Ordering,
    ) {
        self.entries.sort_by(|a, b| cmp(&a.0, &a.1, &b.0, &b.1));
        if self.index.is_some() {
            self.reindex();
        }
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&String, &Node)> {
        self.entries.first().map(|(k, v)| (k, v))
    }

    /// The last entry.
    pub fn last(&self) -> Option<(&String, &Node)> {
        self.entries.last().map(|(k, v)| (k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Node> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, mutably, in order.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Node> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The entries, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The entries with mutable values, in order.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The entry for `key`, to read or insert in one lookup.
    pub fn entry(&mut self, key: String) -> Entry<'_> {
        let pos = self.get_index_of(&key);
        Entry {
            map: self,
            key,
            pos,
        }
    }
}

/// A key's place in a [`Map`], present or not (as `IndexMap::entry`).
pub struct Entry<'a> {
    map: &'a mut Map,
    key: String,
    pos: Option<usize>,
}

impl<'a> Entry<'a> {
    /// The value, inserting `value` first if the key is absent.
    pub fn or_insert(self, value: Node) -> &'a mut Node {
        self.or_insert_with(|| value)
    }

    /// The value, inserting `f()` first if the key is absent.
    pub fn or_insert_with(self, f: impl FnOnce() -> Node) -> &'a mut Node {
        let i = match self.pos {
            Some(i) => i,
            None => {
                self.map.push_new(self.key, f());
                self.map.entries.len() - 1
            }
        };
        &mut self.map.entries[i].1
    }

    /// The value, inserting an empty map first if the key is absent.
    pub fn or_default(self) -> &'a mut Node {
        self.or_insert_with(Node::default)
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|o| o == v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, Node)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(iter: I) -> Map {
        let mut m = Map::new();
        m.extend(iter);
        m
    }
}

impl Extend<(String, Node)> for Map {
    fn extend<I: IntoIterator<Item = (String, Node)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<const N: usize> From<[(String, Node); N]> for Map {
    fn from(a: [(String, Node); N]) -> Map {
        a.into_iter().collect()
    }
}

/// Iterator over a map's entries.
pub struct Iter<'a>(std::slice::Iter<'a, (String, Node)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Node);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Iterator over a map's entries with mutable values.
pub struct IterMut<'a>(std::slice::IterMut<'a, (String, Node)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a String, &'a mut Node);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&*k, v))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Node);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Node);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl IntoIterator for Map {
    type Item = (String, Node);
    type IntoIter = std::vec::IntoIter<(String, Node)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(n: usize) -> Map {
        (0..n)
            .map(|i| (format!("k{i}"), Node::int(i as i64)))
            .collect()
    }

    #[test]
    fn order_is_insertion_order_and_replacing_keeps_the_place() {
        let mut m = Map::new();
        m.insert("b".into(), Node::str("1"));
        m.insert("a".into(), Node::str("2"));
        assert_eq!(m.insert("b".into(), Node::str("3")), Some(Node::str("1")));
        let keys: Vec<&String> = m.keys().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(m.get("b"), Some(&Node::str("3")));
    }

    #[test]
    fn large_maps_stay_consistent_through_every_change() {
        for n in [LINEAR_MAX - 1, LINEAR_MAX, LINEAR_MAX + 1, 1000] {
            let mut m = big(n);
            assert_eq!(m.len(), n);
            assert!((0..n).all(|i| m.get(&format!("k{i}")) == Some(&Node::int(i as i64))));
            // Removing shifts positions; lookups must follow.
            assert_eq!(m.shift_remove("k0"), Some(Node::int(0)));
            assert_eq!(m.get_index_of(&format!("k{}", n - 1)), Some(n - 2));
            m.retain(|k, _| k != "k1");
            assert!(!m.contains_key("k1"));
            *m.entry("new".into()).or_insert(Node::null()) = Node::bool(true);
            assert_eq!(m.get("new"), Some(&Node::bool(true)));
            assert_eq!(m.last().map(|(k, _)| k.as_str()), Some("new"));
            m.sort_by(|a, _, b, _| b.cmp(a));
            assert_eq!(m.get_index_of("new"), Some(0));
            assert!((2..n).all(|i| m.get(&format!("k{i}")) == Some(&Node::int(i as i64))));
        }
    }

    #[test]
    fn equality_ignores_order() {
        let a: Map = [
            ("x".to_string(), Node::int(1)),
            ("y".to_string(), Node::int(2)),
        ]
        .into();
        let b: Map = [
            ("y".to_string(), Node::int(2)),
            ("x".to_string(), Node::int(1)),
        ]
        .into();
        let c: Map = [
            ("y".to_string(), Node::int(2)),
            ("x".to_string(), Node::int(9)),
        ]
        .into();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(big(100), big(100));
    }

    #[test]
    fn only_maps_past_the_linear_limit_carry_an_index() {
        assert!(big(LINEAR_MAX).index.is_none());
        let mut m = big(200_000);
        assert!(m.index.is_some());
        assert_eq!(m.get("k199999"), Some(&Node::int(199_999)));
        // Shrinking back under the limit drops the index.
        m.retain(|k, _| k.len() < 3);
        assert_eq!(m.len(), 10);
        assert!(m.index.is_none());
        assert_eq!(m.get("k9"), Some(&Node::int(9)));
    }
}

//! The ordered resource collection with lookup by id.

use std::collections::HashMap;

use super::{ResId, Resource};

/// Resources in accumulation order, indexed by current id.
///
/// Lookups are O(1) while the index is fresh. Mutable access through [`ResMap::iter_mut`]
/// or [`ResMap::get_mut`] may rename resources, so it marks the index stale; the next
/// `&mut` operation rebuilds it, and `&self` lookups on a stale index fall back to a scan
/// (correct, only slower). Transform loops therefore stay linear.
#[derive(Clone, Debug, Default)]
pub struct ResMap {
    items: Vec<Resource>,
    index: HashMap<ResId, Vec<usize>>,
    /// Positions by each previous id; only generator merges ask for it, so it is built on
    /// their first lookup after the index was rebuilt and then kept up to date.
    by_previous: Option<HashMap<ResId, Vec<usize>>>,
    stale: bool,
}

/// An id that is already taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("may not add resource with an already registered id: {0}")]
pub struct DuplicateId(pub ResId);

impl ResMap {
    /// Returns an empty map.
    pub fn new() -> ResMap {
        ResMap::default()
    }

    /// Returns the number of resources.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Returns true when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Appends a resource, refusing an id that is already present.
    pub fn append(&mut self, res: Resource) -> Result<(), DuplicateId> {
        self.fresh();
        let key = res.id().key();
        if self.index.get(&key).is_some_and(|v| !v.is_empty()) {
            return Err(DuplicateId(res.id()));
        }
        self.index.entry(key).or_default().push(self.items.len());
        self.note_previous(&res, self.items.len());
        self.items.push(res);
        Ok(())
    }

    /// Appends every resource of `other`, refusing duplicates.
    pub fn append_all(&mut self, other: ResMap) -> Result<(), DuplicateId> {
        for r in other.items {
            self.append(r)?;
        }
        Ok(())
    }

    /// Appends without the duplicate check (kustomize allows this for intermediate states).
    pub fn push_unchecked(&mut self, res: Resource) {
        self.fresh();
        self.index
            .entry(res.id().key())
            .or_default()
            .push(self.items.len());
        self.note_previous(&res, self.items.len());
        self.items.push(res);
    }

    /// Adds the previous ids of the resource at `i` to the previous-id index, if built.
    fn note_previous(&mut self, res: &Resource, i: usize) {
        if let Some(by_previous) = &mut self.by_previous {
            for p in &res.previous {
                insert_sorted(by_previous.entry(p.key()).or_default(), i);
            }
        }
    }

    /// Returns the position of the resource whose current id is `id`.
    pub fn position(&self, id: &ResId) -> Option<usize> {
        let key = id.key();
        if self.stale {
            return self.items.iter().position(|r| r.id().key() == key);
        }
        self.index.get(&key).and_then(|v| v.first().copied())
    }

    /// Returns the resource whose current id is `id`.
    pub fn get(&self, id: &ResId) -> Option<&Resource> {
        self.position(id).map(|i| &self.items[i])
    }

    /// Returns the resource whose current id is `id`, mutably (marks the index stale).
    pub fn get_mut(&mut self, id: &ResId) -> Option<&mut Resource> {
        self.fresh();
        let i = self.position(id)?;
        self.stale = true;
        Some(&mut self.items[i])
    }

    /// Returns the positions of resources that have, or once had, `id`, in order: two
    /// hash lookups, so absorbing N generated resources stays linear.
    pub fn positions_by_any_id(&mut self, id: &ResId) -> Vec<usize> {
        self.fresh();
        let items = &self.items;
        let by_previous = self.by_previous.get_or_insert_with(|| {
            let mut m: HashMap<ResId, Vec<usize>> = HashMap::new();
            for (i, r) in items.iter().enumerate() {
                for p in &r.previous {
                    insert_sorted(m.entry(p.key()).or_default(), i);
                }
            }
            m
        });
        let key = id.key();
        let mut out: Vec<usize> = [self.index.get(&key), by_previous.get(&key)]
            .into_iter()
            .flatten()
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Returns the resource at a position.
    pub fn at(&self, i: usize) -> Option<&Resource> {
        self.items.get(i)
    }

    /// Returns the resource at a position, mutably (marks the index stale).
    pub fn at_mut(&mut self, i: usize) -> Option<&mut Resource> {
        self.stale = true;
        self.items.get_mut(i)
    }

    /// Replaces the resource at a position, keeping a fresh index fresh (a generator
    /// merging into N resources must not rebuild it N times).
    pub fn replace_at(&mut self, i: usize, res: Resource) {
        let Some(slot) = self.items.get_mut(i) else {
            return;
        };
        let old = std::mem::replace(slot, res);
        if self.stale {
            return;
        }
        let new = &self.items[i];
        let (old_key, new_key) = (old.id().key(), new.id().key());
        if old_key != new_key {
            if let Some(v) = self.index.get_mut(&old_key) {
                v.retain(|&j| j != i);
            }
            insert_sorted(self.index.entry(new_key).or_default(), i);
        }
        if let Some(by_previous) = &mut self.by_previous
            && old.previous != new.previous
        {
            for p in &old.previous {
                if let Some(v) = by_previous.get_mut(&p.key()) {
                    v.retain(|&j| j != i);
                }
            }
            for p in &new.previous {
                insert_sorted(by_previous.entry(p.key()).or_default(), i);
            }
        }
    }

    /// Removes and returns the resource at a position.
    pub fn remove_at(&mut self, i: usize) -> Option<Resource> {
        if i >= self.items.len() {
            return None;
        }
        let r = self.items.remove(i);
        self.stale = true;
        Some(r)
    }

    /// Keeps only the resources for which `f` returns true.
    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.items.retain(f);
        self.stale = true;
    }

    /// Iterates in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.items.iter()
    }

    /// Iterates mutably in order (marks the index stale).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Resource> {
        self.stale = true;
        self.items.iter_mut()
    }

    /// Returns the resources as a slice.
    pub fn as_slice(&self) -> &[Resource] {
        &self.items
    }

    /// Sorts with a stable comparison (marks the index stale).
    pub fn sort_by(&mut self, f: impl FnMut(&Resource, &Resource) -> std::cmp::Ordering) {
        self.items.sort_by(f);
        self.stale = true;
    }

    /// Returns the resources, consuming the map.
    pub fn into_vec(self) -> Vec<Resource> {
        self.items
    }

    /// Rebuilds the index if stale.
    pub fn fresh(&mut self) {
        if !self.stale {
            return;
        }
        self.index.clear();
        self.by_previous = None;
        for (i, r) in self.items.iter().enumerate() {
            self.index.entry(r.id().key()).or_default().push(i);
        }
        self.stale = false;
    }
}

/// Inserts `i` into an ascending list of positions, once.
fn insert_sorted(v: &mut Vec<usize>, i: usize) {
    let at = v.partition_point(|&j| j < i);
    if v.get(at) != Some(&i) {
        v.insert(at, i);
    }
}

impl FromIterator<Resource> for ResMap {
    fn from_iter<T: IntoIterator<Item = Resource>>(iter: T) -> Self {
        let mut m = ResMap::new();
        for r in iter {
            m.push_unchecked(r);
        }
        m
    }
}

impl<'a> IntoIterator for &'a ResMap {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_one;

    fn res(kind: &str, name: &str, ns: &str) -> Resource {
        let text =
            format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {ns}\n");
        Resource::new(parse_one(&text).unwrap_or_default())
    }

    #[test]
    fn duplicates_are_refused_and_default_namespace_is_empty() {
        let mut m = ResMap::new();
        assert!(m.append(res("ConfigMap", "a", "default")).is_ok());
        assert!(m.append(res("ConfigMap", "a", "\"\"")).is_err());
        assert!(m.append(res("ConfigMap", "a", "other")).is_ok());
    }

    /// `n` ConfigMaps `c0`.. renamed to `p-c0`.., the old names kept as previous ids.
    fn prefixed(n: usize) -> ResMap {
        let mut m = ResMap::new();
        for i in 0..n {
            let _ = m.append(res("ConfigMap", &format!("c{i}"), "x"));
        }
        for r in m.iter_mut() {
            r.remember_id();
            let n = format!("p-{}", r.name());
            r.set_name(&n);
        }
        m
    }

    #[test]
    fn lookups_survive_renames() {
        let mut m = prefixed(1000);
        let id = res("ConfigMap", "p-c7", "x").id();
        assert_eq!(m.position(&id), Some(7));
        m.fresh();
        assert_eq!(m.position(&id), Some(7));
        assert_eq!(
            m.positions_by_any_id(&res("ConfigMap", "c7", "x").id()),
            vec![7]
        );
    }

    /// The scan the indexed lookup replaces, as the reference.
    fn scan(m: &ResMap, id: &ResId) -> Vec<usize> {
        let key = id.key();
        (0..m.len())
            .filter(|&i| {
                m.at(i).is_some_and(|r| {
                    r.id().key() == key || r.previous.iter().any(|p| p.key() == key)
                })
            })
            .collect()
    }

    /// Lookups by any id agree with a scan through appends, renames and replacements
    /// (which keep the indexes up to date instead of rebuilding them).
    #[test]
    fn lookups_by_any_id_follow_appends_and_replacements() {
        let mut m = prefixed(20);
        let probe = |m: &mut ResMap| {
            for name in ["c3", "p-c3", "c15", "p-c15", "q", "p-q", "c20", "p-c20"] {
                let id = res("ConfigMap", name, "x").id();
                let want = scan(m, &id);
                assert_eq!(m.positions_by_any_id(&id), want, "{name}");
            }
        };
        probe(&mut m);
        // A replacement that takes another resource's old name and drops its history.
        m.replace_at(3, res("ConfigMap", "c15", "x"));
        probe(&mut m);
        let mut renamed = res("ConfigMap", "q", "x");
        renamed.previous.push(res("ConfigMap", "c3", "x").id());
        m.replace_at(15, renamed);
        probe(&mut m);
        let mut later = res("ConfigMap", "p-c20", "x");
        later.previous.push(res("ConfigMap", "c20", "x").id());
        let _ = m.append(later);
        probe(&mut m);
        assert_eq!(
            m.position(&res("ConfigMap", "q", "x").id()),
            Some(15),
            "the current-id index follows replacements too"
        );
    }
}

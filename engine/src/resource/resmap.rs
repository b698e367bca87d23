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
        self.items.push(res);
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

    /// Returns the positions of resources that have, or once had, `id`.
    pub fn positions_by_any_id(&self, id: &ResId) -> Vec<usize> {
        let key = id.key();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id().key() == key || r.previous.iter().any(|p| p.key() == key))
            .map(|(i, _)| i)
            .collect()
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

    /// Replaces the resource at a position.
    pub fn replace_at(&mut self, i: usize, res: Resource) {
        if let Some(slot) = self.items.get_mut(i) {
            *slot = res;
            self.stale = true;
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
        for (i, r) in self.items.iter().enumerate() {
            self.index.entry(r.id().key()).or_default().push(i);
        }
        self.stale = false;
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

    #[test]
    fn lookups_survive_renames() {
        let mut m = ResMap::new();
        for i in 0..1000 {
            let _ = m.append(res("ConfigMap", &format!("c{i}"), "x"));
        }
        for r in m.iter_mut() {
            r.remember_id();
            let n = format!("p-{}", r.name());
            r.set_name(&n);
        }
        let id = res("ConfigMap", "p-c7", "x").id();
        assert_eq!(m.position(&id), Some(7));
        m.fresh();
        assert_eq!(m.position(&id), Some(7));
        assert_eq!(
            m.positions_by_any_id(&res("ConfigMap", "c7", "x").id()),
            vec![7]
        );
    }
}

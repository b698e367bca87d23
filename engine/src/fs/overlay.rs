//! A file system that adds or shadows a few in-memory files over another one.
//!
//! App composition ([`crate::app`]) builds "a base plus chosen overlays" by synthesising
//! one kustomization file (in a directory that does not exist on disk) and by presenting
//! kfctl-era overlays as Components. Doing that in memory keeps the user's tree read-only
//! and keeps build-machine paths out of the output: nothing is copied or written.
//!
//! Virtual paths are absolute and lexical. A path that starts with a virtual directory is
//! resolved lexically up to its first component outside the virtual set, and the rest is
//! handed to the inner file system, so `VIRTUAL/../base` canonicalises to the real
//! `base` beside the virtual directory.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{Fs, Kind};

/// An inner file system plus in-memory files that take precedence over it.
pub struct OverlayFs<'a> {
    inner: &'a dyn Fs,
    files: BTreeMap<PathBuf, Vec<u8>>,
    dirs: BTreeSet<PathBuf>,
}

impl<'a> OverlayFs<'a> {
    /// Wraps `inner` with no virtual files yet.
    pub fn new(inner: &'a dyn Fs) -> OverlayFs<'a> {
        OverlayFs {
            inner,
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
        }
    }

    /// Adds (or shadows) the file at the absolute path `path`; a parent directory that does
    /// not exist in the inner file system becomes a virtual directory.
    pub fn add_file(&mut self, path: PathBuf, bytes: Vec<u8>) {
        if let Some(parent) = path.parent()
            && self.inner.kind(parent).is_none()
        {
            self.dirs.insert(parent.to_path_buf());
        }
        self.files.insert(path, bytes);
    }

    /// Returns true when `path` is one of the in-memory files.
    pub fn is_virtual(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    /// Returns the in-memory files, sorted by path.
    pub fn virtual_files(&self) -> impl Iterator<Item = (&Path, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_path(), b.as_slice()))
    }

    /// Resolves a path that starts in a virtual directory, lexically, until it leaves the
    /// virtual set; returns None when `path` does not start in one.
    fn resolve_virtual(&self, path: &Path) -> Option<io::Result<PathBuf>> {
        let dir = self.dirs.iter().find(|d| path.starts_with(d))?;
        let mut cur = dir.clone();
        let rest = path.strip_prefix(dir).ok()?;
        let mut comps = rest.components();
        while let Some(c) = comps.next() {
            match c {
                Component::CurDir => {}
                Component::ParentDir => {
                    cur.pop();
                }
                Component::Normal(n) => cur.push(n),
                Component::RootDir | Component::Prefix(_) => {}
            }
            if !self.dirs.contains(&cur) && !self.files.contains_key(&cur) {
                let tail: PathBuf = comps.collect();
                let joined = if tail.as_os_str().is_empty() {
                    cur
                } else {
                    cur.join(tail)
                };
                return Some(self.inner.canonicalize(&joined));
            }
        }
        Some(Ok(cur))
    }
}

impl Fs for OverlayFs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(b) => Ok(b.clone()),
            None => self.inner.read(path),
        }
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        match self.files.get(path) {
            Some(b) => Ok(b.len() as u64),
            None => self.inner.size(path),
        }
    }
    fn kind(&self, path: &Path) -> Option<Kind> {
        if self.files.contains_key(path) {
            return Some(Kind::File);
        }
        if self.dirs.contains(path) {
            return Some(Kind::Dir);
        }
        match self.resolve_virtual(path) {
            Some(Ok(p)) if p != path => self.kind(&p),
            Some(_) => None,
            None => self.inner.kind(path),
        }
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        if self.files.contains_key(path) || self.dirs.contains(path) {
            return Ok(path.to_path_buf());
        }
        match self.resolve_virtual(path) {
            Some(r) => r,
            None => self.inner.canonicalize(path),
        }
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = if self.dirs.contains(path) {
            Vec::new()
        } else {
            self.inner.read_dir(path)?
        };
        for p in self.files.keys().chain(self.dirs.iter()) {
            if p.parent() == Some(path) && !v.contains(p) {
                v.push(p.clone());
            }
        }
        v.sort();
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::fs::EmptyFs;

    /// The inner tree, itself in memory: files under `/r`.
    fn mem() -> OverlayFs<'static> {
        let mut m = OverlayFs::new(&EmptyFs);
        m.add_file(
            PathBuf::from("/r/base/kustomization.yaml"),
            b"resources: []\n".to_vec(),
        );
        m.add_file(
            PathBuf::from("/r/overlays/a/kustomization.yaml"),
            b"kind: Kustomization\n".to_vec(),
        );
        m
    }

    #[test]
    fn virtual_dir_resolves_parent_paths_into_the_real_tree() {
        let inner = mem();
        let mut fs = OverlayFs::new(&inner);
        fs.add_file(
            PathBuf::from("/r/.v/kustomization.yaml"),
            b"resources: [../base]\n".to_vec(),
        );
        assert_eq!(fs.kind(Path::new("/r/.v")), Some(Kind::Dir));
        assert_eq!(
            fs.kind(Path::new("/r/.v/kustomization.yaml")),
            Some(Kind::File)
        );
        assert_eq!(
            fs.canonicalize(Path::new("/r/.v/../base")).ok(),
            Some(PathBuf::from("/r/base"))
        );
        assert_eq!(fs.kind(Path::new("/r/.v/../base")), Some(Kind::Dir));
        assert!(fs.canonicalize(Path::new("/r/.v/missing")).is_err());
        assert_eq!(
            fs.read_dir(Path::new("/r/.v")).ok(),
            Some(vec![PathBuf::from("/r/.v/kustomization.yaml")])
        );
    }

    #[test]
    fn shadowed_file_wins_over_the_inner_one() {
        let inner = mem();
        let mut fs = OverlayFs::new(&inner);
        let p = PathBuf::from("/r/overlays/a/kustomization.yaml");
        fs.add_file(p.clone(), b"kind: Component\n".to_vec());
        assert_eq!(fs.read(&p).ok(), Some(b"kind: Component\n".to_vec()));
        assert_eq!(fs.size(&p).ok(), Some(16));
        assert!(fs.is_virtual(&p));
        // The real directory is not turned into a virtual one.
        assert_eq!(fs.read_dir(Path::new("/r/overlays/a")).ok(), Some(vec![p]));
    }
}

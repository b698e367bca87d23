//! A file system wrapper that records every file a build reads, with its sha256.
//!
//! Provenance ([`crate::bundle`]'s lock document) must list every input file. All reads
//! of a build go through [`Fs::read`] (the loader reads nothing else), so wrapping the file
//! system records them without touching the loader or the accumulation walk.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::{Fs, Kind};

/// Wraps a file system and remembers `(path, sha256)` of each file read through it.
pub struct RecordingFs<'a> {
    inner: &'a dyn Fs,
    reads: Mutex<BTreeMap<PathBuf, String>>,
}

impl<'a> RecordingFs<'a> {
    /// Wraps `inner` with an empty record.
    pub fn new(inner: &'a dyn Fs) -> RecordingFs<'a> {
        RecordingFs {
            inner,
            reads: Mutex::new(BTreeMap::new()),
        }
    }

    /// Returns the files read so far, sorted by path, with their lowercase hex sha256.
    pub fn reads(&self) -> Vec<(PathBuf, String)> {
        match self.reads.lock() {
            Ok(m) => m.iter().map(|(p, d)| (p.clone(), d.clone())).collect(),
            Err(poisoned) => poisoned
                .into_inner()
                .iter()
                .map(|(p, d)| (p.clone(), d.clone()))
                .collect(),
        }
    }
}

/// Returns the lowercase hex sha256 of `bytes` (the one definition: bundles, locks,
/// plugin pins, the plugin cache and content-hash suffixes all use it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl Fs for RecordingFs<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = self.inner.read(path)?;
        let digest = sha256_hex(&bytes);
        match self.reads.lock() {
            Ok(mut m) => m.insert(path.to_path_buf(), digest),
            Err(poisoned) => poisoned.into_inner().insert(path.to_path_buf(), digest),
        };
        Ok(bytes)
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        self.inner.size(path)
    }
    fn kind(&self, path: &Path) -> Option<Kind> {
        self.inner.kind(path)
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.inner.canonicalize(path)
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.inner.read_dir(path)
    }
    fn is_symlink(&self, path: &Path) -> io::Result<bool> {
        self.inner.is_symlink(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::overlay::OverlayFs;

    #[test]
    fn records_each_read_once_with_its_digest() {
        let mut o = OverlayFs::new(&crate::fs::EmptyFs);
        o.add_file(PathBuf::from("/v/b"), b"abc".to_vec());
        o.add_file(PathBuf::from("/v/a"), Vec::new());
        let fs = RecordingFs::new(&o);
        assert!(fs.read(Path::new("/v/b")).is_ok());
        assert!(fs.read(Path::new("/v/a")).is_ok());
        assert!(fs.read(Path::new("/v/b")).is_ok());
        assert!(fs.read(Path::new("/v/missing")).is_err());
        let r = fs.reads();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, PathBuf::from("/v/a"));
        assert_eq!(
            r[0].1,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            r[1].1,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

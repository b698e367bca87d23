//! The file-system boundary: the only module that touches the disk.
//!
//! Everything else reads through [`Fs`] (so tests can swap it) and writes through
//! [`write_atomic`] and [`write_into_dir`] (so a failed run never leaves half an output
//! behind, and never writes outside it).

pub mod overlay;
pub mod private;
pub mod process;
pub mod record;
mod write;

pub use write::{
    Entry, Leftover, NAME_MAX, TMP_PREFIX, create_dir_all, create_dir_atomic, entry,
    leftovers_around, resolve_link, segment_problem, tmp_name_pid, write_atomic, write_file,
    write_into_dir,
};

use std::io;
use std::path::{Path, PathBuf};

/// The largest file the loader reads; larger ones are refused before any byte is read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The first `n` bytes of a regular file (fewer when it is shorter), to recognise what
/// it is without reading it whole.
#[allow(clippy::disallowed_methods, reason = "the fs boundary")]
pub fn read_head(path: &Path, n: u64) -> io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    regular(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(n).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (after following symlinks).
    File,
    /// A directory (after following symlinks).
    Dir,
}

/// Read access to a tree of files.
pub trait Fs: Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Returns the file's size in bytes.
    fn size(&self, path: &Path) -> io::Result<u64>;
    /// Returns what `path` names, following symlinks, or None if nothing.
    fn kind(&self, path: &Path) -> Option<Kind>;
    /// Resolves symlinks and `..` to an absolute path.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// Lists a directory's entries, sorted by name so results never depend on disk order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Returns whether `path` itself is a symbolic link (not following it). `Ok(true)`,
    /// the default, means "cannot tell cheaply" and sends the caller to
    /// [`Fs::canonicalize`], which is always right.
    fn is_symlink(&self, _path: &Path) -> io::Result<bool> {
        Ok(true)
    }
}

/// The real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskFs;

#[allow(clippy::disallowed_methods, reason = "the fs boundary")]
impl Fs for DiskFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        use std::io::Read as _;
        // A device or FIFO passes a size check (stat says 0 bytes) and then reads forever
        // or blocks: refuse what is not a regular file before opening it, open without
        // blocking (a FIFO swapped in meanwhile would wait for a writer), check the opened
        // file itself, and bound the read in case the file grows while it is read.
        regular(&std::fs::metadata(path)?)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
        let file = options.open(path)?;
        let meta = file.metadata()?;
        regular(&meta)?;
        let mut bytes = Vec::with_capacity(meta.len().min(MAX_FILE_BYTES) as usize);
        file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!("file grew past the {MAX_FILE_BYTES}-byte limit while read"),
            ));
        }
        Ok(bytes)
    }
    fn size(&self, path: &Path) -> io::Result<u64> {
        std::fs::metadata(path).map(|m| m.len())
    }
    fn kind(&self, path: &Path) -> Option<Kind> {
        let m = std::fs::metadata(path).ok()?;
        if m.is_dir() {
            Some(Kind::Dir)
        } else {
            Some(Kind::File)
        }
    }
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn is_symlink(&self, path: &Path) -> io::Result<bool> {
        std::fs::symlink_metadata(path).map(|m| m.file_type().is_symlink())
    }
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let mut v = Vec::new();
        for e in std::fs::read_dir(path)? {
            v.push(e?.path());
        }
        v.sort();
        Ok(v)
    }
}

/// Refuses anything but a regular file (devices, FIFOs, sockets), which have no size to
/// check and may never end.
fn regular(meta: &std::fs::Metadata) -> io::Result<()> {
    if meta.is_file() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (devices, FIFOs and sockets are refused)",
        ))
    }
}

/// A file system with nothing in it: the base for trees that live entirely in an
/// [`overlay::OverlayFs`] (tests, synthesised kustomizations).
#[derive(Clone, Copy, Debug, Default)]
pub struct EmptyFs;

impl Fs for EmptyFs {
    fn read(&self, _: &Path) -> io::Result<Vec<u8>> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn size(&self, _: &Path) -> io::Result<u64> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn kind(&self, _: &Path) -> Option<Kind> {
        None
    }
    fn canonicalize(&self, _: &Path) -> io::Result<PathBuf> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn read_dir(&self, _: &Path) -> io::Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

//! Writing outputs: whole or not at all, only inside what the user named, and keeping what
//! is already there (a symlink stays a link, a file keeps its mode and owner, a device or
//! FIFO is written to, not replaced).
//!
//! Every temporary name is `.strata-tmp-<pid>-<seq>[-<name>]`, so what a killed run left
//! can be told from everything else ([`leftovers`]).
#![allow(clippy::disallowed_methods, reason = "the fs boundary: writes")]

use std::fs::{File, Metadata, OpenOptions, Permissions};
use std::io::{self, Write as _};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The start of every temporary file or directory name Strata writes.
pub const TMP_PREFIX: &str = ".strata-tmp-";

/// The longest file name most file systems accept, in bytes (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// How many symbolic links [`resolve_link`] follows before giving up (Linux's `ELOOP` bound).
const MAX_LINKS: usize = 40;

/// Tells temporaries of one process apart, threads included.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// What a path itself is (a final symlink is not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Nothing is there.
    Missing,
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A character or block device, or a FIFO: written to directly, never replaced.
    Device,
    /// Anything else (a socket).
    Other,
}

/// Returns what `path` itself is, without following a final symlink.
pub fn entry(path: &Path) -> io::Result<Entry> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => Ok(entry_of(&m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entry::Missing),
        Err(e) => Err(e),
    }
}

fn entry_of(m: &Metadata) -> Entry {
    let t = m.file_type();
    if t.is_file() {
        Entry::File
    } else if t.is_dir() {
        Entry::Dir
    } else if t.is_symlink() {
        Entry::Symlink
    } else if t.is_char_device() || t.is_block_device() || t.is_fifo() {
        Entry::Device
    } else {
        Entry::Other
    }
}

/// Follows symbolic links at the end of `path` to what they name (which may not exist
/// yet), so writing to a link writes to its target and keeps the link.
pub fn resolve_link(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if entry(&p)? != Entry::Symlink {
            return Ok(p);
        }
        let target = std::fs::read_link(&p)?;
        p = match p.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    Err(io::Error::other(format!(
        "{}: more than {MAX_LINKS} levels of symbolic links",
        path.display()
    )))
}

/// Returns why `name` cannot be a file name inside a directory, or `None` when it can:
/// one path segment, not empty, not `.` or `..`, no `/` or NUL, at most [`NAME_MAX`] bytes.
pub fn segment_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("is empty")
    } else if name == "." || name == ".." {
        Some("is . or ..")
    } else if name.contains('/') {
        Some("contains '/'")
    } else if name.contains('\0') {
        Some("contains a NUL byte")
    } else if name.len() > NAME_MAX {
        Some("is longer than 255 bytes")
    } else {
        None
    }
}

/// Writes `bytes` to `path`, so readers see the old content or the whole new one.
///
/// A symlink is followed to its target (the link stays). A regular file is replaced
/// through a temporary file beside it and a rename, keeping its mode and, where the
/// user may, its owner and group; a device or FIFO is opened and written directly (there
/// is nothing to rename over; `/dev/stdout` works); a missing file is created with the
/// default mode.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    // What the path leads to, through every link (`/proc` links included).
    let followed = match std::fs::metadata(path) {
        Ok(m) => Some(entry_of(&m)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    match followed {
        Some(Entry::Device) => {
            let mut f = OpenOptions::new().write(true).open(path)?;
            f.write_all(bytes)?;
            f.flush()
        }
        Some(Entry::Dir) => Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            format!("{} is a directory", path.display()),
        )),
        None | Some(Entry::File) => {
            let target = resolve_link(path)?;
            match std::fs::symlink_metadata(&target) {
                Ok(m) if entry_of(&m) == Entry::File => replace_file(&target, bytes, Some(&m)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => replace_file(&target, bytes, None),
                Err(e) => Err(e),
                Ok(_) => Err(io::Error::other(format!(
                    "{}: cannot tell which file the link leads to",
                    path.display()
                ))),
            }
        }
        Some(Entry::Symlink | Entry::Missing | Entry::Other) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is not a regular file, a device or a FIFO",
                path.display()
            ),
        )),
    }
}

/// Replaces (or creates) the regular file `target` through a temporary beside it.
fn replace_file(target: &Path, bytes: &[u8], old: Option<&Metadata>) -> io::Result<()> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent_dir(target).join(tmp_name(Some(&name)));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        if let Some(m) = old {
            keep_owner_and_mode(&f, m)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Gives a freshly written file the mode of the one it replaces, and its owner and group
/// where the user may (root may; anyone may keep a group they belong to).
fn keep_owner_and_mode(f: &File, old: &Metadata) -> io::Result<()> {
    let new = f.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid())
        && std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid())).is_err()
    {
        let _ = std::os::unix::fs::fchown(f, None, Some(old.gid()));
    }
    // After chown, which clears set-id bits.
    f.set_permissions(Permissions::from_mode(old.mode() & 0o7777))
}

/// The directory `path` is in (`.` for a bare name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A fresh temporary name: `.strata-tmp-<pid>-<seq>`, then `-<hint>` (shortened so the
/// whole stays a valid file name) when given.
fn tmp_name(hint: Option<&str>) -> String {
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let base = format!("{TMP_PREFIX}{}-{seq}", std::process::id());
    match hint {
        Some(h) => {
            let mut end = h.len().min(100);
            while !h.is_char_boundary(end) {
                end -= 1;
            }
            format!("{base}-{}", &h[..end])
        }
        None => base,
    }
}

/// Returns the process id in a Strata temporary name, or `None` when `name` is not one.
pub fn tmp_name_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(TMP_PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    let seq_len = rest.find('-').unwrap_or(rest.len());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(pid) || !digits(&rest[..seq_len]) {
        return None;
    }
    pid.parse().ok()
}

/// A temporary file or directory that a Strata run which did not finish left behind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leftover {
    /// Where it is.
    pub path: PathBuf,
    /// The process that wrote it (no longer running, or not known to be).
    pub pid: u32,
}

/// Returns the Strata temporaries in the directory of `out` (and in `out` itself when it
/// is a directory) whose process is no longer running, so the caller can name them:
/// they are never removed, since a name is no proof of who wrote the file.
pub fn leftovers_around(out: &Path) -> Vec<Leftover> {
    let Ok(target) = resolve_link(out) else {
        return Vec::new();
    };
    let mut dirs = vec![parent_dir(&target)];
    if entry(&target).ok() == Some(Entry::Dir) {
        dirs.push(target);
    }
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(pid) = tmp_name_pid(&name.to_string_lossy()) else {
                continue;
            };
            if pid != std::process::id() && process_alive(pid) != Some(true) {
                found.push(Leftover {
                    path: dir.join(&name),
                    pid,
                });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// Whether process `pid` is running, or `None` where that cannot be told (no `/proc`).
fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
}

/// Creates the directory `dest`, which must not exist yet, holding what `build` writes,
/// whole or not at all: `build` fills a temporary sibling that is then renamed to `dest`.
pub fn create_dir_atomic(
    dest: &Path,
    build: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    let name = dest.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a directory name", dest.display()),
        )
    })?;
    let parent = parent_dir(dest);
    std::fs::create_dir_all(&parent)?;
    let tmp = parent.join(tmp_name(Some(&name.to_string_lossy())));
    std::fs::create_dir(&tmp)?;
    // rename(2) replaces only an empty directory, so a `dest` that appeared meanwhile
    // with something in it is an error, never overwritten.
    let result = build(&tmp).and_then(|()| std::fs::rename(&tmp, dest));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Writes `files` (paths relative to the existing directory `dir`, parents created) so
/// they replace what is there all together or not at all, then removes the regular files
/// in `obsolete`.
///
/// Every name is checked and every file written into a temporary directory inside `dir`
/// first; only then are they renamed into place, in order (so the last one can be a
/// commit point, like a layout's `index.json`). Should a rename fail, the files already
/// replaced are put back from hard links taken beforehand. An existing target must be a
/// regular file (it keeps its mode and owner); a link, directory or device is refused.
pub fn write_into_dir(
    dir: &Path,
    files: &[(PathBuf, &[u8])],
    obsolete: &[PathBuf],
) -> io::Result<()> {
    let mut targets: Vec<(PathBuf, Option<Metadata>)> = Vec::with_capacity(files.len());
    let mut seen = std::collections::HashSet::with_capacity(files.len());
    for (rel, _) in files {
        check_inside(dir, rel)?;
        if !seen.insert(rel) {
            return Err(refusal(&dir.join(rel), "is written twice"));
        }
        let path = dir.join(rel);
        let old = match std::fs::symlink_metadata(&path) {
            Ok(m) if entry_of(&m) == Entry::File => Some(m),
            Ok(m) => {
                let what = match entry_of(&m) {
                    Entry::Dir => "is a directory",
                    Entry::Symlink => "is a symbolic link",
                    _ => "is not a regular file",
                };
                return Err(refusal(
                    &path,
                    &format!("{what}; only regular files are replaced inside an output directory"),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(named(&path, e)),
        };
        targets.push((path, old));
    }
    let staging = dir.join(tmp_name(None));
    std::fs::create_dir(&staging).map_err(|e| named(&staging, e))?;
    let mut tx = Transaction {
        staging,
        created_dirs: Vec::new(),
        replaced: Vec::new(),
    };
    let result = tx.stage_and_rename(dir, files, &targets);
    if result.is_err() {
        tx.roll_back();
    }
    if result.is_ok() {
        for rel in obsolete {
            let path = dir.join(rel);
            // What cannot be removed is only clutter; the new content is in place.
            if check_inside(dir, rel).is_ok() && entry(&path).ok() == Some(Entry::File) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tx.staging);
    result
}

/// One [`write_into_dir`]: what it created and replaced, to undo it on failure.
struct Transaction {
    staging: PathBuf,
    created_dirs: Vec<PathBuf>,
    /// Each target renamed into place, with the hard link to the file it replaced.
    replaced: Vec<(PathBuf, Option<PathBuf>)>,
}

impl Transaction {
    fn stage_and_rename(
        &mut self,
        dir: &Path,
        files: &[(PathBuf, &[u8])],
        targets: &[(PathBuf, Option<Metadata>)],
    ) -> io::Result<()> {
        let mut staged = Vec::with_capacity(files.len());
        for (i, ((_, bytes), (_, old))) in files.iter().zip(targets).enumerate() {
            let tmp = self.staging.join(i.to_string());
            let write = || -> io::Result<()> {
                let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
                f.write_all(bytes)?;
                if let Some(m) = old {
                    keep_owner_and_mode(&f, m)?;
                }
                f.sync_all()
            };
            write().map_err(|e| named(&tmp, e))?;
            staged.push(tmp);
        }
        let mut backups = Vec::with_capacity(targets.len());
        for (i, (path, old)) in targets.iter().enumerate() {
            backups.push(match old {
                Some(_) => {
                    let b = self.staging.join(format!("old-{i}"));
                    if std::fs::hard_link(path, &b).is_err() {
                        std::fs::copy(path, &b).map_err(|e| named(path, e))?;
                    }
                    Some(b)
                }
                None => None,
            });
        }
        for ((rel, _), ((path, _), (tmp, backup))) in files
            .iter()
            .zip(targets.iter().zip(staged.into_iter().zip(backups)))
        {
            self.create_parents(dir, rel)?;
            std::fs::rename(&tmp, path).map_err(|e| named(path, e))?;
            self.replaced.push((path.clone(), backup));
        }
        Ok(())
    }

    /// Creates the missing directories between `dir` and `rel`'s file, remembering them.
    fn create_parents(&mut self, dir: &Path, rel: &Path) -> io::Result<()> {
        let mut p = dir.to_path_buf();
        let parts: Vec<Component<'_>> = rel.components().collect();
        for c in parts.iter().take(parts.len().saturating_sub(1)) {
            p.push(c);
            match entry(&p)? {
                Entry::Dir => {}
                Entry::Missing => {
                    std::fs::create_dir(&p).map_err(|e| named(&p, e))?;
                    self.created_dirs.push(p.clone());
                }
                _ => return Err(refusal(&p, "is not a directory")),
            }
        }
        Ok(())
    }

    /// Puts back every file replaced so far and removes what this run created.
    fn roll_back(&mut self) {
        for (path, backup) in self.replaced.drain(..).rev() {
            let _ = match backup {
                Some(b) => std::fs::rename(b, &path),
                None => std::fs::remove_file(&path),
            };
        }
        for d in self.created_dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// Refuses a relative path that could leave `dir` or name it, or one whose directories
/// on the way are not plain directories (a symlink there could lead anywhere).
fn check_inside(dir: &Path, rel: &Path) -> io::Result<()> {
    let parts: Vec<Component<'_>> = rel.components().collect();
    if parts.is_empty() || parts.iter().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(refusal(
            &dir.join(rel),
            "is not a plain relative path inside the output directory",
        ));
    }
    let mut p = dir.to_path_buf();
    for c in parts.iter().take(parts.len() - 1) {
        p.push(c);
        match entry(&p).map_err(|e| named(&p, e))? {
            Entry::Dir | Entry::Missing => {}
            _ => return Err(refusal(&p, "is not a directory")),
        }
    }
    Ok(())
}

fn refusal(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} {why}", path.display()),
    )
}

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Creates a directory and its parents.
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)
}

/// Writes a file directly (for use inside a directory being built by [`create_dir_atomic`]).
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let t = std::env::temp_dir().join(format!("strata-write-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        std::fs::create_dir_all(&t).unwrap_or_default();
        t
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .map(|it| {
                it.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn temporary_names_carry_the_pid_and_nothing_else_parses() {
        let me = std::process::id();
        assert_eq!(tmp_name_pid(&tmp_name(None)), Some(me));
        assert_eq!(tmp_name_pid(&tmp_name(Some(&"é".repeat(200)))), Some(me));
        assert!(tmp_name(Some(&"é".repeat(200))).len() <= NAME_MAX);
        for other in [
            "x.yaml",
            ".strata-tmp-",
            ".strata-tmp-12",
            ".strata-tmp-12-",
            ".strata-tmp-1-2_v1_configmap_a.yaml",
            ".strata-tmp-a-1",
            ".x.strata-tmp-12",
        ] {
            assert_eq!(tmp_name_pid(other), None, "{other}");
        }
        assert_eq!(tmp_name_pid(".strata-tmp-12-3-out.yaml"), Some(12));
    }

    #[test]
    fn segments() {
        assert_eq!(segment_problem("v1_configmap_a.yaml"), None);
        assert_eq!(segment_problem("..x"), None);
        for bad in ["", ".", "..", "a/b", "/a", "a\0b"] {
            assert!(segment_problem(bad).is_some(), "{bad:?}");
        }
        assert!(segment_problem(&"a".repeat(256)).is_some());
    }

    #[test]
    fn a_failed_rename_puts_back_every_replaced_file() {
        let t = scratch("rollback");
        std::fs::write(t.join("a"), "old a").unwrap_or_default();
        std::fs::create_dir_all(t.join("busy/full")).unwrap_or_default();
        let files: Vec<(PathBuf, &[u8])> = vec![
            ("a".into(), b"new a".as_slice()),
            ("b".into(), b"new b".as_slice()),
            ("busy".into(), b"x".as_slice()),
        ];
        // As if `busy` had turned into a non-empty directory after the checks.
        let targets: Vec<(PathBuf, Option<Metadata>)> = vec![
            (t.join("a"), std::fs::symlink_metadata(t.join("a")).ok()),
            (t.join("b"), None),
            (t.join("busy"), None),
        ];
        let staging = t.join(tmp_name(None));
        std::fs::create_dir(&staging).unwrap_or_default();
        let mut tx = Transaction {
            staging: staging.clone(),
            created_dirs: Vec::new(),
            replaced: Vec::new(),
        };
        assert!(tx.stage_and_rename(&t, &files, &targets).is_err());
        tx.roll_back();
        let _ = std::fs::remove_dir_all(&staging);
        assert_eq!(
            std::fs::read_to_string(t.join("a")).unwrap_or_default(),
            "old a"
        );
        assert_eq!(names(&t), ["a", "busy"]);
        let _ = std::fs::remove_dir_all(&t);
    }

    #[test]
    fn write_into_dir_refuses_paths_and_entries_it_must_not_replace() {
        let t = scratch("refuse");
        std::fs::write(t.join("keep"), "k").unwrap_or_default();
        std::os::unix::fs::symlink("keep", t.join("link")).unwrap_or_default();
        for rel in ["../x", "/abs", "link", "keep/x", ""] {
            let files: Vec<(PathBuf, &[u8])> = vec![
                ("ok".into(), b"1".as_slice()),
                (rel.into(), b"2".as_slice()),
            ];
            assert!(write_into_dir(&t, &files, &[]).is_err(), "{rel}");
            assert_eq!(names(&t), ["keep", "link"], "{rel}");
        }
        let files: Vec<(PathBuf, &[u8])> = vec![
            ("blobs/sha256/a".into(), b"1".as_slice()),
            ("index.json".into(), b"2".as_slice()),
        ];
        assert!(write_into_dir(&t, &files, &["keep".into(), "link".into()]).is_ok());
        // `keep` is a regular file named obsolete; the link is not a regular file.
        assert_eq!(names(&t), ["blobs", "index.json", "link"]);
        let _ = std::fs::remove_dir_all(&t);
    }

    #[test]
    fn a_new_directory_appears_whole_or_not_at_all() {
        let t = scratch("newdir");
        let failed = create_dir_atomic(&t.join("out"), |d| {
            std::fs::write(d.join("half"), "x")?;
            Err(io::Error::other("boom"))
        });
        assert!(failed.is_err());
        assert!(names(&t).is_empty());
        assert!(create_dir_atomic(&t.join("out"), |d| std::fs::write(d.join("f"), "x")).is_ok());
        assert_eq!(names(&t.join("out")), ["f"]);
        let _ = std::fs::remove_dir_all(&t);
    }
}

//! Where a bundle goes: a layout directory is written only where nothing is, into an
//! empty directory, or over an earlier OCI layout, so nothing Strata did not write is
//! ever replaced; a `--tar` archive likewise replaces only an empty file or an earlier
//! archive, and is written like any `-o FILE`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::fs::{self, DiskFs, Entry, Fs as _};

use super::BundleError;
use super::oci::{self, Image};

/// The largest `oci-layout` or `index.json` read to recognise a layout.
const MAX_LAYOUT_JSON: u64 = 1024 * 1024;

/// Where [`write`] puts a bundle, as [`check_output`] found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A tar archive at this path (a regular file, a device or FIFO, or nothing yet).
    Tar(PathBuf),
    /// A layout directory where nothing is yet.
    New(PathBuf),
    /// An empty directory or an earlier layout, updated in place; `blobs` are the blob
    /// names it holds (removed once the new index no longer needs them).
    InPlace {
        /// The directory.
        dir: PathBuf,
        /// Its `blobs/sha256` file names.
        blobs: Vec<String>,
    },
}

/// Decides where a bundle for `out` goes, refusing anything it would have to replace
/// that is not an earlier layout: a non-empty directory that is not an OCI layout
/// (a source tree, a project), or a file, for a layout; a directory, for `--tar`.
/// Symlinks are followed, so a link to a layout or archive stays a link.
pub fn check_output(out: &Path, as_tar: bool) -> Result<Target, BundleError> {
    let io = |e| BundleError::Io {
        path: out.to_path_buf(),
        source: e,
    };
    let refuse = |reason: String| BundleError::Refused {
        path: out.to_path_buf(),
        reason,
    };
    let path = fs::resolve_link(out).map_err(io)?;
    match (fs::entry(&path).map_err(io)?, as_tar) {
        (Entry::Missing, false) => Ok(Target::New(path)),
        (Entry::Missing | Entry::Device, true) => Ok(Target::Tar(path)),
        (Entry::File, true) => match earlier_archive(&path) {
            Ok(()) => Ok(Target::Tar(path)),
            Err(why) => Err(refuse(format!(
                "it is a file that is not a bundle archive ({why}); --tar replaces only an empty file or an earlier bundle archive"
            ))),
        },
        (Entry::Dir, true) => Err(refuse(
            "it is a directory, and --tar writes one archive file".into(),
        )),
        (Entry::Dir, false) => match layout_blobs(&path) {
            Ok(blobs) => Ok(Target::InPlace { dir: path, blobs }),
            Err(why) => Err(refuse(format!(
                "it is a directory that is not an OCI layout ({why}); a bundle is written only where nothing is, into an empty directory or over an earlier bundle"
            ))),
        },
        (Entry::File | Entry::Device, false) => Err(refuse(
            "it is a file, and a bundle directory replaces only an earlier bundle (use --tar to write an archive)".into(),
        )),
        (Entry::Symlink | Entry::Other, _) => Err(refuse(
            "it is neither a file nor a directory".into(),
        )),
    }
}

/// Whether the regular file at `path` is empty or an archive [`write`] made: a ustar
/// archive whose first entry is the layout's `blobs/` directory. Anything else (a source
/// file, someone's archive) is what `--tar` must not replace.
fn earlier_archive(path: &Path) -> Result<(), String> {
    let head = fs::read_head(path, 512).map_err(|e| e.to_string())?;
    if head.is_empty() {
        return Ok(());
    }
    if head.len() < 512 || &head[257..262] != b"ustar" {
        return Err("no tar header".into());
    }
    let name = head[..100].split(|&b| b == 0).next().unwrap_or_default();
    if name != b"blobs/" || head[156] != b'5' {
        return Err("its first entry is not the layout's blobs/ directory".into());
    }
    Ok(())
}

/// Returns the blob names of the OCI layout in `dir` (none for an empty directory), or
/// what makes it something else. Temporaries of unfinished runs are passed over.
fn layout_blobs(dir: &Path) -> Result<Vec<String>, String> {
    let entries = list(dir)?;
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut blobs = None;
    let (mut has_layout, mut has_index) = (false, false);
    for (name, kind) in &entries {
        match (name.as_str(), kind) {
            ("oci-layout", Entry::File) => {
                json_file(&dir.join(name))
                    .filter(|v| v["imageLayoutVersion"].is_string())
                    .ok_or("its oci-layout has no imageLayoutVersion")?;
                has_layout = true;
            }
            ("index.json", Entry::File) => {
                json_file(&dir.join(name))
                    .filter(|v| v["manifests"].is_array())
                    .ok_or("its index.json lists no manifests")?;
                has_index = true;
            }
            ("blobs", Entry::Dir) => blobs = Some(sha256_blobs(&dir.join(name))?),
            _ => return Err(format!("it holds {name:?}")),
        }
    }
    match blobs {
        Some(b) if has_layout && has_index => Ok(b),
        _ => Err("it lacks oci-layout, index.json or blobs/".into()),
    }
}

/// The file names in `blobs/sha256`, when that is all `blobs` holds and every one is a
/// regular file named by a sha256.
fn sha256_blobs(blobs: &Path) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (name, kind) in list(blobs)? {
        if name != "sha256" || kind != Entry::Dir {
            return Err(format!("it holds blobs/{name:?}"));
        }
        for (blob, kind) in list(&blobs.join("sha256"))? {
            let hex = blob.len() == 64
                && blob
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex || kind != Entry::File {
                return Err(format!("it holds blobs/sha256/{blob:?}"));
            }
            names.push(blob);
        }
    }
    Ok(names)
}

/// The entries of `dir` (name and what each is), leaving out Strata's temporaries.
fn list(dir: &Path) -> Result<Vec<(String, Entry)>, String> {
    let paths = DiskFs
        .read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut v = Vec::with_capacity(paths.len());
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if fs::tmp_name_pid(&name).is_some() {
            continue;
        }
        let kind = fs::entry(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        v.push((name, kind));
    }
    Ok(v)
}

fn json_file(path: &Path) -> Option<serde_json::Value> {
    if DiskFs.size(path).ok()? > MAX_LAYOUT_JSON {
        return None;
    }
    serde_json::from_slice(&DiskFs.read(path).ok()?).ok()
}

/// Writes an image as an OCI image layout directory at `out`, or as one tar archive of
/// that layout when `as_tar`, whole or not at all, where [`check_output`] allows.
///
/// Over an earlier layout the new blobs go in first and `index.json` last, so a reader
/// sees the old bundle or the new one; blobs only the old index named are then removed.
pub fn write(image: &Image, out: &Path, as_tar: bool, mtime: u64) -> Result<(), BundleError> {
    let io = |e| BundleError::Io {
        path: out.to_path_buf(),
        source: e,
    };
    let files = image.layout_files("latest");
    match check_output(out, as_tar)? {
        Target::Tar(path) => {
            let bytes = super::tar::write(&oci::layout_entries(&files), mtime);
            fs::write_atomic(&path, &bytes).map_err(io)
        }
        Target::New(path) => fs::create_dir_atomic(&path, |dir| {
            fs::create_dir_all(&dir.join("blobs").join("sha256"))?;
            for (rel, bytes) in &files {
                fs::write_file(&dir.join(rel), bytes)?;
            }
            Ok(())
        })
        .map_err(io),
        Target::InPlace { dir, blobs } => {
            let (ordered, obsolete) = in_place_plan(&files, &blobs);
            fs::write_into_dir(&dir, &ordered, &obsolete).map_err(io)
        }
    }
}

/// The files of an in-place update, `index.json` (the commit point) last, and the old
/// blobs the new layout does not hold.
fn in_place_plan<'a>(
    files: &'a BTreeMap<String, Vec<u8>>,
    old_blobs: &[String],
) -> (Vec<(PathBuf, &'a [u8])>, Vec<PathBuf>) {
    let mut ordered: Vec<(PathBuf, &[u8])> = files
        .iter()
        .filter(|(rel, _)| rel.as_str() != "index.json")
        .map(|(rel, b)| (PathBuf::from(rel), b.as_slice()))
        .collect();
    ordered.extend(
        files
            .get_key_value("index.json")
            .map(|(rel, b)| (PathBuf::from(rel), b.as_slice())),
    );
    let new: HashSet<&str> = files
        .keys()
        .filter_map(|rel| rel.strip_prefix("blobs/sha256/"))
        .collect();
    let obsolete = old_blobs
        .iter()
        .filter(|b| !new.contains(b.as_str()))
        .map(|b| Path::new("blobs/sha256").join(b))
        .collect();
    (ordered, obsolete)
}

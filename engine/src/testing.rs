//! What the library's unit tests share: building a tree held in memory (an
//! `OverlayFs` over `EmptyFs`, rooted at `/t`), so no unit test touches the disk.

use std::path::{Path, PathBuf};

use crate::BuildOptions;
use crate::fs::overlay::OverlayFs;

/// Builds the tree `files` (paths relative to `/t`) with `opts`; the printed output or
/// the error's text.
pub(crate) fn build_in_memory(
    files: &[(&str, &str)],
    opts: &BuildOptions,
) -> Result<String, String> {
    let inner = crate::fs::EmptyFs;
    let mut fs = OverlayFs::new(&inner);
    for (name, text) in files {
        fs.add_file(PathBuf::from("/t").join(name), text.as_bytes().to_vec());
    }
    crate::build(&fs, Path::new("/t"), opts)
        .map_err(|e| e.to_string())
        .and_then(|r| crate::print(r.as_slice(), &opts.threads).map_err(|e| e.to_string()))
}

//! Private directories and files: the compiled-plugin cache holds native code that
//! strata maps and runs, so it is only used where no other user can write.

use std::io;
use std::path::Path;

/// Creates `dir` (mode 0700 where it is new) and checks that it is a directory owned by
/// the user running strata that neither group nor others may write; the error says why
/// not.
#[allow(clippy::disallowed_methods, reason = "the fs boundary")]
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)?;
    let m = std::fs::metadata(dir)?;
    if !m.is_dir() {
        return Err(io::Error::other("it is not a directory"));
    }
    owned_and_not_shared(&m)
}

/// Whether `path` is a regular file (not a symlink) owned by the user running strata
/// that neither group nor others may write.
#[allow(clippy::disallowed_methods, reason = "the fs boundary")]
pub fn is_private_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.file_type().is_file() && owned_and_not_shared(&m).is_ok())
}

/// Makes a file readable and writable by its owner only.
#[allow(clippy::disallowed_methods, reason = "the fs boundary")]
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(unix)]
fn owned_and_not_shared(m: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let me = rustix::process::geteuid().as_raw();
    if m.uid() != me {
        return Err(io::Error::other(format!(
            "it belongs to user {}, not to the user running strata ({me})",
            m.uid()
        )));
    }
    if m.mode() & 0o022 != 0 {
        return Err(io::Error::other(format!(
            "its group or others may write it (mode {:o})",
            m.mode() & 0o7777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn owned_and_not_shared(_: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    #[allow(clippy::disallowed_methods, reason = "test fixture")]
    fn shared_directories_and_files_are_not_private() {
        let dir = std::env::temp_dir().join(format!("strata-private-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ensure_private_dir(&dir.join("cache")).unwrap();
        let mode = std::fs::metadata(dir.join("cache"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(dir.join("cache"), std::fs::Permissions::from_mode(0o777))
            .unwrap();
        let e = ensure_private_dir(&dir.join("cache")).unwrap_err();
        assert!(e.to_string().contains("others may write"), "{e}");
        let f = dir.join("f");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(!is_private_file(&f));
        make_private(&f).unwrap();
        assert!(is_private_file(&f));
        std::os::unix::fs::symlink(&f, dir.join("link")).unwrap();
        assert!(!is_private_file(&dir.join("link")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Compiled modules: an in-process table and an on-disk cache.
//!
//! Compiling a module takes tens of milliseconds (a 4 MiB Go module about half a
//! second); running it usually takes less. So a module is compiled once per process
//! (the table maps its sha256 to an `InstancePre`, ready to instantiate), and the native
//! code is kept on disk.
//!
//! An entry is native code, so it is trusted only as far as the directory holding it
//! (plugins/ABI.md, "Caching"): the directory must belong to the user running strata and
//! be writable by no one else (otherwise the cache is not used, with a warning), and an
//! entry must be a regular file of that user that no one else may write. Inside, an
//! entry names the sha256 of the module it was compiled from and the engine that
//! compiled it, under a checksum of the whole entry: an entry of another module, of
//! another engine, or damaged is compiled again and rewritten, never run.

#![allow(
    unsafe_code,
    reason = "Module::deserialize, justified at its one call below"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use wasmtime::{Engine, InstancePre, Module};

use super::PluginError;
use super::engine;
use super::sandbox::State;
use super::verify::sha256_hex;
use crate::fs::{DiskFs, Fs};
use crate::transform::Warnings;

/// Names the entry format; a new layout gets a new number.
const MAGIC: &[u8] = b"STRATA-CWASM-3\n";

/// Where a compiled module came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Already compiled in this process.
    Memory,
    /// Read from the disk cache.
    Disk,
    /// Compiled now.
    Compiled,
}

type Table = Mutex<BTreeMap<String, Arc<InstancePre<State>>>>;

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| Mutex::new(BTreeMap::new()))
}

/// Returns the module, ready to instantiate: from the process table, the disk cache in
/// `cache_dir` (if any and private), or by compiling within `timeout_ms`. `sha256` is the
/// digest of `bytes` (the process table is keyed by it); the disk cache computes its own.
/// A cache directory that is not private is not used, with a message in `warnings`.
pub fn load(
    bytes: &Arc<[u8]>,
    sha256: &str,
    cache_dir: Option<&Path>,
    timeout_ms: u64,
    warnings: &Warnings,
) -> Result<(Arc<InstancePre<State>>, Origin), PluginError> {
    if let Ok(t) = table().lock()
        && let Some(pre) = t.get(sha256)
    {
        return Ok((pre.clone(), Origin::Memory));
    }
    let engine = engine::engine()?;
    let actual = sha256_hex(bytes);
    if actual != sha256 {
        return Err(PluginError::Host(format!(
            "module digest {sha256} given for a module whose sha256 is {actual}"
        )));
    }
    let entry = match cache_dir {
        Some(d) => private_entry(d, &actual, warnings)?,
        None => None,
    };
    let mut origin = Origin::Compiled;
    let mut module = None;
    if let Some(path) = &entry
        && let Some(m) = read_entry(engine, path, &actual)
    {
        module = Some(m);
        origin = Origin::Disk;
    }
    let module = match module {
        Some(m) => m,
        None => {
            let m = compile(engine, bytes, timeout_ms)?;
            if let Some(path) = &entry {
                write_entry(&m, path, &actual);
            }
            m
        }
    };
    let pre = engine::linker()?
        .instantiate_pre(&module)
        .map_err(|e| PluginError::Compile(format!("linking: {e:#}")))?;
    let pre = Arc::new(pre);
    if let Ok(mut t) = table().lock() {
        t.insert(sha256.to_string(), pre.clone());
    }
    Ok((pre, origin))
}

/// Compiles on a thread of its own and gives up after `timeout_ms`: the build fails in
/// time; the thread finishes its (bounded: verify.rs caps size and functions) work and
/// its result is dropped.
fn compile(engine: &Engine, bytes: &Arc<[u8]>, timeout_ms: u64) -> Result<Module, PluginError> {
    let (tx, rx) = mpsc::channel();
    let (engine, bytes) = (engine.clone(), bytes.clone());
    std::thread::Builder::new()
        .name("strata-plugin-compile".into())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(Module::from_binary(&engine, &bytes));
        })
        .map_err(|e| PluginError::Host(format!("cannot start the compile thread: {e}")))?;
    match rx.recv_timeout(Duration::from_millis(timeout_ms)) {
        Ok(r) => r.map_err(|e| PluginError::Compile(format!("{e:#}"))),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(PluginError::CompileTimeout { ms: timeout_ms }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(PluginError::Compile(
            "the compiler stopped without a result".into(),
        )),
    }
}

/// Forgets the process table (for benchmarks of the disk cache and cold starts).
pub fn clear_memory() {
    if let Ok(mut t) = table().lock() {
        t.clear();
    }
}

/// The cache file for a module (a name only: what an entry is for is checked inside).
pub fn entry_path(dir: &Path, sha256: &str) -> Result<PathBuf, PluginError> {
    let fp = engine::fingerprint()?;
    let key = sha256_hex(format!("{sha256}\n{fp}").as_bytes());
    Ok(dir.join(format!("{key}.cwasm")))
}

/// The entry path when `dir` is private; None (and a warning) when it is not.
fn private_entry(
    dir: &Path,
    sha256: &str,
    warnings: &Warnings,
) -> Result<Option<PathBuf>, PluginError> {
    match crate::fs::private::ensure_private_dir(dir) {
        Ok(()) => entry_path(dir, sha256).map(Some),
        Err(e) => {
            warnings.warn(format!(
                "plugin cache {} is not used: {e}; compiled plugins run native code, so their cache must be private to you (plugins/ABI.md, \"Caching\")",
                dir.display()
            ));
            Ok(None)
        }
    }
}

/// Bytes of [`checksum`].
const CHECKSUM_LEN: usize = 12;

/// What guards an entry against damage (a truncated or altered file): its length and
/// CRC-32. It is no defence against intent, and need not be: whoever can write the
/// private directory can recompute any checksum (plugins/ABI.md, "Trust model"), and a
/// 16 MiB entry of a Go module is checked in about a millisecond instead of SHA-256's ten.
fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut out = [0; CHECKSUM_LEN];
    out[..8].copy_from_slice(&(body.len() as u64).to_le_bytes());
    out[8..].copy_from_slice(&crc32fast::hash(body).to_le_bytes());
    out
}

/// The checked part of an entry: the module digest, the engine fingerprint, the code.
fn body(sha256: &str, fingerprint: &str, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(128 + payload.len());
    b.extend_from_slice(format!("module-sha256 {sha256}\nengine {fingerprint}\n\n").as_bytes());
    b.extend_from_slice(payload);
    b
}

fn read_entry(engine: &Engine, path: &Path, sha256: &str) -> Option<Module> {
    if !crate::fs::private::is_private_file(path) {
        return None;
    }
    let bytes = DiskFs.read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    if rest.len() < CHECKSUM_LEN {
        return None;
    }
    let (sum, body_bytes) = rest.split_at(CHECKSUM_LEN);
    if sum != checksum(body_bytes) {
        return None;
    }
    let header = body(sha256, engine::fingerprint().ok()?, &[]);
    let payload = body_bytes.strip_prefix(header.as_slice())?;
    // SAFETY: `Module::deserialize` requires bytes produced by `Module::serialize` of a
    // compatible engine, because it maps them as native code. These bytes are what
    // `write_entry` wrote for this very module and engine: the entry is a private file
    // in a private directory (nobody but this user could have written it), its header
    // names the sha256 of the module being run (computed from its bytes above) and this
    // engine's fingerprint, and the checksum over header and code matched, so it is
    // neither another module's entry nor truncated or corrupted. wasmtime checks its own
    // version and settings header as well, returning an error (and we recompile).
    unsafe { Module::deserialize(engine, payload) }.ok()
}

fn write_entry(module: &Module, path: &Path, sha256: &str) {
    // Threads of one process share write_atomic's temporary name; take turns.
    static WRITING: Mutex<()> = Mutex::new(());
    let _guard = WRITING.lock();
    let (Ok(payload), Ok(fp)) = (module.serialize(), engine::fingerprint()) else {
        return;
    };
    let body = body(sha256, fp, &payload);
    let mut bytes = Vec::with_capacity(MAGIC.len() + CHECKSUM_LEN + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&checksum(&body));
    bytes.extend_from_slice(&body);
    // A cache that cannot be written only costs time.
    if crate::fs::write_atomic(path, &bytes).is_ok() {
        let _ = crate::fs::private::make_private(path);
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods, reason = "a test's scratch directory")]
mod tests {
    use super::*;

    /// An entry is bound to the engine that wrote it: one naming another engine's
    /// fingerprint (under a checksum that matches) is never deserialized.
    #[cfg(unix)]
    #[test]
    fn an_entry_of_another_engine_is_not_read() {
        let dir = std::env::temp_dir().join(format!("strata-cache-fp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        crate::fs::private::ensure_private_dir(&dir).unwrap();
        let wasm: Arc<[u8]> = Arc::from(&b"\0asm\x01\0\0\0"[..]);
        let sha = sha256_hex(&wasm);
        let engine = engine::engine().unwrap();
        let module = compile(engine, &wasm, 30_000).unwrap();
        let path = entry_path(&dir, &sha).unwrap();
        let entry = |fingerprint: &str| {
            let body = body(&sha, fingerprint, &module.serialize().unwrap());
            [MAGIC, &checksum(&body)[..], &body].concat()
        };
        let write = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            crate::fs::private::make_private(&path).unwrap();
        };
        write(&entry(engine::fingerprint().unwrap()));
        assert!(read_entry(engine, &path, &sha).is_some());
        write(&entry("wasmtime 0.0.0 cranelift x86_64 (another engine)"));
        assert!(read_entry(engine, &path, &sha).is_none());
        // Nor is it read for another module's digest.
        write(&entry(engine::fingerprint().unwrap()));
        assert!(read_entry(engine, &path, &"0".repeat(64)).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

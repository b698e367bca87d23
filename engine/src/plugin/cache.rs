//! Compiled modules: an in-process table and an on-disk cache.
//!
//! Compiling a module with Cranelift takes tens to hundreds of milliseconds; running it
//! takes far less. So a module is compiled once per process (the table maps its sha256
//! to an `InstancePre`, ready to instantiate), and the native code is kept on disk,
//! keyed by the module's sha256, the wasmtime version and the engine settings
//! (engine::fingerprint). An entry carries the sha256 of its own bytes; one that fails
//! that check, or that wasmtime refuses, is compiled again and rewritten, never trusted.

#![allow(
    unsafe_code,
    reason = "Module::deserialize, justified at its one call below"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use wasmtime::{InstancePre, Module};

use super::PluginError;
use super::engine;
use super::sandbox::State;
use super::verify::hex;
use crate::fs::{DiskFs, Fs};

const MAGIC: &[u8] = b"STRATA-CWASM-1\n";

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
/// `cache_dir` (if any), or by compiling. `sha256` must be the digest of `bytes`, already
/// verified by the caller.
pub fn load(
    bytes: &[u8],
    sha256: &str,
    cache_dir: Option<&Path>,
) -> Result<(Arc<InstancePre<State>>, Origin), PluginError> {
    if let Ok(t) = table().lock()
        && let Some(pre) = t.get(sha256)
    {
        return Ok((pre.clone(), Origin::Memory));
    }
    let engine = engine::engine()?;
    let entry = match cache_dir {
        Some(d) => Some(entry_path(d, sha256)?),
        None => None,
    };
    let mut origin = Origin::Compiled;
    let mut module = None;
    if let Some(path) = &entry
        && let Some(m) = read_entry(engine, path)
    {
        module = Some(m);
        origin = Origin::Disk;
    }
    let module = match module {
        Some(m) => m,
        None => {
            let m = Module::from_binary(engine, bytes)
                .map_err(|e| PluginError::Compile(format!("{e:#}")))?;
            if let Some(path) = &entry {
                write_entry(&m, path);
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

/// Forgets the process table (for benchmarks of the disk cache and cold starts).
pub fn clear_memory() {
    if let Ok(mut t) = table().lock() {
        t.clear();
    }
}

/// The cache file for a module.
pub fn entry_path(dir: &Path, sha256: &str) -> Result<PathBuf, PluginError> {
    let fp = engine::fingerprint()?;
    let key = hex(&Sha256::digest(format!("{sha256}\n{fp}").as_bytes()));
    Ok(dir.join(format!("{key}.cwasm")))
}

fn read_entry(engine: &wasmtime::Engine, path: &Path) -> Option<Module> {
    let bytes = DiskFs.read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    if rest.len() < 32 {
        return None;
    }
    let (sum, payload) = rest.split_at(32);
    if Sha256::digest(payload).as_slice() != sum {
        return None;
    }
    // SAFETY: `Module::deserialize` requires bytes produced by `Module::serialize` of a
    // compatible engine, because it maps them as native code. These bytes are exactly
    // what `write_entry` wrote: their sha256, stored beside them, matched above, so they
    // are neither truncated nor corrupted; the file name includes the engine
    // fingerprint, and wasmtime checks its own version and settings header as well,
    // returning an error (and we recompile) on any mismatch. The cache directory is
    // the user's own, like Cargo's target directory.
    unsafe { Module::deserialize(engine, payload) }.ok()
}

fn write_entry(module: &Module, path: &Path) {
    // Threads of one process share write_atomic's temporary name; take turns.
    static WRITING: Mutex<()> = Mutex::new(());
    let _guard = WRITING.lock();
    let Ok(payload) = module.serialize() else {
        return;
    };
    let mut bytes = Vec::with_capacity(MAGIC.len() + 32 + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&Sha256::digest(&payload));
    bytes.extend_from_slice(&payload);
    if let Some(dir) = path.parent() {
        let _ = crate::fs::create_dir_all(dir);
    }
    // A cache that cannot be written only costs time.
    let _ = crate::fs::write_atomic(path, &bytes);
}

//! The one wasmtime `Engine` and `Linker` of the process, and the epoch ticker.
//!
//! Both are built once, on first use, and shared by every call: compiling code and
//! registering host functions are the expensive parts, instances are cheap. The
//! configuration favours determinism: fuel metering (the limit that decides), NaN
//! canonicalisation, no threads, deterministic relaxed SIMD, and epoch interruption as
//! a wall-clock backstop driven by one background thread.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::{Config, Engine, Linker};

use super::PluginError;
use super::sandbox::{self, State};

/// Milliseconds between epoch ticks.
pub const TICK_MS: u64 = 10;

/// The wasm stack a plugin may use before it traps with a stack overflow.
pub const MAX_WASM_STACK: usize = 1 << 20;

struct Shared {
    engine: Engine,
    linker: Linker<State>,
    fingerprint: String,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

fn config() -> Config {
    let mut c = Config::new();
    c.consume_fuel(true)
        .epoch_interruption(true)
        .cranelift_nan_canonicalization(true)
        .relaxed_simd_deterministic(true)
        .max_wasm_stack(MAX_WASM_STACK);
    c
}

fn shared() -> Result<&'static Shared, PluginError> {
    SHARED
        .get_or_init(|| {
            let engine =
                Engine::new(&config()).map_err(|e| format!("creating the wasm engine: {e}"))?;
            let mut linker = Linker::new(&engine);
            sandbox::add_to_linker(&mut linker).map_err(|e| format!("linking WASI: {e}"))?;
            let mut h = std::hash::DefaultHasher::new();
            engine.precompile_compatibility_hash().hash(&mut h);
            let fingerprint = format!("wasmtime-{}-{:016x}", wasmtime_version(), h.finish());
            Ok(Shared {
                engine,
                linker,
                fingerprint,
            })
        })
        .as_ref()
        .map_err(|e| PluginError::Host(e.clone()))
}

/// Returns the process's engine.
pub fn engine() -> Result<&'static Engine, PluginError> {
    shared().map(|s| &s.engine)
}

/// Returns the process's linker (WASI preview 1 surface only).
pub fn linker() -> Result<&'static Linker<State>, PluginError> {
    shared().map(|s| &s.linker)
}

/// A string naming the wasmtime version and the engine settings: part of every
/// compile-cache key, so a cache entry is never used by an engine that did not make it.
pub fn fingerprint() -> Result<&'static str, PluginError> {
    shared().map(|s| s.fingerprint.as_str())
}

/// The wasmtime version this binary embeds.
pub fn wasmtime_version() -> &'static str {
    "48.0.8"
}

/// Starts the thread that advances the epoch every [`TICK_MS`] (once per process).
#[allow(
    clippy::disallowed_methods,
    reason = "the plugin wall-clock backstop is the one timer outside cli"
)]
pub fn start_ticker() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let Ok(engine) = engine() else { return };
        let engine = engine.clone();
        let _ = std::thread::Builder::new()
            .name("strata-plugin-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_millis(TICK_MS));
                    engine.increment_epoch();
                }
            });
    });
}

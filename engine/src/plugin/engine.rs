//! The one wasmtime `Engine` and `Linker` of the process, and the epoch ticker.
//!
//! Both are built once, on first use, and shared by every call: compiling code and
//! registering host functions are the expensive parts, instances are cheap. The
//! configuration favours determinism: fuel metering (the limit that decides), NaN
//! canonicalisation, no threads, and epoch interruption as a wall-clock backstop driven
//! by one background thread. Proposals no plugin toolchain needs and that would weaken
//! a limit are off: several memories (the memory limit is one budget), 64-bit memories,
//! shared memories (threads), relaxed SIMD (results that may differ by machine).
//!
//! The compiler is Winch, wasmtime's single-pass baseline compiler, where it is
//! supported (x86-64), and Cranelift elsewhere: a plugin usually runs once per build on
//! a few resources, so compiling dominates, and Winch compiles a 4 MiB Go module about
//! 8 times faster than Cranelift while its code runs at 0.6-0.9 times Cranelift's speed
//! (`cargo bench -p strata --bench plugins`; plugins/ABI.md, section 4). The choice is
//! fixed per platform, so fuel counts (which differ slightly between compilers) are the
//! same on every run.

use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The compiler plugins are compiled with on this platform (see the module comment).
pub const STRATEGY: wasmtime::Strategy = if cfg!(target_arch = "x86_64") {
    wasmtime::Strategy::Winch
} else {
    wasmtime::Strategy::Cranelift
};

fn config() -> Config {
    let mut c = Config::new();
    c.strategy(STRATEGY)
        .consume_fuel(true)
        .epoch_interruption(true)
        // Also read by Winch: the flag is Cranelift's shared setting.
        .cranelift_nan_canonicalization(true)
        .max_wasm_stack(MAX_WASM_STACK)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_memory64(false)
        .wasm_features(wasmtime::WasmFeatures::THREADS, false);
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
            let fingerprint = format!(
                "wasmtime-{}-{STRATEGY:?}-{:016x}",
                wasmtime_version(),
                h.finish()
            );
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

/// Epoch ticks since the ticker started: host calls compare it with their deadline,
/// since a host call is not interrupted by the epoch itself.
static TICKS: AtomicU64 = AtomicU64::new(0);

/// The number of [`TICK_MS`] ticks so far (0 until [`start_ticker`] ran).
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// Starts the thread that advances the epoch every [`TICK_MS`] (once per process). If it
/// cannot be started there would be no wall-clock deadline, so plugins are refused.
#[allow(
    clippy::disallowed_methods,
    reason = "the plugin wall-clock backstop is the one timer outside cli"
)]
pub fn start_ticker() -> Result<(), PluginError> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            let engine = engine().map_err(|e| e.to_string())?.clone();
            let spawned = std::thread::Builder::new()
                .name("strata-plugin-epoch".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(Duration::from_millis(TICK_MS));
                        TICKS.fetch_add(1, Ordering::Relaxed);
                        engine.increment_epoch();
                    }
                });
            ticker_started(spawned)
        })
        .clone()
        .map_err(PluginError::Host)
}

fn ticker_started<T>(spawned: std::io::Result<T>) -> Result<(), String> {
    spawned.map(|_| ()).map_err(|e| {
        format!(
            "cannot start the plugin deadline thread ({e}); refusing to run plugins without their wall-clock limit"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticker_that_cannot_start_refuses_plugins() {
        let e = ticker_started::<()>(Err(std::io::Error::other("no threads left"))).unwrap_err();
        assert!(
            e.contains("no threads left") && e.contains("refusing"),
            "{e}"
        );
        assert!(ticker_started(Ok(())).is_ok());
    }

    #[test]
    fn relaxed_simd_modules_do_not_compile() {
        // f32x4.relaxed_madd may round once or twice depending on the machine.
        let relaxed = wat::parse_str(
            "(module (func (export \"_start\") (drop (f32x4.relaxed_madd (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))))",
        )
        .unwrap();
        let e = wasmtime::Module::from_binary(engine().unwrap(), &relaxed).unwrap_err();
        assert!(format!("{e:#}").contains("relaxed SIMD"), "{e:#}");
    }

    #[test]
    fn the_fingerprint_names_the_compiler() {
        let fp = fingerprint().unwrap();
        assert!(fp.contains(&format!("-{STRATEGY:?}-")), "{fp}");
        if cfg!(target_arch = "x86_64") {
            assert!(fp.contains("-Winch-"), "{fp}");
        }
    }

    #[test]
    fn multi_memory_modules_do_not_compile() {
        let two = wat::parse_str(
            "(module (memory 1) (memory (export \"memory\") 1) (func (export \"_start\")))",
        )
        .unwrap();
        let e = wasmtime::Module::from_binary(engine().unwrap(), &two).unwrap_err();
        assert!(format!("{e:#}").contains("multiple memories"), "{e:#}");
    }
}

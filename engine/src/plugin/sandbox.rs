//! The sandbox a plugin runs in: a fresh store per call with fuel, a memory limit, an
//! epoch deadline and bounded output, and the small `wasi_snapshot_preview1` surface a
//! KRM function needs, implemented here so that every answer is deterministic.
//!
//! What the guest sees: stdin is the input `ResourceList`; stdout and stderr are
//! memory buffers that trap when full; argv is the plugin's name; the environment is
//! empty; there are no preopened directories (so no file can be opened) and no sockets;
//! the real-time clock reads the fixed build time (`SOURCE_DATE_EPOCH`, or zero) and
//! the monotonic clocks a fixed origin, both moving only when the plugin sleeps in
//! `poll_oneoff` (virtual time: no wall-clock wait); `random_get`
//! returns a SHA-256 stream seeded from the module digest and the input. The output
//! of a plugin therefore depends on its input alone. Imports outside this surface are
//! refused before anything runs (verify.rs). Guest memory is only touched through
//! bounds-checked slices: a bad pointer gets `EFAULT`, never a host panic.

use sha2::{Digest, Sha256};
use wasmtime::{Caller, InstancePre, Linker, Memory, ResourceLimiter, Store, Trap};

use super::PluginError;

/// Limits for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (about one unit per wasm instruction, and per byte a host call moves); the
    /// limit that decides.
    pub fuel: u64,
    /// Linear memory and tables together, in bytes.
    pub memory_bytes: u64,
    /// Wall-clock deadline for compiling and running, in milliseconds (a backstop
    /// behind fuel).
    pub timeout_ms: u64,
    /// Bytes the plugin may write to stdout.
    pub stdout_bytes: u64,
    /// Bytes the plugin may write to stderr.
    pub stderr_bytes: u64,
    /// Size of the module, in bytes: bounds compile time and memory with `functions`.
    pub module_bytes: u64,
    /// Functions the module may define and import.
    pub functions: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel: 10_000_000_000,
            memory_bytes: 256 << 20,
            timeout_ms: 30_000,
            stdout_bytes: 256 << 20,
            stderr_bytes: 1 << 20,
            module_bytes: DEFAULT_MODULE_BYTES,
            functions: DEFAULT_FUNCTIONS,
        }
    }
}

/// The hard caps no per-plugin setting may exceed.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;

/// Default module size bound (a Go wasip1 binary is 2-5 MiB).
pub const DEFAULT_MODULE_BYTES: u64 = 32 << 20;

/// Default bound on functions (a Go wasip1 binary has 2-5 thousand).
pub const DEFAULT_FUNCTIONS: u64 = 100_000;

/// The cap on `module_bytes`.
pub const MAX_MODULE_BYTES: u64 = 64 << 20;

/// The cap on `functions`.
pub const MAX_FUNCTIONS: u64 = 200_000;

/// Fuel every host call costs, whatever it does.
pub const HOST_CALL_FUEL: u64 = 100;

/// Fuel per byte a host call copies in or out of guest memory.
pub const FUEL_PER_BYTE: u64 = 1;

/// Fuel per byte of `random_get` (a SHA-256 block per 32 bytes).
pub const FUEL_PER_RANDOM_BYTE: u64 = 16;

/// The most iovecs one `fd_read` or `fd_write` takes (Linux's `IOV_MAX`).
pub const MAX_IOVECS: i32 = 1024;

/// The most subscriptions one `poll_oneoff` takes (`EINVAL` beyond).
pub const MAX_SUBSCRIPTIONS: u32 = 1024;

/// How far `poll_oneoff` may move the virtual clock in one run, in nanoseconds (a
/// day): sleeping is free in wall-clock time, so a plugin waiting for a timer past
/// this is stopped instead of being answered.
pub const MAX_VIRTUAL_SLEEP_NS: u64 = 24 * 3600 * 1_000_000_000;

/// Bytes of host memory one table element stands for, in the memory budget.
const TABLE_ELEMENT_BYTES: u64 = 16;

/// How often a long host call looks at the deadline, in bytes.
const DEADLINE_STRIDE: usize = 1 << 20;

/// What one call produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Bytes written to stdout.
    pub stdout: Vec<u8>,
    /// Bytes written to stderr.
    pub stderr: Vec<u8>,
    /// The exit code (0 when `_start` returned).
    pub exit_code: i32,
    /// Fuel consumed.
    pub fuel_used: u64,
}

/// The `proc_exit` signal, carried out of the guest as an error.
#[derive(Debug, thiserror::Error)]
#[error("exit({0})")]
struct ProcExit(i32);

/// A write past an output cap.
#[derive(Debug, thiserror::Error)]
#[error("{stream} exceeded {cap} bytes")]
struct OutputCap {
    stream: &'static str,
    cap: u64,
}

/// A sleep past [`MAX_VIRTUAL_SLEEP_NS`] of virtual time.
#[derive(Debug, thiserror::Error)]
#[error(
    "the plugin waited for a timer {asked_ns} ns past the start of its run, beyond the virtual clock's bound of {MAX_VIRTUAL_SLEEP_NS} ns (plugins/ABI.md)"
)]
struct SleepCap {
    asked_ns: u64,
}

/// A memory growth past the limit.
#[derive(Debug, thiserror::Error)]
#[error("memory limit of {limit} bytes exceeded (asked for {asked})")]
struct MemoryCap {
    limit: u64,
    asked: u64,
}

/// Per-call state, owned by the store.
pub struct State {
    stdin: Vec<u8>,
    stdin_pos: usize,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    limits: Limits,
    args: Vec<Vec<u8>>,
    clock_ns: u64,
    /// Virtual time the plugin has slept in `poll_oneoff`, added to every clock.
    slept_ns: u64,
    seed: [u8; 32],
    random_block: u64,
    limiter: Limiter,
    /// The epoch tick (engine::ticks) at which host calls stop the plugin.
    deadline_tick: u64,
}

/// One budget for every memory and table of the store: growth is summed, so the limit
/// holds in total however the module splits its memory (verify.rs also refuses more
/// than one memory, and the engine does not compile them).
struct Limiter {
    memory_bytes: u64,
    used: u64,
    denied: Option<(u64, u64)>,
}

impl Limiter {
    fn grow(&mut self, more: u64) -> wasmtime::Result<bool> {
        let asked = self.used.saturating_add(more);
        if asked > self.memory_bytes {
            self.denied = Some((self.memory_bytes, asked));
            return Err(wasmtime::Error::new(MemoryCap {
                limit: self.memory_bytes,
                asked,
            }));
        }
        self.used = asked;
        Ok(true)
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(desired.saturating_sub(current) as u64)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow((desired.saturating_sub(current) as u64).saturating_mul(TABLE_ELEMENT_BYTES))
    }

    fn instances(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        super::verify::MAX_TABLES
    }
}

/// What a call is given besides the module.
pub struct Call<'a> {
    /// argv[0].
    pub name: &'a str,
    /// The bytes on stdin.
    pub stdin: Vec<u8>,
    /// Limits.
    pub limits: Limits,
    /// The clock value, in seconds since the epoch.
    pub epoch_seconds: u64,
    /// The seed of `random_get`.
    pub seed: [u8; 32],
}

/// Instantiates a fresh instance and runs `_start` under the limits, within
/// `budget_ms` of wall clock (what compiling left of the deadline).
pub fn run(
    pre: &InstancePre<State>,
    call: Call<'_>,
    budget_ms: u64,
) -> Result<RunOutput, PluginError> {
    let engine = pre.module().engine();
    let limits = call.limits;
    let state = State {
        stdin: call.stdin,
        stdin_pos: 0,
        stdout: Vec::new(),
        stderr: Vec::new(),
        limits,
        args: vec![call.name.as_bytes().to_vec()],
        clock_ns: call.epoch_seconds.saturating_mul(1_000_000_000),
        slept_ns: 0,
        seed: call.seed,
        random_block: 0,
        limiter: Limiter {
            memory_bytes: limits.memory_bytes.min(MAX_MEMORY_BYTES),
            used: 0,
            denied: None,
        },
        deadline_tick: 0,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    store
        .set_fuel(limits.fuel)
        .map_err(|e| PluginError::Host(e.to_string()))?;
    super::engine::start_ticker()?;
    let ticks = budget_ms.div_ceil(super::engine::TICK_MS).max(1);
    store.data_mut().deadline_tick = super::engine::ticks().saturating_add(ticks);
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    let result = pre.instantiate(&mut store).and_then(|instance| {
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call(&mut store, ())
    });
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    let exit_code = match result {
        Ok(()) => 0,
        Err(e) => classify(e, &store, &limits)?,
    };
    let state = store.into_data();
    Ok(RunOutput {
        stdout: state.stdout,
        stderr: state.stderr,
        exit_code,
        fuel_used,
    })
}

/// Turns a failed call into an exit code (for `proc_exit`) or the error that names the
/// limit it hit.
fn classify(e: wasmtime::Error, store: &Store<State>, limits: &Limits) -> Result<i32, PluginError> {
    if let Some(ProcExit(code)) = e.downcast_ref::<ProcExit>() {
        return Ok(*code);
    }
    let stderr = tail(&store.data().stderr);
    if let Some(c) = e.downcast_ref::<OutputCap>() {
        return Err(PluginError::OutputTooLarge {
            stream: c.stream,
            cap: c.cap,
        });
    }
    if let Some(c) = e.downcast_ref::<SleepCap>() {
        return Err(PluginError::Trap {
            trap: c.to_string(),
            stderr,
        });
    }
    if let Some((limit, asked)) = store.data().limiter.denied {
        return Err(PluginError::MemoryLimit { limit, asked });
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Err(PluginError::OutOfFuel { fuel: limits.fuel }),
        Some(Trap::Interrupt) => Err(PluginError::Timeout {
            ms: limits.timeout_ms,
        }),
        Some(Trap::StackOverflow) => Err(PluginError::StackOverflow),
        Some(t) => Err(PluginError::Trap {
            trap: t.to_string(),
            stderr,
        }),
        None => Err(PluginError::Trap {
            trap: e.to_string(),
            stderr,
        }),
    }
}

/// The last part of a stream, as text, for messages.
pub fn tail(bytes: &[u8]) -> String {
    const KEEP: usize = 4096;
    let start = bytes.len().saturating_sub(KEEP);
    let s = String::from_utf8_lossy(&bytes[start..]);
    s.trim_end().to_string()
}

// WASI errno values.
const SUCCESS: i32 = 0;
const EBADF: i32 = 8;
const EFAULT: i32 = 21;
const EINVAL: i32 = 28;
const ESPIPE: i32 = 70;

/// The allow-list and module name are the ABI's (one definition, shared with xtask).
pub use strata_plugin_abi::{ALLOWED_IMPORTS, WASI_MODULE};

type Cx<'a> = Caller<'a, State>;

/// Charges a host call: [`HOST_CALL_FUEL`] plus `bytes` at `per_byte`, paid before any
/// work, and stops the guest when the fuel or the deadline is past (a host call is not
/// interrupted by the epoch, so it looks itself). What a call costs depends on its
/// arguments alone, so fuel decides whatever the machine's load.
fn charge(cx: &mut Cx<'_>, bytes: u64, per_byte: u64) -> wasmtime::Result<()> {
    let cost = HOST_CALL_FUEL.saturating_add(bytes.saturating_mul(per_byte));
    let left = cx.get_fuel()?;
    if left < cost {
        cx.set_fuel(0)?;
        return Err(Trap::OutOfFuel.into());
    }
    cx.set_fuel(left - cost)?;
    deadline(cx.data())
}

fn deadline(st: &State) -> wasmtime::Result<()> {
    if super::engine::ticks() >= st.deadline_tick {
        return Err(Trap::Interrupt.into());
    }
    Ok(())
}

fn memory(cx: &mut Cx<'_>) -> Option<Memory> {
    cx.get_export("memory")?.into_memory()
}

/// Returns the guest memory and the state together, or None when the module exports no
/// memory.
fn parts<'a>(cx: &'a mut Cx<'_>) -> Option<(&'a mut [u8], &'a mut State)> {
    let mem = memory(cx)?;
    Some(mem.data_and_store_mut(cx))
}

/// Reads an iovec array as (pointer, length) pairs; the errno when it is too long or
/// out of bounds.
fn iovecs(mem: &[u8], iovs: i32, n: i32) -> Result<Vec<(u32, u32)>, i32> {
    if !(0..=MAX_IOVECS).contains(&n) {
        return Err(EINVAL);
    }
    (0..n)
        .map(|i| {
            let iov = iovs.wrapping_add(8 * i);
            match (get_u32(mem, iov), get_u32(mem, iov.wrapping_add(4))) {
                (Some(p), Some(l)) => Ok((p, l)),
                _ => Err(EFAULT),
            }
        })
        .collect()
}

/// The memory and iovecs of an `fd_read` or `fd_write`, and the bytes they ask for; or
/// the errno (the call's fee charged) when they are unusable.
#[allow(clippy::type_complexity, reason = "one private helper's result")]
fn iov_request(
    cx: &mut Cx<'_>,
    iovs: i32,
    n: i32,
) -> wasmtime::Result<Result<(Memory, Vec<(u32, u32)>, u64), i32>> {
    let got = memory(cx)
        .ok_or(EFAULT)
        .and_then(|m| iovecs(m.data(&*cx), iovs, n).map(|l| (m, l)));
    match got {
        Ok((m, l)) => {
            let wanted = l.iter().map(|&(_, len)| u64::from(len)).sum();
            Ok(Ok((m, l, wanted)))
        }
        Err(e) => {
            charge(cx, 0, 0)?;
            Ok(Err(e))
        }
    }
}

fn slice(mem: &[u8], ptr: i32, len: u64) -> Option<&[u8]> {
    let start = ptr as u32 as usize;
    mem.get(start..start.checked_add(usize::try_from(len).ok()?)?)
}

fn slice_mut(mem: &mut [u8], ptr: i32, len: u64) -> Option<&mut [u8]> {
    let start = ptr as u32 as usize;
    mem.get_mut(start..start.checked_add(usize::try_from(len).ok()?)?)
}

fn put_u32(mem: &mut [u8], ptr: i32, v: u32) -> Option<()> {
    slice_mut(mem, ptr, 4)?.copy_from_slice(&v.to_le_bytes());
    Some(())
}

fn put_u64(mem: &mut [u8], ptr: i32, v: u64) -> Option<()> {
    slice_mut(mem, ptr, 8)?.copy_from_slice(&v.to_le_bytes());
    Some(())
}

fn get_u32(mem: &[u8], ptr: i32) -> Option<u32> {
    let b = slice(mem, ptr, 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn errno(r: Option<()>) -> i32 {
    if r.is_some() { SUCCESS } else { EFAULT }
}

/// Adds the WASI surface to a linker. Every call is charged (see [`charge`]).
pub fn add_to_linker(l: &mut Linker<State>) -> wasmtime::Result<()> {
    let m = WASI_MODULE;
    l.func_wrap(
        m,
        "args_sizes_get",
        |mut cx: Cx<'_>, argc: i32, size: i32| -> R {
            charge(&mut cx, 0, 0)?;
            let Some((mem, st)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            let n = st.args.len() as u32;
            let total: usize = st.args.iter().map(|a| a.len() + 1).sum();
            Ok(errno(
                put_u32(mem, argc, n).and_then(|()| put_u32(mem, size, total as u32)),
            ))
        },
    )?;
    l.func_wrap(m, "args_get", |mut cx: Cx<'_>, argv: i32, buf: i32| -> R {
        let bytes: usize = cx.data().args.iter().map(|a| a.len() + 1).sum();
        charge(&mut cx, bytes as u64, FUEL_PER_BYTE)?;
        let Some((mem, st)) = parts(&mut cx) else {
            return Ok(EFAULT);
        };
        let mut off = buf as u32;
        for (i, a) in st.args.iter().enumerate() {
            let r = (|| {
                put_u32(mem, argv.wrapping_add(4 * i as i32), off)?;
                let dst = slice_mut(mem, off as i32, a.len() as u64 + 1)?;
                dst[..a.len()].copy_from_slice(a);
                dst[a.len()] = 0;
                Some(())
            })();
            if r.is_none() {
                return Ok(EFAULT);
            }
            off = off.wrapping_add(a.len() as u32 + 1);
        }
        Ok(SUCCESS)
    })?;
    l.func_wrap(
        m,
        "environ_sizes_get",
        |mut cx: Cx<'_>, count: i32, size: i32| -> R {
            charge(&mut cx, 0, 0)?;
            let Some((mem, _)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            Ok(errno(
                put_u32(mem, count, 0).and_then(|()| put_u32(mem, size, 0)),
            ))
        },
    )?;
    l.func_wrap(m, "environ_get", |mut cx: Cx<'_>, _: i32, _: i32| -> R {
        charge(&mut cx, 0, 0)?;
        Ok(SUCCESS)
    })?;
    l.func_wrap(
        m,
        "fd_read",
        |mut cx: Cx<'_>, fd: i32, iovs: i32, n: i32, nread: i32| -> R {
            if fd != 0 {
                charge(&mut cx, 0, 0)?;
                return Ok(EBADF);
            }
            let (memory, list, wanted) = match iov_request(&mut cx, iovs, n)? {
                Ok(r) => r,
                Err(e) => return Ok(e),
            };
            let st = cx.data();
            let left = (st.stdin.len() - st.stdin_pos) as u64;
            charge(&mut cx, wanted.min(left), FUEL_PER_BYTE)?;
            let (mem, st) = memory.data_and_store_mut(&mut cx);
            let mut total: u32 = 0;
            for (ptr, len) in list {
                let left = &st.stdin[st.stdin_pos..];
                let k = left.len().min(len as usize);
                let Some(dst) = slice_mut(mem, ptr as i32, k as u64) else {
                    return Ok(EFAULT);
                };
                dst.copy_from_slice(&left[..k]);
                st.stdin_pos += k;
                total = total.saturating_add(k as u32);
                if k < len as usize {
                    break;
                }
            }
            Ok(errno(put_u32(mem, nread, total)))
        },
    )?;
    l.func_wrap(
        m,
        "fd_write",
        |mut cx: Cx<'_>, fd: i32, iovs: i32, n: i32, nwritten: i32| -> R {
            let (stream, cap) = match fd {
                1 => ("stdout", cx.data().limits.stdout_bytes),
                2 => ("stderr", cx.data().limits.stderr_bytes),
                _ => {
                    charge(&mut cx, 0, 0)?;
                    return Ok(EBADF);
                }
            };
            let (memory, list, wanted) = match iov_request(&mut cx, iovs, n)? {
                Ok(r) => r,
                Err(e) => return Ok(e),
            };
            charge(&mut cx, wanted, FUEL_PER_BYTE)?;
            let (mem, st) = memory.data_and_store_mut(&mut cx);
            let out = if fd == 1 {
                &mut st.stdout
            } else {
                &mut st.stderr
            };
            if out.len() as u64 + wanted > cap {
                return Err(wasmtime::Error::new(OutputCap { stream, cap }));
            }
            for (ptr, len) in list {
                let Some(src) = slice(mem, ptr as i32, u64::from(len)) else {
                    return Ok(EFAULT);
                };
                out.extend_from_slice(src);
            }
            Ok(errno(put_u32(mem, nwritten, wanted as u32)))
        },
    )?;
    l.func_wrap(m, "fd_close", |mut cx: Cx<'_>, fd: i32| -> R {
        charge(&mut cx, 0, 0)?;
        Ok(if (0..=2).contains(&fd) {
            SUCCESS
        } else {
            EBADF
        })
    })?;
    l.func_wrap(
        m,
        "fd_seek",
        |mut cx: Cx<'_>, fd: i32, _off: i64, _wh: i32, _new: i32| -> R {
            charge(&mut cx, 0, 0)?;
            Ok(if (0..=2).contains(&fd) { ESPIPE } else { EBADF })
        },
    )?;
    l.func_wrap(
        m,
        "fd_fdstat_get",
        |mut cx: Cx<'_>, fd: i32, buf: i32| -> R {
            charge(&mut cx, 0, 0)?;
            if !(0..=2).contains(&fd) {
                return Ok(EBADF);
            }
            let Some((mem, _)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            // filetype unknown (0), no flags, rights: fd_read (1<<1) on stdin, fd_write (1<<6) on the others.
            let rights: u64 = if fd == 0 { 1 << 1 } else { 1 << 6 };
            let Some(d) = slice_mut(mem, buf, 24) else {
                return Ok(EFAULT);
            };
            d.fill(0);
            d[8..16].copy_from_slice(&rights.to_le_bytes());
            Ok(SUCCESS)
        },
    )?;
    l.func_wrap(
        m,
        "fd_fdstat_set_flags",
        |mut cx: Cx<'_>, fd: i32, _flags: i32| -> R {
            charge(&mut cx, 0, 0)?;
            Ok(if (0..=2).contains(&fd) {
                SUCCESS
            } else {
                EBADF
            })
        },
    )?;
    l.func_wrap(
        m,
        "fd_filestat_get",
        |mut cx: Cx<'_>, fd: i32, buf: i32| -> R {
            charge(&mut cx, 0, 0)?;
            if !(0..=2).contains(&fd) {
                return Ok(EBADF);
            }
            let Some((mem, _)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            let Some(d) = slice_mut(mem, buf, 64) else {
                return Ok(EFAULT);
            };
            d.fill(0);
            Ok(SUCCESS)
        },
    )?;
    // No preopened directories: every descriptor from 3 on is unknown.
    l.func_wrap(
        m,
        "fd_prestat_get",
        |mut cx: Cx<'_>, _fd: i32, _buf: i32| -> R {
            charge(&mut cx, 0, 0)?;
            Ok(EBADF)
        },
    )?;
    l.func_wrap(
        m,
        "fd_prestat_dir_name",
        |mut cx: Cx<'_>, _fd: i32, _p: i32, _n: i32| -> R {
            charge(&mut cx, 0, 0)?;
            Ok(EBADF)
        },
    )?;
    l.func_wrap(
        m,
        "clock_time_get",
        |mut cx: Cx<'_>, id: i32, _prec: i64, out: i32| -> R {
            charge(&mut cx, 0, 0)?;
            if !(0..=3).contains(&id) {
                return Ok(EINVAL);
            }
            let Some((mem, st)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            let t = st.now_ns(id as u32);
            Ok(errno(put_u64(mem, out, t)))
        },
    )?;
    l.func_wrap(
        m,
        "clock_res_get",
        |mut cx: Cx<'_>, id: i32, out: i32| -> R {
            charge(&mut cx, 0, 0)?;
            if !(0..=3).contains(&id) {
                return Ok(EINVAL);
            }
            let Some((mem, _)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            Ok(errno(put_u64(mem, out, 1)))
        },
    )?;
    l.func_wrap(m, "random_get", |mut cx: Cx<'_>, buf: i32, len: i32| -> R {
        let len = u64::from(len as u32);
        charge(&mut cx, len, FUEL_PER_RANDOM_BYTE)?;
        let Some((mem, st)) = parts(&mut cx) else {
            return Ok(EFAULT);
        };
        let Some(dst) = slice_mut(mem, buf, len) else {
            return Ok(EFAULT);
        };
        for stride in dst.chunks_mut(DEADLINE_STRIDE) {
            deadline(st)?;
            for chunk in stride.chunks_mut(32) {
                let mut h = Sha256::new();
                h.update(st.seed);
                h.update(st.random_block.to_le_bytes());
                st.random_block += 1;
                let block = h.finalize();
                chunk.copy_from_slice(&block[..chunk.len()]);
            }
        }
        Ok(SUCCESS)
    })?;
    l.func_wrap(
        m,
        "proc_exit",
        |mut cx: Cx<'_>, code: i32| -> wasmtime::Result<()> {
            charge(&mut cx, 0, 0)?;
            Err(wasmtime::Error::new(ProcExit(code)))
        },
    )?;
    l.func_wrap(m, "sched_yield", |mut cx: Cx<'_>| -> R {
        charge(&mut cx, 0, 0)?;
        Ok(SUCCESS)
    })?;
    l.func_wrap(
        m,
        "poll_oneoff",
        |mut cx: Cx<'_>, subs: i32, events: i32, n: i32, nevents: i32| -> R {
            let n = n as u32;
            if n == 0 || n > MAX_SUBSCRIPTIONS {
                charge(&mut cx, 0, 0)?;
                return Ok(EINVAL);
            }
            let bytes = u64::from(n) * (SUBSCRIPTION_BYTES + EVENT_BYTES) as u64;
            charge(&mut cx, bytes, FUEL_PER_BYTE)?;
            let Some((mem, st)) = parts(&mut cx) else {
                return Ok(EFAULT);
            };
            poll(mem, st, subs, events, n, nevents)
        },
    )?;
    Ok(())
}

/// Where the monotonic clocks start, in nanoseconds: any fixed value but zero (Go's
/// runtime refuses a monotonic clock that reads 0).
pub const MONOTONIC_ORIGIN_NS: u64 = 1_000_000_000;

impl State {
    /// The clock's fixed starting point: the build time for the real-time clock (id 0),
    /// [`MONOTONIC_ORIGIN_NS`] for the others.
    fn origin_ns(&self, id: u32) -> u64 {
        if id == 0 {
            self.clock_ns
        } else {
            MONOTONIC_ORIGIN_NS
        }
    }

    /// What a clock reads: its origin plus the virtual time slept.
    fn now_ns(&self, id: u32) -> u64 {
        self.origin_ns(id).saturating_add(self.slept_ns)
    }
}

/// Size of a WASI `subscription` in guest memory.
const SUBSCRIPTION_BYTES: usize = 48;
/// Size of a WASI `event` in guest memory.
const EVENT_BYTES: usize = 32;

/// One parsed `subscription`.
enum Sub {
    /// Fires when the virtual clock reaches the deadline (ns), or refused with the errno.
    Clock(Result<u64, i32>),
    /// A descriptor to wait on: (readable?, fd).
    Fd(bool, u32),
}

/// `poll_oneoff` over stdio and the virtual clock, without blocking: stdin is always
/// readable (whatever is left, hang-up at the end), stdout and stderr always writable,
/// any other descriptor (or direction) an `EBADF` event, an unknown clock `EINVAL`. When no descriptor event is ready, the call
/// "sleeps": the virtual clock jumps to the earliest deadline (so timers make progress
/// in no wall-clock time), within [`MAX_VIRTUAL_SLEEP_NS`] for the run.
fn poll(mem: &mut [u8], st: &mut State, subs: i32, events: i32, n: u32, nevents: i32) -> R {
    let mut list = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        let at = subs.wrapping_add((i * SUBSCRIPTION_BYTES) as i32);
        let Some(raw) = slice(mem, at, SUBSCRIPTION_BYTES as u64) else {
            return Ok(EFAULT);
        };
        let word = |o: usize| u64::from_le_bytes(raw[o..o + 8].try_into().unwrap_or_default());
        let userdata = word(0);
        let sub = match raw[8] {
            0 => {
                let id = u32::from_le_bytes(raw[16..20].try_into().unwrap_or_default());
                let timeout = word(24);
                let absolute = raw[40] & 1 == 1;
                // Deadlines are kept as virtual time slept, whatever the clock.
                Sub::Clock(if id > 3 {
                    Err(EINVAL)
                } else if absolute {
                    Ok(timeout.saturating_sub(st.origin_ns(id)))
                } else {
                    Ok(st.slept_ns.saturating_add(timeout))
                })
            }
            tag @ (1 | 2) => Sub::Fd(
                tag == 1,
                u32::from_le_bytes(raw[16..20].try_into().unwrap_or_default()),
            ),
            _ => return Ok(EINVAL),
        };
        list.push((userdata, sub));
    }
    if slice(mem, events, (n as usize * EVENT_BYTES) as u64).is_none()
        || slice(mem, nevents, 4).is_none()
    {
        return Ok(EFAULT);
    }
    let fd_ready = list
        .iter()
        .any(|(_, s)| matches!(s, Sub::Fd(..) | Sub::Clock(Err(_))));
    if !fd_ready {
        let earliest = list
            .iter()
            .filter_map(|(_, s)| match s {
                Sub::Clock(Ok(t)) => Some(*t),
                _ => None,
            })
            .min()
            .unwrap_or(0);
        if earliest > st.slept_ns {
            if earliest > MAX_VIRTUAL_SLEEP_NS {
                return Err(wasmtime::Error::new(SleepCap { asked_ns: earliest }));
            }
            st.slept_ns = earliest;
        }
    }
    let now = st.slept_ns;
    let stdin_left = (st.stdin.len() - st.stdin_pos) as u64;
    let mut written = 0u32;
    for (userdata, sub) in list {
        // (errno, type, nbytes, hang-up)
        let (err, kind, nbytes, hangup) = match sub {
            Sub::Clock(Ok(t)) if t <= now => (SUCCESS, 0u8, 0, false),
            Sub::Clock(Ok(_)) => continue,
            Sub::Clock(Err(e)) => (e, 0, 0, false),
            Sub::Fd(true, 0) => (SUCCESS, 1, stdin_left, stdin_left == 0),
            Sub::Fd(false, fd @ (1 | 2)) => {
                let (used, cap) = if fd == 1 {
                    (st.stdout.len() as u64, st.limits.stdout_bytes)
                } else {
                    (st.stderr.len() as u64, st.limits.stderr_bytes)
                };
                (SUCCESS, 2, cap.saturating_sub(used), false)
            }
            Sub::Fd(read, _) => (EBADF, if read { 1 } else { 2 }, 0, false),
        };
        let at = events.wrapping_add((written as usize * EVENT_BYTES) as i32);
        let Some(ev) = slice_mut(mem, at, EVENT_BYTES as u64) else {
            return Ok(EFAULT);
        };
        ev.fill(0);
        ev[0..8].copy_from_slice(&userdata.to_le_bytes());
        ev[8..10].copy_from_slice(&(err as u16).to_le_bytes());
        ev[10] = kind;
        ev[16..24].copy_from_slice(&nbytes.to_le_bytes());
        ev[24] = u8::from(hangup);
        written += 1;
    }
    Ok(errno(put_u32(mem, nevents, written)))
}

type R = wasmtime::Result<i32>;

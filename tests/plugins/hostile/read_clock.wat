;; Reads the real-time and the monotonic clock on both sides of a busy loop. Each reads
;; one fixed value (the real-time clock the build time: SOURCE_DATE_EPOCH, or 0), so it
;; says so on stderr and exits 4; a live clock would make it exit 0 with no output.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "clock is fixed at the build time")
  (func (export "_start")
    (local $i i32)
    (drop (call $now (i32.const 0) (i64.const 1) (i32.const 32)))
    (drop (call $now (i32.const 1) (i64.const 1) (i32.const 48)))
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 1000000))))
    (drop (call $now (i32.const 0) (i64.const 1) (i32.const 40)))
    (drop (call $now (i32.const 1) (i64.const 1) (i32.const 56)))
    (if (i32.and
          (i64.eq (i64.load (i32.const 32)) (i64.load (i32.const 40)))
          (i64.eq (i64.load (i32.const 48)) (i64.load (i32.const 56))))
      (then
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 32))
        (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $exit (i32.const 4))))
    (call $exit (i32.const 0))))

;; Sleeps in poll_oneoff for an hour at a time, forever, reading the monotonic clock
;; as it goes. Sleeping takes no wall-clock time (the virtual clock jumps to the
;; deadline), so the run is stopped by the bound on virtual time (a day), not left to
;; wait: each call answers at once with the clock event.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $now (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; a relative clock subscription on the monotonic clock: tag 0, id 1, 3600 s
    (i64.store (i32.const 0) (i64.const 42))
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (loop $sleep
      (if (call $poll (i32.const 0) (i32.const 4096) (i32.const 1) (i32.const 8192))
        (then (call $exit (i32.const 20))))
      ;; one event, the clock's, with its userdata
      (if (i64.ne (i64.load (i32.const 4096)) (i64.const 42))
        (then (call $exit (i32.const 21))))
      (drop (call $now (i32.const 1) (i64.const 1) (i32.const 9000)))
      (br $sleep))))

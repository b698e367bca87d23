;; Asks for the environment. It finds none, says so on stderr and exits 3; had it found
;; any, it would echo nothing and exit 0 (and the test would see a different error).
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "environment is empty")
  (func (export "_start")
    (drop (call $sizes (i32.const 32) (i32.const 36)))
    (if (i32.eqz (i32.load (i32.const 32)))
      (then
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 20))
        (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $exit (i32.const 3))))
    (call $exit (i32.const 0))))

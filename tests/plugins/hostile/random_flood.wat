;; Asks random_get for 4 GiB in one call: host calls are charged per byte before they
;; do any work, so this runs out of fuel at once, whatever the machine's load (it once
;; ran 8.6 s under a 100 ms deadline and 1000 units of fuel).
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (call $random (i32.const 0) (i32.const -1)))))

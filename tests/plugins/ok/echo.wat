;; The no-op plugin: copies stdin to stdout (the input ResourceList is a valid output).
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (func (export "_start")
    (local $end i32) (local $n i32)
    (local.set $end (i32.const 65536))
    (block $done
      (loop $more
        ;; Keep 64 KiB free after $end, doubling the memory when needed.
        (if (i32.gt_u (i32.add (local.get $end) (i32.const 65536)) (i32.shl (memory.size) (i32.const 16)))
          (then (if (i32.eq (memory.grow (memory.size)) (i32.const -1)) (then unreachable))))
        (i32.store (i32.const 0) (local.get $end))
        (i32.store (i32.const 4) (i32.const 65536))
        (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $end (i32.add (local.get $end) (local.get $n)))
        (br $more)))
    (i32.store (i32.const 0) (i32.const 65536))
    (i32.store (i32.const 4) (i32.sub (local.get $end) (i32.const 65536)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

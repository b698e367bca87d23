;; Calls poll_oneoff with hostile arguments: 4 294 967 295 subscriptions, zero
;; subscriptions, subscriptions and events past the end of memory, an unknown
;; subscription tag, a file descriptor that is not stdio, a clock that does not exist.
;; Each must be answered with its errno (EINVAL, EINVAL, EFAULT, EFAULT, EINVAL, an
;; EBADF event, an EINVAL event) without trapping the host; it then exits 5 with a
;; message, or with the step that went wrong (10 + step).
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "poll_oneoff refused every bad argument")
  (func $expect (param $got i32) (param $want i32) (param $step i32)
    (if (i32.ne (local.get $got) (local.get $want))
      (then (call $exit (i32.add (i32.const 10) (local.get $step))))))
  (func (export "_start")
    ;; 1: every subscription of the address space
    (call $expect (call $poll (i32.const 0) (i32.const 4096) (i32.const -1) (i32.const 8192)) (i32.const 28) (i32.const 1))
    ;; 2: none
    (call $expect (call $poll (i32.const 0) (i32.const 4096) (i32.const 0) (i32.const 8192)) (i32.const 28) (i32.const 2))
    ;; 3: subscriptions past the end of memory (a clock subscription, tag 0, at 0)
    (call $expect (call $poll (i32.const 65520) (i32.const 4096) (i32.const 1) (i32.const 8192)) (i32.const 21) (i32.const 3))
    ;; 4: events past the end of memory
    (call $expect (call $poll (i32.const 0) (i32.const 65530) (i32.const 1) (i32.const 8192)) (i32.const 21) (i32.const 4))
    ;; 5: an unknown tag
    (i32.store8 (i32.const 8) (i32.const 9))
    (call $expect (call $poll (i32.const 0) (i32.const 4096) (i32.const 1) (i32.const 8192)) (i32.const 28) (i32.const 5))
    ;; 6: fd_read on descriptor 7: one event, error EBADF
    (i32.store8 (i32.const 8) (i32.const 1))
    (i32.store (i32.const 16) (i32.const 7))
    (call $expect (call $poll (i32.const 0) (i32.const 4096) (i32.const 1) (i32.const 8192)) (i32.const 0) (i32.const 6))
    (call $expect (i32.load (i32.const 8192)) (i32.const 1) (i32.const 6))
    (call $expect (i32.load16_u (i32.const 4104)) (i32.const 8) (i32.const 6))
    ;; 7: clock 99: one event, error EINVAL
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 99))
    (call $expect (call $poll (i32.const 0) (i32.const 4096) (i32.const 1) (i32.const 8192)) (i32.const 0) (i32.const 7))
    (call $expect (i32.load16_u (i32.const 4104)) (i32.const 28) (i32.const 7))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 38))
    (drop (call $write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 5))))

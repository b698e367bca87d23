;; Prints a YAML ResourceList whose item nests 100 000 flow sequences deep: refused as
;; invalid output (too deep), never recursed into (which once overflowed the stack).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 16) "kind: ResourceList\nitems:\n- a: ")
  (func (export "_start")
    (memory.fill (i32.const 47) (i32.const 91) (i32.const 100000))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 100031))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

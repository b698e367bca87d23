;; Prints a JSON ResourceList whose item nests 100 000 arrays deep: refused as invalid
;; output (the JSON decoder's depth limit), never recursed into.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 16) "{\"kind\":\"ResourceList\",\"items\":[")
  (func (export "_start")
    (memory.fill (i32.const 48) (i32.const 91) (i32.const 100000))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 100032))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

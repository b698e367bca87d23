;; Grows a table a million elements at a time, forever: tables share the memory budget
;; with the linear memory, so the store's limit stops it.
(module
  (memory (export "memory") 1)
  (table $t 0 funcref)
  (func (export "_start")
    (loop $l
      (drop (table.grow $t (ref.null func) (i32.const 1000000)))
      (br $l))))

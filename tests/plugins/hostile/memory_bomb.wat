;; Grows memory a MiB at a time, forever: stopped by the store's memory limit.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $l
      (drop (memory.grow (i32.const 16)))
      (br $l))))

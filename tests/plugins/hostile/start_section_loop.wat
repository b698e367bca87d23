;; Loops forever in the module's start function, before `_start` is ever called:
;; the limits hold during instantiation too.
(module
  (memory (export "memory") 1)
  (func $spin (loop $l (br $l)))
  (start $spin)
  (func (export "_start")))

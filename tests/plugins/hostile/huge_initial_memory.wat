;; Declares 4 GiB of initial memory: refused at instantiation by the memory limit.
(module
  (memory (export "memory") 65536)
  (func (export "_start")))

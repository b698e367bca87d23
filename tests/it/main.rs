//! Strata's end-to-end tests, in one binary (each extra test binary re-links the engine).

mod bench;
mod cases;
mod catalog;
mod yaml_fidelity;

//! Strata's end-to-end tests, in one binary (each extra test binary re-links the engine).

mod bench;
mod cases;
mod catalog;
mod presubmit;
mod supporting;
mod tekton_schema;
mod yaml_fidelity;

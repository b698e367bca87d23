//! The engine's integration tests, one binary (each test binary links wasmtime again,
//! which is the expensive part of a test build on two cores): `process` (the real
//! binary's contract), `bundle` (apps and bundles through the binary), `plugins` (the
//! plugin host), and `support`, the helpers they share.

mod bundle;
mod plugins;
mod process;
mod support;

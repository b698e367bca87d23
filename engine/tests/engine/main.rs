//! The engine's integration tests, one binary (each test binary links wasmtime again,
//! which is the expensive part of a test build on two cores): `process` (the real
//! binary's contract), `bundle` (apps and bundles through the binary), `plugins` (the
//! plugin host), `build_flags` (kustomize build's flags, exec functions),
//! `plugin_languages` (Go and AssemblyScript plugins, the scaffolds), `edit_cases` (the
//! `edit`/`create` fixture cases under tests/edit), `kustomize_cli` (kustomize's command
//! line and Argo CD's contract), and `support`, the helpers they share.

mod build_flags;
mod bundle;
mod edit_cases;
mod kustomize_cli;
mod plugin_languages;
mod plugins;
mod process;
mod support;

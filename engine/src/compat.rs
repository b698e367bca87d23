//! The kustomize release whose behaviour and command line Strata matches.

/// The kustomize version Strata is compatible with, as kustomize prints it.
pub const KUSTOMIZE_VERSION: &str = "v5.8.1";

//! Copying values between resources: `replacements:` (kustomize's ReplacementTransformer)
//! and the legacy `vars:` resolved at the end of a build, with the dotted field-path
//! syntax both use.

pub mod path;
pub mod replacements;
pub mod vars;

pub use replacements::ReplacementTransformer;

//! Strata plugin SDK.

//! YAML in and out: the node tree, go-yaml-compatible tag resolution, the parser and
//! kustomize's exact printer. Pure: no files, no environment.

mod breaks;
pub mod emit;
mod fast;
pub mod json;
pub mod map;
pub mod node;
pub mod parse;
pub mod resolve;
pub mod yaml11;

pub use emit::{EmitError, emit, emit_documents};
pub use node::{Map, Node, Scalar, Style, Tag};
pub use parse::{
    AliasBudget, MAX_ALIAS_NODES_PER_BUILD, MAX_ALIAS_NODES_PER_FILE, MAX_DEPTH, ParseError,
    check_depth, parse_documents, parse_documents_complete, parse_documents_fast,
    parse_documents_in, parse_documents_last_key_wins, parse_one,
};

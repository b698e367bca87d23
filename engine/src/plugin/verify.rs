//! The static check every module passes before it is compiled: it must be a core wasm
//! module (not text, not a component), export `_start` and `memory`, and import only
//! functions of the WASI preview 1 surface the sandbox implements. A plugin that
//! imports `path_open` or a socket call is refused here, by name, before it runs.
//! It also bounds what compiling costs: the module's size is checked before a byte is
//! parsed and its function count before anything is compiled; and it refuses what would
//! split the memory budget (more than one memory, shared or 64-bit memories, many tables).

use wasmparser::{Encoding, ExternalKind, Parser, Payload, TypeRef};

use super::PluginError;
use super::sandbox::{ALLOWED_IMPORTS, Limits, WASI_MODULE};

/// The most tables a module may declare (toolchains emit one, for indirect calls).
pub const MAX_TABLES: usize = 8;

/// What `strata plugin inspect` prints about a module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inspection {
    /// Lower-case hex sha256 of the module bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: usize,
    /// Imports as (module, name, kind).
    pub imports: Vec<(String, String, &'static str)>,
    /// Exports as (name, kind).
    pub exports: Vec<(String, &'static str)>,
    /// Functions, imported and defined.
    pub functions: u64,
    /// Linear memories declared.
    pub memories: usize,
    /// Tables declared.
    pub tables: usize,
    /// Why the module does not fit the ABI (empty when it does).
    pub problems: Vec<String>,
}

pub use crate::fs::record::sha256_hex;

fn kind_name(k: ExternalKind) -> &'static str {
    match k {
        ExternalKind::Func | ExternalKind::FuncExact => "func",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

fn type_name(t: &TypeRef) -> &'static str {
    match t {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => "func",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}

/// Reads a module's imports and exports and lists what keeps it from fitting the ABI.
/// A module that cannot be parsed at all is an error.
pub fn inspect(bytes: &[u8]) -> Result<Inspection, PluginError> {
    let mut out = Inspection {
        sha256: sha256_hex(bytes),
        size: bytes.len(),
        ..Inspection::default()
    };
    if !bytes.starts_with(b"\0asm") {
        let what = if bytes.iter().take(64).all(|b| b.is_ascii()) && !bytes.is_empty() {
            "it looks like text (only binary wasm modules are accepted)"
        } else {
            "it does not start with the wasm magic bytes"
        };
        return Err(PluginError::NotWasm(what.into()));
    }
    let bad = |e: wasmparser::BinaryReaderError| PluginError::NotWasm(e.to_string());
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(bad)? {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => {
                return Err(PluginError::NotWasm(
                    "it is a component; plugins are wasm32-wasip1 core modules (plugins/ABI.md)"
                        .into(),
                ));
            }
            Payload::ImportSection(reader) => {
                for imp in reader.into_imports() {
                    {
                        let imp = imp.map_err(bad)?;
                        if matches!(imp.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                            out.functions += 1;
                        }
                        out.imports.push((
                            imp.module.to_string(),
                            imp.name.to_string(),
                            type_name(&imp.ty),
                        ));
                    }
                }
            }
            Payload::FunctionSection(reader) => out.functions += u64::from(reader.count()),
            Payload::MemorySection(reader) => {
                for m in reader {
                    let m = m.map_err(bad)?;
                    out.memories += 1;
                    if m.shared {
                        out.problems
                            .push("declares a shared memory (threads are not supported)".into());
                    }
                    if m.memory64 {
                        out.problems
                            .push("declares a 64-bit memory (plugins are wasm32)".into());
                    }
                }
            }
            Payload::TableSection(reader) => out.tables += reader.count() as usize,
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e.map_err(bad)?;
                    out.exports.push((e.name.to_string(), kind_name(e.kind)));
                }
            }
            _ => {}
        }
    }
    for (module, name, kind) in &out.imports {
        if module != WASI_MODULE || *kind != "func" {
            out.problems.push(format!(
                "imports {kind} {module}::{name}: only {WASI_MODULE} functions are provided"
            ));
        } else if !ALLOWED_IMPORTS.contains(&name.as_str()) {
            out.problems.push(format!("imports {module}::{name}, which the sandbox does not provide (no files, sockets, or polling)"));
        }
    }
    if out.memories > 1 {
        out.problems.push(format!(
            "declares {} memories (a plugin has one linear memory: the memory limit is one budget)",
            out.memories
        ));
    }
    if out.tables > MAX_TABLES {
        out.problems.push(format!(
            "declares {} tables (at most {MAX_TABLES})",
            out.tables
        ));
    }
    if !out
        .exports
        .iter()
        .any(|(n, k)| n == "_start" && *k == "func")
    {
        out.problems.push(
            "exports no `_start` function (build a WASI command, not a reactor or library)".into(),
        );
    }
    if !out
        .exports
        .iter()
        .any(|(n, k)| n == "memory" && *k == "memory")
    {
        out.problems.push("exports no `memory`".into());
    }
    Ok(out)
}

/// Refuses a module that does not fit the ABI or is over the compile bounds of
/// `limits` (size, functions), naming the first reason. Nothing is compiled.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<Inspection, PluginError> {
    within_size(bytes.len() as u64, limits)?;
    let i = inspect(bytes)?;
    within_functions(i.functions, limits)?;
    if let Some((module, name, _)) = i.imports.iter().find(|(m, n, k)| {
        m != WASI_MODULE || *k != "func" || !ALLOWED_IMPORTS.contains(&n.as_str())
    }) {
        return Err(PluginError::ForbiddenImport {
            module: module.clone(),
            name: name.clone(),
        });
    }
    if let Some(p) = i.problems.first() {
        return Err(PluginError::NotWasm(format!("it {p}")));
    }
    Ok(i)
}

/// Refuses a module larger than `limits.module_bytes`.
pub fn within_size(size: u64, limits: &Limits) -> Result<(), PluginError> {
    bounded("bytes", size, limits.module_bytes, "moduleMiB")
}

/// Refuses a module with more than `limits.functions` functions.
pub fn within_functions(functions: u64, limits: &Limits) -> Result<(), PluginError> {
    bounded("functions", functions, limits.functions, "functions")
}

fn bounded(
    what: &'static str,
    value: u64,
    limit: u64,
    key: &'static str,
) -> Result<(), PluginError> {
    if value > limit {
        return Err(PluginError::ModuleTooLarge {
            what,
            value,
            limit,
            key,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(imports: &str) -> Vec<u8> {
        wat::parse_str(format!(
            "(module {imports} (memory (export \"memory\") 1) (func (export \"_start\")))"
        ))
        .unwrap()
    }

    #[test]
    fn allowed_imports_pass_and_others_are_named() {
        let ok = module(
            r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
        );
        assert!(check(&ok, &Limits::default()).is_ok());
        let bad = module(
            r#"(import "wasi_snapshot_preview1" "path_open" (func (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))"#,
        );
        match check(&bad, &Limits::default()) {
            Err(PluginError::ForbiddenImport { name, .. }) => assert_eq!(name, "path_open"),
            other => panic!("{other:?}"),
        }
        let env = module(r#"(import "env" "f" (func))"#);
        assert!(matches!(
            check(&env, &Limits::default()),
            Err(PluginError::ForbiddenImport { .. })
        ));
    }

    #[test]
    fn non_modules_and_missing_exports_are_refused() {
        assert!(matches!(
            check(b"(module)", &Limits::default()),
            Err(PluginError::NotWasm(_))
        ));
        assert!(matches!(
            check(b"\0asm\x01\0\0\0\xff", &Limits::default()),
            Err(PluginError::NotWasm(_))
        ));
        let no_start = wat::parse_str("(module (memory (export \"memory\") 1))").unwrap();
        assert!(
            matches!(check(&no_start, &Limits::default()), Err(PluginError::NotWasm(m)) if m.contains("_start"))
        );
        assert_eq!(inspect(&no_start).unwrap().sha256.len(), 64);
    }

    #[test]
    fn size_and_function_bounds_are_checked_before_compiling() {
        let funcs: String = (0..10).map(|_| "(func)").collect();
        let m = module(&funcs);
        let i = check(&m, &Limits::default()).unwrap();
        assert_eq!((i.functions, i.memories, i.tables), (11, 1, 0));
        let tight = Limits {
            functions: 10,
            ..Limits::default()
        };
        let e = check(&m, &tight).unwrap_err();
        assert!(
            matches!(
                e,
                PluginError::ModuleTooLarge {
                    what: "functions",
                    value: 11,
                    limit: 10,
                    ..
                }
            ),
            "{e}"
        );
        let small = Limits {
            module_bytes: 8,
            ..Limits::default()
        };
        // Not even parsed: garbage over the size bound is refused for its size.
        let e = check(&[0u8; 9], &small).unwrap_err();
        assert!(e.to_string().contains("limits.moduleMiB"), "{e}");
    }

    #[test]
    fn more_than_one_memory_or_many_tables_are_refused() {
        let two = module("(memory 1)");
        let e = check(&two, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("2 memories"), "{e}");
        let tables: String = (0..=MAX_TABLES).map(|_| "(table 1 funcref)").collect();
        let e = check(&module(&tables), &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("tables"), "{e}");
    }
}

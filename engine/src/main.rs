//! The `strata` binary: hands argv and the standard streams to the CLI.

/// jemalloc, for the binary only: a build allocates millions of small nodes on two threads,
/// and against glibc's malloc it cuts the platform build's time by a fifth at the same peak
/// memory (mimalloc was as fast but took 90 MB against 50; see ARCHITECTURE.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = strata::cli::run(args, &mut stdout, &mut stderr);
    std::process::exit(code);
}

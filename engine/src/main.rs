//! The `strata` binary: hands argv and the standard streams to the CLI.

/// jemalloc, for the binary only: a build allocates millions of small nodes on two threads,
/// and against glibc's malloc it cuts the platform build's time by a fifth at the same peak
/// memory (mimalloc was as fast but took 90 MB against 50; see ARCHITECTURE.md).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Runs the CLI on a thread with the build threads' stack, so how deep an input may nest
/// does not depend on the main thread's (`ulimit -s`) or on which thread does the work.
fn main() {
    let code = match std::thread::Builder::new()
        .stack_size(strata::par::STACK_BYTES)
        .spawn(run)
    {
        // A panic has already been reported on stderr; 101 is Rust's exit code for it.
        Ok(handle) => handle.join().unwrap_or(101),
        Err(_) => run(),
    };
    std::process::exit(code);
}

fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    strata::cli::run(args, &mut stdout, &mut stderr)
}

//! The `strata` binary: hands argv and the standard streams to the CLI.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let code = strata::cli::run(args, &mut stdout, &mut stderr);
    std::process::exit(code);
}

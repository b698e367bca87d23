//! Running an executable, bounded: the one place that starts a process (exec KRM
//! functions, behind `build --enable-alpha-plugins --enable-exec`).
//!
//! The child gets exactly the environment it is handed (the library reads none), its
//! stdin from memory, and stdout and stderr read into memory up to a cap; past the cap
//! or the deadline it is killed, so a misbehaving program is an error, never a hang.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What to run and within which bounds.
#[derive(Debug)]
pub struct Spawn<'a> {
    /// The executable: an absolute path, or a bare name looked up in the `PATH` of `env`.
    pub program: &'a Path,
    /// Its working directory.
    pub dir: &'a Path,
    /// Its whole environment.
    pub env: Vec<(String, String)>,
    /// Written to its stdin, which is then closed.
    pub stdin: Vec<u8>,
    /// The most bytes read from stdout before it is killed.
    pub stdout_cap: u64,
    /// The most bytes of stderr kept (the rest is read and dropped).
    pub stderr_cap: u64,
    /// The wall-clock deadline.
    pub timeout: Duration,
}

/// How a bounded run ended.
#[derive(Debug)]
pub struct Finished {
    /// The exit code; None when a signal ended it.
    pub code: Option<i32>,
    /// Everything it printed on stdout.
    pub stdout: Vec<u8>,
    /// What it printed on stderr, up to the cap.
    pub stderr: Vec<u8>,
}

/// Why a bounded run gave no result.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The program could not be started.
    #[error("cannot run {program}: {source}")]
    Start {
        /// The program.
        program: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// It ran past the deadline and was killed.
    #[error("did not finish within {ms} ms and was killed")]
    Timeout {
        /// The deadline.
        ms: u128,
    },
    /// It printed more than the cap on stdout and was killed.
    #[error("printed more than {cap} bytes on stdout and was killed")]
    TooMuchOutput {
        /// The cap.
        cap: u64,
    },
}

/// Runs `s.program` to completion within its bounds.
pub fn run_bounded(s: Spawn<'_>) -> Result<Finished, SpawnError> {
    let deadline = Instant::now() + s.timeout;
    let mut child = Command::new(s.program)
        .current_dir(s.dir)
        .env_clear()
        .envs(s.env)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SpawnError::Start {
            program: s.program.display().to_string(),
            source,
        })?;
    // stdin is written, and stdout and stderr are read, on their own threads, so a child
    // that prints before it reads never deadlocks against us.
    if let Some(mut stdin) = child.stdin.take() {
        let input = s.stdin;
        std::thread::spawn(move || {
            // A child that exits without reading its input is not an error of ours.
            let _ = stdin.write_all(&input);
        });
    }
    let (out_tx, out_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let cap = s.stdout_cap;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let r = stdout.take(cap.saturating_add(1)).read_to_end(&mut buf);
            let _ = out_tx.send(r.map(|_| buf));
        });
    }
    let (err_tx, err_rx) = mpsc::channel();
    if let Some(mut stderr) = child.stderr.take() {
        let cap = s.stderr_cap;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut stderr).take(cap).read_to_end(&mut buf);
            // Drain the rest so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            let _ = err_tx.send(buf);
        });
    }
    let kill = |child: &mut std::process::Child| {
        let _ = child.kill();
        let _ = child.wait();
    };
    // Wait for stdout to close (the child exits, or closes it), then for the exit.
    let stdout = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            kill(&mut child);
            return Err(SpawnError::Timeout {
                ms: s.timeout.as_millis(),
            });
        }
        match out_rx.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(Ok(buf)) => break buf,
            Ok(Err(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => break Vec::new(),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
    };
    if stdout.len() as u64 > s.stdout_cap {
        kill(&mut child);
        return Err(SpawnError::TooMuchOutput { cap: s.stdout_cap });
    }
    let code = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.code(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                kill(&mut child);
                return Err(SpawnError::Timeout {
                    ms: s.timeout.as_millis(),
                });
            }
        }
    };
    // A grandchild may still hold stderr open: wait for it only until the deadline.
    let left = deadline.saturating_duration_since(Instant::now());
    let stderr = err_rx.recv_timeout(left).unwrap_or_default();
    Ok(Finished {
        code,
        stdout,
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_script(
        script: &str,
        stdin: &[u8],
        timeout_ms: u64,
        cap: u64,
    ) -> Result<Finished, SpawnError> {
        // `sh` with no arguments reads its script from stdin: the first line runs `$S`.
        let path = std::env::var("PATH").unwrap_or_default();
        let dir = std::env::temp_dir();
        run_bounded(Spawn {
            program: Path::new("/bin/sh"),
            dir: &dir,
            env: vec![("PATH".into(), path), ("S".into(), script.into())],
            stdin: [b"eval \"$S\"\n".as_slice(), stdin].concat(),
            stdout_cap: cap,
            stderr_cap: 1024,
            timeout: Duration::from_millis(timeout_ms),
        })
    }

    #[test]
    fn output_code_and_stderr_come_back() {
        let f = run_script("echo out; echo err >&2; exit 3", b"", 10_000, 1 << 20).expect("runs");
        assert_eq!(f.code, Some(3));
        assert_eq!(f.stdout, b"out\n");
        assert_eq!(f.stderr, b"err\n");
    }

    #[test]
    fn only_the_given_environment_is_seen() {
        let f = run_script("echo \"${HOME:-none}\"", b"", 10_000, 1 << 20).expect("runs");
        assert_eq!(f.stdout, b"none\n");
    }

    #[test]
    fn an_endless_program_is_killed_at_the_deadline() {
        let e = run_script("while :; do :; done", b"", 300, 1 << 20).err();
        assert!(matches!(e, Some(SpawnError::Timeout { .. })), "{e:?}");
    }

    #[test]
    fn endless_output_is_cut_at_the_cap() {
        let e = run_script("while :; do echo xxxxxxxxxxxxxxxx; done", b"", 10_000, 4096).err();
        assert!(
            matches!(e, Some(SpawnError::TooMuchOutput { cap: 4096 })),
            "{e:?}"
        );
    }

    #[test]
    fn a_missing_program_is_an_error() {
        let e = run_bounded(Spawn {
            program: Path::new("/nonexistent/strata-fn"),
            dir: &std::env::temp_dir(),
            env: Vec::new(),
            stdin: Vec::new(),
            stdout_cap: 10,
            stderr_cap: 10,
            timeout: Duration::from_secs(5),
        })
        .err();
        assert!(matches!(e, Some(SpawnError::Start { .. })), "{e:?}");
    }
}

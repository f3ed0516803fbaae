//! The real binary, `touchbase run`, as a child process: started on a
//! configuration that listens on port 0, its address read from its log.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{health, BIN};

/// The real binary, `touchbase run`, with its stderr collected.
pub struct Spawned {
    child: Child,
    /// Where it serves HTTP, read from its log.
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Spawned {
    /// Starts `touchbase run` on `config` and waits until it serves.
    pub fn start(config: &Path) -> Spawned {
        match Spawned::try_start(config) {
            Ok(s) => s,
            Err((status, log)) => panic!("the daemon exited with {status:?}: {log}"),
        }
    }

    /// Starts `touchbase run` on `config`: the daemon once it serves, or
    /// its exit status and log if it stopped first.
    pub fn try_start(config: &Path) -> Result<Spawned, (ExitStatus, String)> {
        Spawned::try_start_with(config, &[])
    }

    /// [`Spawned::try_start`] with more environment variables.
    pub fn try_start_with(
        config: &Path,
        env: &[(&str, &str)],
    ) -> Result<Spawned, (ExitStatus, String)> {
        let mut child = Command::new(BIN)
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the daemon");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        let t = Instant::now();
        loop {
            let text = log.lock().map(|l| l.clone()).unwrap_or_default();
            if let Some(addr) = text
                .split("serving feeds on ")
                .nth(1)
                .and_then(|r| r.split([',', ' ', '\n']).next())
                .and_then(|a| a.parse().ok())
            {
                return Ok(Spawned { child, addr, log });
            }
            if let Some(status) = child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(100));
                let text = log.lock().map(|l| l.clone()).unwrap_or_default();
                return Err((status, text));
            }
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the daemon did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `/healthz`.
    pub fn health(&self) -> serde_json::Value {
        health(self.addr)
    }

    /// Sends `sig` (`TERM`, `HUP`).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    /// SIGTERM, then waits (at most 10 s): exit status, time taken, log.
    pub fn stop(mut self) -> (ExitStatus, Duration, String) {
        self.signal("TERM");
        let t = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "no exit within 10 s of SIGTERM: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = t.elapsed();
        std::thread::sleep(Duration::from_millis(50));
        (status, took, self.log())
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

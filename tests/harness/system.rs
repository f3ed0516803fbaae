//! What the fault tests need of the machine: root or not, mounts (a tmpfs,
//! a read-only bind) undone when dropped, and a file system filled up.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether the tests run as root (who may mount file systems, and whom
/// file modes do not stop).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `cmd` with `args`: Ok, or its stderr.
pub fn run(cmd: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| format!("{cmd}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A mount (tmpfs, or a read-only bind) undone when dropped.
pub struct Mount(PathBuf);

impl Mount {
    /// A tmpfs of `size` (as mount says it: "1m") on `at`.
    pub fn tmpfs(at: &Path, size: &str) -> Result<Mount, String> {
        std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
        let at_s = at.to_str().expect("utf-8 path");
        let options = format!("size={size},mode=0700");
        run("mount", &["-t", "tmpfs", "-o", &options, "tmpfs", at_s])?;
        Ok(Mount(at.to_path_buf()))
    }

    /// `at`, bound onto itself read-only.
    pub fn read_only(at: &Path) -> Result<Mount, String> {
        let at_s = at.to_str().expect("utf-8 path");
        run("mount", &["--bind", at_s, at_s])?;
        let m = Mount(at.to_path_buf());
        run("mount", &["-o", "remount,bind,ro", at_s])?;
        Ok(m)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = run("umount", &["-l", self.0.to_str().unwrap_or_default()]);
    }
}

/// Fills the file system of `dir` with a file there until not one more
/// byte fits; returns the file (remove it to free the space).
pub fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    for chunk in [1 << 16, 4096, 1] {
        let block = vec![0u8; chunk];
        for _ in 0..100_000 {
            if f.write_all(&block).and_then(|()| f.sync_all()).is_err() {
                break;
            }
        }
    }
    path
}

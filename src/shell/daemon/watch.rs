//! Noticing roster edits: inotify on the roster's folder (editors save by
//! writing a new file and renaming it over the old one, which a watch on
//! the file itself would miss), then waiting until the file is stable.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long the file must stay unchanged before it is read.
pub const SETTLE: Duration = Duration::from_millis(60);

/// Starts watching the folder of `roster`; each event that may concern the
/// file sends `()` on the returned channel. Keep the watcher alive.
pub fn watch(
    roster: &Path,
) -> notify::Result<(notify::RecommendedWatcher, mpsc::UnboundedReceiver<()>)> {
    let (tx, rx) = mpsc::unbounded_channel();
    let name = roster.file_name().map(|n| n.to_os_string());
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let ours = event
            .paths
            .iter()
            .any(|p| p.file_name().map(|n| n.to_os_string()) == name);
        if ours && !matches!(event.kind, notify::EventKind::Access(_)) {
            let _ = tx.send(());
        }
    })?;
    let dir = match roster.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    Ok((watcher, rx))
}

fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Waits until `path` has kept the same size and modification time for
/// [`SETTLE`] (an editor still writing would otherwise look like a roster
/// with everyone removed). Gives up after two seconds of constant change.
pub async fn settle(path: &Path) {
    let mut last = stamp(path);
    for _ in 0..20 {
        tokio::time::sleep(SETTLE).await;
        let now = stamp(path);
        if now.is_some() && now == last {
            return;
        }
        last = now;
    }
}

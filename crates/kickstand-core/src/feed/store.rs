//! The evening's local store: a SQLite file in the app's data folder (one
//! per Kick account; in memory for the demo). Feed items with the keys they
//! were seen under, the streams with their viewer samples, and the webhook
//! message ids already seen (expired by time). One thread owns the
//! connection; callers never block an async worker on disk I/O.

use crate::dto::{FeedItem, StreamSummary, ViewerSample};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Streams kept in the history.
pub const MAX_STREAMS: usize = 30;
/// Feed rows kept on disk.
pub const MAX_ROWS: usize = 5000;

type Reply<T> = oneshot::Sender<T>;

enum Cmd {
    SaveItem(Box<FeedItem>, Vec<String>),
    MarkAllRead,
    LoadItems(i64, Reply<Vec<(FeedItem, Vec<String>)>>),
    SaveStream(Box<StreamSummary>),
    LoadStreams(Reply<Vec<StreamSummary>>),
    Sample(i64, ViewerSample),
    LoadSamples(i64, Reply<Vec<ViewerSample>>),
    /// Records a webhook message id; answers whether it was new.
    Seen(String, i64, Reply<bool>),
    ExpireSeen(i64),
    Flush(Reply<()>),
}

/// A handle to the store's thread. Cheap to clone; the thread ends when the
/// last handle is dropped.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Cmd>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS feed (
    id TEXT PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    item TEXT NOT NULL,
    keys TEXT NOT NULL,
    read INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feed_at ON feed(at_ms);
CREATE TABLE IF NOT EXISTS streams (
    started_ms INTEGER PRIMARY KEY,
    summary TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
    started_ms INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    viewers INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_stream ON samples(started_ms, at_ms);
CREATE TABLE IF NOT EXISTS webhook_seen (
    id TEXT PRIMARY KEY,
    at_ms INTEGER NOT NULL
);
";

impl Store {
    /// Opens (or creates) the store at `path`; `None` keeps it in memory.
    pub fn open(path: Option<PathBuf>) -> Result<Store, String> {
        let conn = match &path {
            Some(p) => {
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                }
                Connection::open(p)
            }
            None => Connection::open_in_memory(),
        }
        .map_err(|e| e.to_string())?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            .map_err(|e| e.to_string())?;
        conn.execute_batch(SCHEMA).map_err(|e| e.to_string())?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("kickstand-store".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| e.to_string())?;
        Ok(Store { tx })
    }

    pub fn save_item(&self, item: &FeedItem, keys: Vec<String>) {
        let _ = self.tx.send(Cmd::SaveItem(Box::new(item.clone()), keys));
    }

    pub fn mark_all_read(&self) {
        let _ = self.tx.send(Cmd::MarkAllRead);
    }

    /// Items since `since_ms`, oldest first, with their keys.
    pub async fn load_items(&self, since_ms: i64) -> Vec<(FeedItem, Vec<String>)> {
        self.ask(|r| Cmd::LoadItems(since_ms, r))
            .await
            .unwrap_or_default()
    }

    pub fn save_stream(&self, s: &StreamSummary) {
        let _ = self.tx.send(Cmd::SaveStream(Box::new(s.clone())));
    }

    /// The last streams, newest first.
    pub async fn streams(&self) -> Vec<StreamSummary> {
        self.ask(Cmd::LoadStreams).await.unwrap_or_default()
    }

    pub fn sample(&self, started_ms: i64, s: ViewerSample) {
        let _ = self.tx.send(Cmd::Sample(started_ms, s));
    }

    pub async fn samples(&self, started_ms: i64) -> Vec<ViewerSample> {
        self.ask(|r| Cmd::LoadSamples(started_ms, r))
            .await
            .unwrap_or_default()
    }

    /// Records a webhook message id; true when it was not seen before.
    pub async fn first_seen(&self, id: &str, now_ms: i64) -> bool {
        self.ask(|r| Cmd::Seen(id.to_owned(), now_ms, r))
            .await
            .unwrap_or(true)
    }

    /// Forgets webhook ids older than `before_ms`.
    pub fn expire_seen(&self, before_ms: i64) {
        let _ = self.tx.send(Cmd::ExpireSeen(before_ms));
    }

    /// Waits until everything sent before is written.
    pub async fn flush(&self) {
        let _ = self.ask(Cmd::Flush).await;
    }

    async fn ask<T>(&self, cmd: impl FnOnce(Reply<T>) -> Cmd) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.tx.send(cmd(tx)).ok()?;
        rx.await.ok()
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Cmd>) {
    let mut since_trim = 0usize;
    while let Ok(cmd) = rx.recv() {
        let r: rusqlite::Result<()> = (|| {
            match cmd {
                Cmd::SaveItem(item, keys) => {
                    conn.execute(
                        "INSERT INTO feed (id, at_ms, item, keys, read) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(id) DO UPDATE SET item = ?3, keys = ?4, read = ?5",
                        params![
                            item.id,
                            item.at_ms,
                            serde_json::to_string(&item).unwrap_or_default(),
                            serde_json::to_string(&keys).unwrap_or_default(),
                            item.read
                        ],
                    )?;
                    since_trim += 1;
                    if since_trim >= 100 {
                        since_trim = 0;
                        conn.execute(
                            "DELETE FROM feed WHERE id NOT IN (SELECT id FROM feed ORDER BY at_ms DESC LIMIT ?1)",
                            params![MAX_ROWS as i64],
                        )?;
                    }
                }
                Cmd::MarkAllRead => {
                    let mut stmt = conn.prepare("SELECT id, item FROM feed WHERE read = 0")?;
                    let rows: Vec<(String, String)> = stmt
                        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<Result<_, _>>()?;
                    for (id, json) in rows {
                        if let Ok(mut item) = serde_json::from_str::<FeedItem>(&json) {
                            item.read = true;
                            conn.execute(
                                "UPDATE feed SET read = 1, item = ?2 WHERE id = ?1",
                                params![id, serde_json::to_string(&item).unwrap_or_default()],
                            )?;
                        }
                    }
                }
                Cmd::LoadItems(since, reply) => {
                    let mut stmt = conn.prepare(
                        "SELECT item, keys FROM (SELECT item, keys, at_ms FROM feed WHERE at_ms >= ?1
                         ORDER BY at_ms DESC LIMIT ?2) ORDER BY at_ms ASC",
                    )?;
                    let rows: Vec<(FeedItem, Vec<String>)> = stmt
                        .query_map(params![since, super::model::MAX_ITEMS as i64], |r| {
                            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                        })?
                        .filter_map(|r| r.ok())
                        .filter_map(|(i, k)| {
                            Some((
                                serde_json::from_str(&i).ok()?,
                                serde_json::from_str(&k).ok()?,
                            ))
                        })
                        .collect();
                    let _ = reply.send(rows);
                }
                Cmd::SaveStream(s) => {
                    conn.execute(
                        "INSERT INTO streams (started_ms, summary) VALUES (?1, ?2)
                         ON CONFLICT(started_ms) DO UPDATE SET summary = ?2",
                        params![
                            s.started_at_ms,
                            serde_json::to_string(&s).unwrap_or_default()
                        ],
                    )?;
                    // Keep the last streams and their samples only.
                    let cutoff: Option<i64> = conn
                        .query_row(
                            "SELECT started_ms FROM streams ORDER BY started_ms DESC LIMIT 1 OFFSET ?1",
                            params![MAX_STREAMS as i64],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if let Some(c) = cutoff {
                        conn.execute("DELETE FROM streams WHERE started_ms <= ?1", params![c])?;
                        conn.execute("DELETE FROM samples WHERE started_ms <= ?1", params![c])?;
                    }
                }
                Cmd::LoadStreams(reply) => {
                    let mut stmt = conn
                        .prepare("SELECT summary FROM streams ORDER BY started_ms DESC LIMIT ?1")?;
                    let rows = stmt
                        .query_map(params![MAX_STREAMS as i64], |r| r.get::<_, String>(0))?
                        .filter_map(|r| r.ok())
                        .filter_map(|s| serde_json::from_str(&s).ok())
                        .collect();
                    let _ = reply.send(rows);
                }
                Cmd::Sample(started, s) => {
                    conn.execute(
                        "INSERT INTO samples (started_ms, at_ms, viewers) VALUES (?1, ?2, ?3)",
                        params![started, s.at_ms, s.viewers as i64],
                    )?;
                }
                Cmd::LoadSamples(started, reply) => {
                    let mut stmt = conn.prepare(
                        "SELECT at_ms, viewers FROM samples WHERE started_ms = ?1 ORDER BY at_ms",
                    )?;
                    let rows = stmt
                        .query_map(params![started], |r| {
                            Ok(ViewerSample {
                                at_ms: r.get(0)?,
                                viewers: r.get::<_, i64>(1)?.max(0) as u64,
                            })
                        })?
                        .filter_map(|r| r.ok())
                        .collect();
                    let _ = reply.send(rows);
                }
                Cmd::Seen(id, now, reply) => {
                    let n = conn.execute(
                        "INSERT OR IGNORE INTO webhook_seen (id, at_ms) VALUES (?1, ?2)",
                        params![id, now],
                    )?;
                    let _ = reply.send(n == 1);
                }
                Cmd::ExpireSeen(before) => {
                    conn.execute("DELETE FROM webhook_seen WHERE at_ms < ?1", params![before])?;
                }
                Cmd::Flush(reply) => {
                    let _ = reply.send(());
                }
            }
            Ok(())
        })();
        if let Err(e) = r {
            tracing::warn!(error = %e, "the local store could not write");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::FeedKind;

    fn item(id: &str, at: i64) -> FeedItem {
        FeedItem {
            id: id.into(),
            kind: FeedKind::Sub,
            at_ms: at,
            actor: Some("a".into()),
            text: "a subscribed".into(),
            detail: None,
            amount: Some(1),
            redemption: None,
            read: false,
        }
    }

    #[tokio::test]
    async fn survives_a_reopen() {
        let dir = std::env::temp_dir().join(format!("kickstand-store-{}", rand::random::<u64>()));
        let path = dir.join("feed.sqlite3");
        {
            let s = Store::open(Some(path.clone())).unwrap();
            s.save_item(&item("sub-1", 10), vec!["sub:a:1".into()]);
            s.save_item(&item("sub-2", 20), vec!["sub:b:1".into()]);
            s.mark_all_read();
            s.sample(
                1000,
                ViewerSample {
                    at_ms: 1000,
                    viewers: 5,
                },
            );
            assert!(s.first_seen("01MSG", 5).await);
            assert!(!s.first_seen("01MSG", 6).await);
            s.flush().await;
        }
        let s = Store::open(Some(path)).unwrap();
        let items = s.load_items(0).await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].0.id, "sub-1");
        assert!(items.iter().all(|(i, _)| i.read));
        assert_eq!(items[1].1, vec!["sub:b:1".to_string()]);
        assert_eq!(s.samples(1000).await.len(), 1);
        assert!(
            !s.first_seen("01MSG", 7).await,
            "seen ids survive a restart"
        );
        s.expire_seen(100);
        assert!(s.first_seen("01MSG", 200).await, "and expire by time");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn keeps_the_last_streams_only() {
        let s = Store::open(None).unwrap();
        for i in 0..40i64 {
            s.save_stream(&StreamSummary {
                started_at_ms: i,
                ended_at_ms: Some(i + 1),
                title: format!("s{i}"),
                peak_viewers: 0,
                average_viewers: 0,
                new_followers: 0,
                subs: 0,
                gifted_subs: 0,
                kicks: 0,
            });
        }
        let all = s.streams().await;
        assert_eq!(all.len(), MAX_STREAMS);
        assert_eq!(all[0].title, "s39");
    }
}

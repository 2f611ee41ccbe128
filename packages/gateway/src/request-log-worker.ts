/**
 * Worker-thread entry that writes request log batches to the gateway's SQLite file on its own
 * connection (see `workerRequestLogSink` in usage-accounting), so inserts never block the
 * event loop that serves requests. The main thread has already applied the migrations.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { serveRequestLogSink, sqliteRequestLogStore } from '@switchyard/usage-accounting/log-sink';

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
// The main connection writes too (keys, routing): wait for its short transactions, never fail on them.
db.pragma('busy_timeout = 5000');
// better-sqlite3 builds SQLite with a 16 MB page cache per connection, and appending rows fills
// it with pages it will not read again; the hot pages (each index's right edge) fit in 2 MB.
// Under load: 14-18 MB less RSS, inserts no slower (bench README, "Issue 14: key limits in blocks under `--workers`, a lighter log worker").
db.pragma('cache_size = -2000');
serveRequestLogSink(sqliteRequestLogStore(db), parentPort!);

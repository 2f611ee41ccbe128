/**
 * What a worker thread writing the request log needs, and nothing else of the package: a
 * worker's isolate that imports the main entry also loads and compiles the middleware, metrics
 * and tracing it never runs (5 MB more RSS per worker thread at rest).
 *
 * @example
 * import { serveRequestLogSink, sqliteRequestLogStore } from '@switchyard/usage-accounting/log-sink';
 * serveRequestLogSink(sqliteRequestLogStore(new Database(workerData.path)), parentPort!);
 * @module
 */
export { sqliteRequestLogStore } from './sqlite-store.js';
export { serveRequestLogSink, type SinkPort } from './worker-sink.js';

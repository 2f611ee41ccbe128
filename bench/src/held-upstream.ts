/**
 * The upstream of the concurrency scenario: streams that stay open. Each streamed answer sends
 * its role chunk at once, then one content chunk every `intervalMs`, and ends (final chunk and
 * `[DONE]`) when the bench releases it, or after `maxHoldMs` whichever comes first. JSON
 * requests are answered like the plain upstream.
 * @module
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { handleUpstream, STREAM_EVENTS } from './upstream.js';

/** How the held upstream paces its streams. */
export interface HeldUpstreamOptions {
  /** Time between two content chunks of one stream, ms. */
  intervalMs: number;
  /** Longest a stream stays open if never released, ms: no stream outlives a crashed bench. */
  maxHoldMs: number;
}

/** A held upstream: its server, and the handles the bench drives it with. */
export interface HeldUpstream {
  server: Server;
  /** Streams open right now. */
  open(): number;
  /** Ends every open stream properly (final chunk and `[DONE]`); returns how many it ended. */
  release(): number;
}

const ROLE = STREAM_EVENTS[0];
const CONTENT = STREAM_EVENTS.slice(1, -2);
const END = Buffer.concat(STREAM_EVENTS.slice(-2));

/**
 * Creates a held upstream, not listening yet.
 * @example
 * const held = createHeldUpstreamServer({ intervalMs: 2_000, maxHoldMs: 60_000 });
 * held.server.listen(0, '127.0.0.1');
 * // ... later
 * held.release();
 */
export function createHeldUpstreamServer(options: HeldUpstreamOptions): HeldUpstream {
  // Each open stream's "end it now" function; a Set so that ending is O(1) and release is one pass.
  const streams = new Set<() => void>();

  const hold = (res: ServerResponse): void => {
    let sent = 0;
    // One timer per stream, started when its request arrived: chunks spread over time as a real
    // model's would, instead of every stream ticking at the same instant.
    const tick = setInterval(() => {
      res.write(CONTENT[sent++ % CONTENT.length]);
    }, options.intervalMs);
    const cap = setTimeout(() => end(), options.maxHoldMs);
    const end = (): void => {
      if (!streams.delete(end)) return;
      clearInterval(tick);
      clearTimeout(cap);
      res.end(END);
    };
    streams.add(end);
    // The client (or the system under test) went away: stop writing to a dead socket.
    res.on('close', () => {
      if (!streams.delete(end)) return;
      clearInterval(tick);
      clearTimeout(cap);
    });
    res.write(ROLE);
  };

  const server = createServer((req, res) => {
    handleUpstream(req, res, hold).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  return {
    server,
    open: () => streams.size,
    release: () => {
      const ends = [...streams];
      for (const end of ends) end();
      return ends.length;
    },
  };
}

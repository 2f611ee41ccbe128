/**
 * The standalone gateway's logger: pino writing JSON lines to a file descriptor through an
 * asynchronous destination. The request path only formats a line and appends it to a buffer;
 * the buffer goes out in one write per event-loop turn at most (while a write is in flight,
 * new lines queue behind it), never as a synchronous `write()` per line.
 * @module
 */
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@switchyard/core';

/** Levels the config's `logging.level` accepts. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A {@link Logger} whose buffered lines can be written out before the process exits. */
export interface ProcessLogger extends Logger {
  /** Write every buffered line now (synchronously): call it before `process.exit`. */
  flushSync(): void;
}

/** Options of {@link processLogger}. */
export interface ProcessLoggerOptions {
  /** Lowest level written. Defaults to 'info'. */
  level?: LogLevel;
  /** File descriptor written to. Defaults to 2 (stderr). */
  fd?: number;
  /**
   * Where lines go instead of `fd` (tests, or a caller's own stream). Defaults to an
   * asynchronous `pino.destination` on `fd`.
   */
  destination?: DestinationStream & { flushSync?(): void };
}

/**
 * A pino logger with the gateway's line format: `{"level":"info","time":"<ISO 8601>",…fields,"msg":…}`.
 * @example
 * const logger = processLogger({ level: 'info' });
 * process.once('exit', () => logger.flushSync());
 */
export function processLogger(options: ProcessLoggerOptions = {}): ProcessLogger {
  const destination = options.destination ?? pino.destination({ dest: options.fd ?? 2, sync: false });
  const log: PinoLogger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    debug: (obj, msg) => log.debug(obj, msg),
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => log.warn(obj, msg),
    error: (obj, msg) => log.error(obj, msg),
    flushSync: () => destination.flushSync?.(),
  };
}

/**
 * The logging interface Switchyard pieces accept: the subset of pino's API they use, so a pino
 * logger (or `console` wrapped) can be passed as is.
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A logger that drops everything: the default of every piece. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * A minimal JSON-lines logger on a writable stream (the gateway CLI's default).
 * @example const log = jsonLogger(process.stderr, 'info');
 */
export function jsonLogger(stream: { write(s: string): unknown }, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 } as const;
  const min = order[level];
  const write = (lvl: keyof typeof order) => (obj: object, msg?: string) => {
    if (order[lvl] < min) return;
    stream.write(JSON.stringify({ level: lvl, time: new Date().toISOString(), ...obj, ...(msg ? { msg } : {}) }) + '\n');
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

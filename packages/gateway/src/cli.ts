#!/usr/bin/env node
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/load.js';
import { runPrimary, workerCount, workerLogger, workerStopRequested } from './cluster.js';
import { processLogger, type ProcessLogger } from './process-logger.js';
import { workerSharedState, type IpcEndpoint } from './shared-state.js';

const USAGE = `Usage: switchyard [command] [options]

Commands:
  start       Run the gateway (the default command; default config: two simulated
              providers, no network)
  validate    Run every check start runs on a config, without starting; print the
              problems (exit 1) or "ok" (exit 0)
  config schema
              Print the JSON Schema of the config (for editors:
              # yaml-language-server: $schema=switchyard.schema.json)

Options:
  --config FILE   YAML or JSON config (env: SWITCHYARD_CONFIG)
  --host HOST     Interface to listen on (env: SWITCHYARD_HOST, default 127.0.0.1)
  --port PORT     Port to listen on (env: SWITCHYARD_PORT, default 8787)
  --workers N     Processes serving requests, or "auto" for one per core (env:
                  SWITCHYARD_WORKERS, default 1); they share limits, breakers,
                  cursors and revocations through the primary process (or Redis)
  -v, --version   Print the version
  -h, --help      Show this help
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`switchyard ${pkg.version}\n`);
    return 0;
  }
  const command = positionals[0] ?? 'start';
  if (command === 'config' && positionals[1] === 'schema' && !values.help) {
    const { configJsonSchema } = await import('./config/json-schema.js');
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (values.help || !['start', 'validate'].includes(command)) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  // Flags win over the environment, which wins over the file.
  if (values.host) process.env.SWITCHYARD_HOST = values.host;
  if (values.port) process.env.SWITCHYARD_PORT = values.port;
  if (values.workers) process.env.SWITCHYARD_WORKERS = values.workers;
  let loaded;
  try {
    loaded = await loadConfig({ file: values.config });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`switchyard: invalid configuration\n${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (command === 'validate') {
    for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`ok: ${loaded.source} (${loaded.config.ai_gateway.providers.length} providers)\n`);
    return 0;
  }
  const level = loaded.config.logging.level;
  const logger = processLogger({ level: level === 'silent' ? 'error' : level });
  exitLogger = logger;
  const workers = workerCount(loaded.config.server.workers);
  if (workers > 1 && cluster.isPrimary) {
    if (!loaded.config.storage.postgres_url && loaded.config.storage.sqlite_path === ':memory:') {
      process.stderr.write(
        'switchyard: cannot start\nserver.workers > 1 needs a database every worker reads: set storage.sqlite_path to a file or storage.postgres_url\n',
      );
      return 1;
    }
    for (const w of loaded.warnings) logger.warn({ config: w }, 'config warning');
    return runPrimary({
      workers,
      logger,
      drainTimeoutMs: loaded.config.server.shutdown_timeout + 5000,
      onListening: ({ address, port }) =>
        process.stdout.write(`Switchyard listening on http://${address}:${port} (config: ${loaded.source}, ${workers} workers)\n`),
    });
  }
  const worker = cluster.isWorker ? cluster.worker!.id : undefined;
  const log = worker === undefined ? logger : workerLogger(logger, worker);
  let gateway;
  try {
    // Imported here, not at the top: a cluster's primary only forks workers and hosts the
    // shared state, so it never loads the gateway's modules.
    const { createGateway } = await import('./gateway.js');
    gateway = await createGateway({
      config: loaded.config,
      logger: log,
      ...(worker !== undefined ? { worker, shared: workerSharedState(process as unknown as IpcEndpoint) } : {}),
    });
  } catch (err) {
    process.stderr.write(`switchyard: cannot start\n${(err as Error).message}\n`);
    return 1;
  }
  if (worker === undefined) for (const w of loaded.warnings) log.warn({ config: w }, 'config warning');
  const server = await gateway.listen();
  const address = server.address() as { address: string; port: number };
  if (worker === undefined) process.stdout.write(`Switchyard listening on http://${address.address}:${address.port} (config: ${loaded.source})\n`);
  const reason = worker === undefined ? await stopSignal() : await workerStopRequested();
  log.info({ signal: reason }, 'shutting down');
  await gateway.close();
  return 0;
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** The running gateway's logger: its buffered lines are written out before the process exits. */
let exitLogger: ProcessLogger | undefined;

main(process.argv.slice(2)).then(
  (code) => {
    exitLogger?.flushSync();
    process.exit(code);
  },
  (err: Error) => {
    exitLogger?.flushSync();
    process.stderr.write(`switchyard: ${err.message}\n`);
    process.exit(1);
  },
);

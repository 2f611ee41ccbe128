#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { jsonLogger } from '@switchyard/core';
import { ConfigError, loadConfig } from './config/load.js';
import { createGateway } from './gateway.js';

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
  const logger = jsonLogger(process.stderr, level === 'silent' ? 'error' : level);
  let gateway;
  try {
    gateway = await createGateway({ config: loaded.config, logger });
  } catch (err) {
    process.stderr.write(`switchyard: cannot start\n${(err as Error).message}\n`);
    return 1;
  }
  for (const w of loaded.warnings) logger.warn({ config: w }, 'config warning');
  const server = await gateway.listen();
  const address = server.address() as { address: string; port: number };
  process.stdout.write(`Switchyard listening on http://${address.address}:${address.port} (config: ${loaded.source})\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      void gateway.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`switchyard: ${err.message}\n`);
    process.exit(1);
  },
);

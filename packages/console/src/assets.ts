import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One file of the built UI, held in memory with its gzip form. */
export interface Asset {
  body: Buffer;
  gzip: Buffer;
  type: string;
  /** Hashed names never change content: cache them for a year. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/**
 * Read the built UI (`index.html` plus `assets/*`) once. A missing bundle is a start-up error
 * that says how to build it, not a blank page later.
 */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const add = (urlPath: string, file: string, immutable: boolean) => {
    const body = readFileSync(file);
    assets.set(urlPath, { body, gzip: gzipSync(body, { level: 9 }), type: TYPES[extname(file)] ?? 'application/octet-stream', immutable });
  };
  try {
    add('/', join(dir, 'index.html'), false);
    for (const name of readdirSync(join(dir, 'assets'))) add(`/assets/${name}`, join(dir, 'assets', name), true);
  } catch (err) {
    throw new Error(`console: the UI bundle is missing in ${dir} (run \`npm run build -w @switchyard/console\`)`, { cause: err });
  }
  return assets;
}

/**
 * The security headers of every console response: a strict CSP (no inline script or style,
 * nothing from another origin, no framing) and friends.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

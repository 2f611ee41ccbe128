/**
 * OAuth2 access tokens for a Google service account, without google-auth-library: sign a JWT
 * (RS256, node:crypto) with the account's private key and exchange it at the token endpoint
 * (`urn:ietf:params:oauth:grant-type:jwt-bearer`). Tokens are cached and refreshed before they
 * expire; concurrent callers share one exchange.
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 * @see https://www.rfc-editor.org/rfc/rfc7523
 * @module
 */
import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { classifyFailure } from '../classify.js';
import { ProviderError } from '../provider-error.js';
import { TransportError, type HttpTransport } from '../transport.js';

/** The fields of a service-account key file we use. */
export interface ServiceAccountCredentials {
  type?: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  /** Token endpoint and JWT audience. Defaults to https://oauth2.googleapis.com/token. */
  token_uri?: string;
  project_id?: string;
}

/** Google's token endpoint (what key files name in `token_uri`). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The scope Vertex AI needs. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Options of {@link createServiceAccountTokenSource}. */
export interface ServiceAccountTokenOptions {
  /** Provider name, for errors. */
  provider: string;
  credentials: ServiceAccountCredentials;
  /** Where the JWT is exchanged. Defaults to `credentials.token_uri`, then Google's endpoint. The JWT audience stays `token_uri`. */
  tokenUrl?: string;
  /** OAuth scopes. Defaults to cloud-platform. */
  scopes?: readonly string[];
  /** Refresh this long before the token expires. Defaults to 60 000 ms. */
  refreshSkewMs?: number;
  /** Clock in ms. Defaults to Date.now. */
  now?: () => number;
}

/** Hands out a valid access token, exchanging a new JWT when needed. */
export interface AccessTokenSource {
  /** A token valid for at least `refreshSkewMs`. Rejects with a ProviderError (`auth`, `timeout`, `network`, …). */
  getToken(transport: HttpTransport, signal?: AbortSignal): Promise<string>;
}

/**
 * Read and validate a service-account key file (at start-up).
 * @throws {TypeError} when the file is missing, not JSON, or lacks client_email / private_key.
 * @example readServiceAccountFile('/secrets/vertex-sa.json').client_email
 */
export function readServiceAccountFile(path: string): ServiceAccountCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TypeError(`cannot read service-account credentials file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return validateCredentials(parsed, path);
}

/** Check the fields we need; the private key must parse. */
export function validateCredentials(value: unknown, where = 'credentials'): ServiceAccountCredentials {
  const c = value as Partial<ServiceAccountCredentials> | null;
  if (!c || typeof c !== 'object' || typeof c.client_email !== 'string' || typeof c.private_key !== 'string') {
    throw new TypeError(`${where}: a service-account key needs client_email and private_key`);
  }
  try {
    createPrivateKey(c.private_key);
  } catch {
    throw new TypeError(`${where}: private_key is not a valid PEM private key`);
  }
  return c as ServiceAccountCredentials;
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url');

/**
 * The signed JWT assertion (RS256) for a token request.
 * @example signServiceAccountJwt(credentials, { scope: CLOUD_PLATFORM_SCOPE, nowMs: Date.now() })
 */
export function signServiceAccountJwt(
  credentials: ServiceAccountCredentials,
  claims: { scope: string; nowMs: number; audience?: string; lifetimeSec?: number },
  key?: KeyObject,
): string {
  const iat = Math.floor(claims.nowMs / 1000);
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  if (credentials.private_key_id) header.kid = credentials.private_key_id;
  const payload = {
    iss: credentials.client_email,
    scope: claims.scope,
    aud: claims.audience ?? credentials.token_uri ?? GOOGLE_TOKEN_URL,
    iat,
    exp: iat + (claims.lifetimeSec ?? 3600),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = createSign('RSA-SHA256')
    .update(input)
    .sign(key ?? createPrivateKey(credentials.private_key));
  return `${input}.${b64url(signature)}`;
}

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * A cached, single-flight token source for one service account.
 * @example
 * const tokens = createServiceAccountTokenSource({ provider: 'vertex', credentials: readServiceAccountFile(file) });
 * const token = await tokens.getToken(transport);
 */
export function createServiceAccountTokenSource(options: ServiceAccountTokenOptions): AccessTokenSource {
  const { provider, credentials } = options;
  const key = createPrivateKey(credentials.private_key);
  const url = options.tokenUrl ?? credentials.token_uri ?? GOOGLE_TOKEN_URL;
  const scope = (options.scopes ?? [CLOUD_PLATFORM_SCOPE]).join(' ');
  const skew = options.refreshSkewMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: Token | undefined;
  let inflight: Promise<Token> | undefined;

  async function exchange(transport: HttpTransport): Promise<Token> {
    const assertion = signServiceAccountJwt(credentials, { scope, nowMs: now() }, key);
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    let text: string;
    let status: number;
    let headers: Record<string, string>;
    try {
      // No caller signal: the exchange is shared, one client leaving must not fail the others.
      const res = await transport.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        timeouts: { totalMs: 30_000 },
      });
      status = res.status;
      headers = res.headers;
      text = await res.text();
    } catch (error) {
      const kind = error instanceof TransportError && error.kind === 'timeout' ? 'timeout' : 'network';
      throw new ProviderError('service-account token exchange failed', { kind, provider, cause: error });
    }
    if (status < 200 || status > 299) {
      // A refused grant (bad key, clock skew, disabled account) is an auth failure, not the client's request.
      const c = classifyFailure({ status, headers, body: text });
      const kind = status >= 400 && status < 500 && status !== 429 ? 'auth' : c.kind;
      throw new ProviderError(`service-account token exchange failed: ${c.message}`, { kind, provider, upstreamStatus: status, retryAfterMs: c.retryAfterMs });
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new ProviderError('service-account token exchange returned no access_token', { kind: 'auth', provider, upstreamStatus: status });
    }
    const lifetime = typeof parsed.expires_in === 'number' ? parsed.expires_in : Number(parsed.expires_in) || 3600;
    return { value: parsed.access_token, expiresAt: now() + lifetime * 1000 };
  }

  return {
    async getToken(transport, signal) {
      if (cached && now() < cached.expiresAt - skew) return cached.value;
      if (!inflight) {
        inflight = exchange(transport).then(
          (token) => {
            cached = token;
            inflight = undefined;
            return token;
          },
          (error: unknown) => {
            inflight = undefined;
            throw error;
          },
        );
      }
      const pending = inflight;
      if (!signal) return (await pending).value;
      const gone = (): ProviderError => new ProviderError('client went away while waiting for an access token', { kind: 'network', provider });
      if (signal.aborted) throw gone();
      return new Promise<string>((resolve, reject) => {
        const onAbort = (): void => reject(gone());
        signal.addEventListener('abort', onAbort, { once: true });
        pending.then(
          (token) => {
            signal.removeEventListener('abort', onAbort);
            resolve(token.value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    },
  };
}

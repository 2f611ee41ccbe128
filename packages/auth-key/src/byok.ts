import { GatewayError, type Exchange, type Target } from '@switchyard/core';
import type { CredentialCipher } from './credential-cipher.js';

/** Where auth-key keeps a request's BYOK state in `exchange.locals` (never on the Principal). */
export const BYOK_STATE = Symbol.for('switchyard.auth-key.byok');

/** BYOK state of one exchange: encrypted credentials, decrypted only when handed out. */
export interface ByokState {
  keyId: string;
  /** Provider name -> ciphertext. */
  credentials: ReadonlyMap<string, string>;
  decrypt(ciphertext: string): string;
  /** Providers whose BYOK credential was handed out on this exchange (for accounting). */
  used: Set<string>;
}

/** Attach BYOK state to an exchange (done by the auth middleware). */
export function attachByok(exchange: Exchange, keyId: string, credentials: ReadonlyMap<string, string>, cipher: CredentialCipher | undefined): void {
  if (credentials.size === 0) return;
  exchange.locals.set(BYOK_STATE, {
    keyId,
    credentials,
    used: new Set<string>(),
    decrypt(ciphertext: string) {
      if (!cipher) throw byokUnavailable();
      try {
        return cipher.decrypt(ciphertext, keyId);
      } catch (err) {
        throw byokUnavailable(err);
      }
    },
  } satisfies ByokState);
}

function byokUnavailable(cause?: unknown): GatewayError {
  return new GatewayError('The stored provider credential of this key cannot be used (master key missing or changed)', {
    status: 500,
    code: 'byok_unavailable',
    expose: true,
    cause,
  });
}

/** Whether the client asked for BYOK with `X-Use-BYOK: true` (or its alias `X-Use-BYOAPI: true`). */
export function byokRequested(exchange: Exchange): boolean {
  const value = exchange.headers['x-use-byok'] ?? exchange.headers['x-use-byoapi'];
  return value !== undefined && /^(true|1|yes)$/i.test(value.trim());
}

/**
 * The key owner's own credential for a target's provider, when this request should use it:
 * the target says `byok: true` or the client sent `X-Use-BYOK: true`, and the key holds a
 * credential for that provider. Otherwise undefined (use the gateway's credential).
 * The executor passes the result as `ProviderCall.apiKey`. Decrypts on demand; the
 * plaintext is never stored on the exchange.
 *
 * @example
 * const apiKey = byokCredential(exchange, target); // ProviderCall.apiKey
 */
export function byokCredential(exchange: Exchange, target: Target | string): string | undefined {
  const state = exchange.locals.get(BYOK_STATE) as ByokState | undefined;
  if (!state) return undefined;
  const provider = typeof target === 'string' ? target : target.provider;
  const wanted = (typeof target !== 'string' && target.byok === true) || byokRequested(exchange);
  if (!wanted) return undefined;
  const ciphertext = state.credentials.get(provider);
  if (ciphertext === undefined) return undefined;
  const plaintext = state.decrypt(ciphertext);
  state.used.add(provider);
  return plaintext;
}

/**
 * Providers for which this exchange used the owner's credential: usage accounting attributes
 * their cost to the key owner's provider account rather than to the gateway's.
 * @example if (byokProvidersUsed(exchange).has(attempt.target.provider)) record.billedTo = 'owner';
 */
export function byokProvidersUsed(exchange: Exchange): ReadonlySet<string> {
  return (exchange.locals.get(BYOK_STATE) as ByokState | undefined)?.used ?? new Set();
}

/** Providers the key holds a BYOK credential for (names only). */
export function byokProviders(exchange: Exchange): string[] {
  return [...((exchange.locals.get(BYOK_STATE) as ByokState | undefined)?.credentials.keys() ?? [])];
}

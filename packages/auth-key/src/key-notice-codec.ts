// Wire format of key notices between instances (Redis pub/sub, PostgreSQL NOTIFY). Internal:
// not re-exported from index.ts.
import { randomBytes } from 'node:crypto';
import type { KeyNotice } from './key-events.js';

/** A random id per channel instance, so a channel can skip the echo of its own notices. */
export function newOrigin(): string {
  return randomBytes(9).toString('base64url');
}

/** JSON of a notice plus the sender's origin. Carries ids only, never a secret. */
export function encodeNotice(notice: KeyNotice, origin: string): string {
  return JSON.stringify(notice.type === 'reset' ? { type: 'reset', origin } : { type: notice.type, keyId: notice.keyId, origin });
}

/**
 * The notice in a message, or undefined when the message is not a notice or was sent by
 * `ownOrigin` (the publisher applied it locally already).
 */
export function decodeNotice(message: string | undefined, ownOrigin?: string): KeyNotice | undefined {
  if (!message) return undefined;
  try {
    const value = JSON.parse(message) as { type?: unknown; keyId?: unknown; origin?: unknown };
    if (ownOrigin !== undefined && value.origin === ownOrigin) return undefined;
    if ((value.type === 'revoked' || value.type === 'updated') && typeof value.keyId === 'string') {
      return { type: value.type, keyId: value.keyId };
    }
    if (value.type === 'reset') return { type: 'reset' };
  } catch {
    // Not ours: ignore.
  }
  return undefined;
}

/**
 * Failed sign-ins per client address in a fixed window: past the limit, sign-in answers 429
 * until the window ends, so the admin token cannot be guessed at network speed. Successful
 * sign-ins do not count; the map is bounded (oldest windows go first).
 */
export function signInThrottle(options: { limit: number; windowMs: number; now: () => number; maxAddresses?: number }) {
  const { limit, windowMs, now } = options;
  const max = options.maxAddresses ?? 10_000;
  const failures = new Map<string, { count: number; resetAt: number }>();
  const current = (address: string) => {
    const entry = failures.get(address);
    if (entry && entry.resetAt <= now()) {
      failures.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    /** Seconds until `address` may try again, or 0 when it may try now. */
    retryAfter(address: string): number {
      const entry = current(address);
      return entry && entry.count >= limit ? Math.ceil((entry.resetAt - now()) / 1000) : 0;
    },
    fail(address: string): void {
      const entry = current(address);
      if (entry) entry.count++;
      else {
        if (failures.size >= max) failures.delete(failures.keys().next().value!);
        failures.set(address, { count: 1, resetAt: now() + windowMs });
      }
    },
  };
}

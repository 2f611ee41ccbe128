/** Cookie parsing and `Set-Cookie` serialisation, just what the console needs (RFC 6265). */

/**
 * The value of one cookie from a `Cookie` header, or undefined.
 * @example readCookie('a=1; b=2', 'b') // '2'
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Attributes of {@link sessionCookie}. */
export interface CookieAttributes {
  path: string;
  secure: boolean;
  /** Lifetime in seconds; 0 deletes the cookie. */
  maxAge: number;
}

/**
 * A `Set-Cookie` value: always HttpOnly and SameSite=Strict, Secure when asked.
 * @example sessionCookie('sid', 'abc', { path: '/console', secure: true, maxAge: 3600 })
 */
export function sessionCookie(name: string, value: string, attrs: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attrs.path || '/'}`, `Max-Age=${Math.max(0, Math.floor(attrs.maxAge))}`, 'HttpOnly', 'SameSite=Strict'];
  if (attrs.secure) parts.push('Secure');
  return parts.join('; ');
}

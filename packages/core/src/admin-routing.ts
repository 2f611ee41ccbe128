/**
 * Whether a request path is `prefix` or below it under any spelling a lenient router or proxy
 * could resolve to it: any letter case, percent-encoded characters (also double-encoded),
 * repeated slashes and trailing slashes. Use it to guard a whole path space (an admin API)
 * without depending on how a router matches paths.
 *
 * @example isUnderPath('//ADMIN/%6beys/', '/admin') // true
 */
export function isUnderPath(path: string, prefix: string): boolean {
  const normalise = (p: string) =>
    p
      .replace(/\/{2,}/g, '/')
      .replace(/\/+$/, '')
      .toLowerCase();
  const base = normalise(prefix);
  let current = path;
  // Decode until stable (bounded): %2561 -> %61 -> a. Byte by byte, so one malformed escape
  // does not hide the others.
  for (let i = 0; i < 4; i++) {
    const candidate = normalise(current);
    if (candidate === base || candidate.startsWith(`${base}/`)) return true;
    const decoded = current.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (decoded === current) return false;
    current = decoded;
  }
  return false;
}

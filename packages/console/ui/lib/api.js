// The console's only door to the server: the session endpoints and the admin API behind them.
// Paths are relative so the console works under any mount point.

let csrf = '';
const signedOutListeners = new Set();

/** An admin API answer that was not 2xx; `message` is the server's own words. */
export class ApiError extends Error {
  constructor(message, status, param) {
    super(message);
    this.status = status;
    this.param = param;
  }
}

async function call(url, method, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && url.startsWith('api/admin/')) for (const fn of signedOutListeners) fn();
    const err = data?.error;
    throw new ApiError(err?.message ?? `${res.status} ${res.statusText}`, res.status, err?.param ?? err?.field);
  }
  return data;
}

/** Who is signed in: `{ signed_in, principal?, csrf?, api_base, token_sign_in? }`. */
export async function loadSession() {
  const session = await call('api/session', 'GET');
  csrf = session.csrf ?? '';
  return session;
}

export async function signIn(token) {
  const session = await call('api/session', 'POST', { token });
  csrf = session.csrf;
  return session;
}

export async function signOut() {
  await call('api/session', 'DELETE');
  csrf = '';
}

/** Called when the admin API says the session is gone (expired, signed out elsewhere). */
export function onSignedOut(fn) {
  signedOutListeners.add(fn);
  return () => signedOutListeners.delete(fn);
}

/** The admin API: `admin.get('/keys')`, `admin.post('/keys', { name })`, … */
export const admin = {
  get: (path) => call(`api/admin${path}`, 'GET'),
  post: (path, body) => call(`api/admin${path}`, 'POST', body),
  put: (path, body) => call(`api/admin${path}`, 'PUT', body),
  patch: (path, body) => call(`api/admin${path}`, 'PATCH', body),
  delete: (path) => call(`api/admin${path}`, 'DELETE'),
  /** The EventSource URL of an admin stream (same origin, the cookie goes along). */
  streamUrl: (path) => `api/admin${path}`,
};

/** Build a query string from the defined, non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

import { useEffect, useState } from 'preact/hooks';

/** The current hash route as path segments: `#/keys/key_1` → ['keys', 'key_1'], plus its query. */
export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(search) };
}

/** Re-render on navigation. Hash routes keep the console working under any mount path. */
export function useRoute() {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const update = () => setRoute(parseHash());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export const navigate = (path) => {
  location.hash = path;
};

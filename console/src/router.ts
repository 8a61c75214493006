// A small history router: the console's pages are paths under /console/, so a page can be
// bookmarked and reloaded (the server answers every /console/* path with the one page).
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

/** The path after /console ('/' for the overview), without query. */
export function currentPath(): string {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return p === '' ? '/' : p;
}

/** Goes to a console path (pushes history) and tells the pages. */
export function navigate(path: string): void {
  history.pushState(null, '', BASE + path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current console path, re-rendered on navigation. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

/** The query parameters of the current location. */
export function query(): URLSearchParams {
  return new URLSearchParams(location.search);
}

/** Matches `/tenants/:id` style patterns; the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i] as string;
    const val = b[i] as string;
    if (seg.startsWith(':')) {
      if (val === '') return null;
      out[seg.slice(1)] = decodeURIComponent(val);
    } else if (seg !== val) return null;
  }
  return out;
}

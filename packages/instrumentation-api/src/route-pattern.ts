import { configError } from './errors.js';

/**
 * A pattern for login routes, audited routes and ignored paths:
 * - `'/users/:id'` — the route template or the path, exactly;
 * - `'/admin/*'` — `*` matches any characters, including `/`;
 * - `'POST /login'` — a method, a space, then a pattern;
 * - a RegExp — tested on the route template and on the path.
 * A request matches when its method fits and its route template or its path matches.
 */
export type RoutePattern = string | RegExp;

export interface RouteMatcher {
  (method: string, route: string | undefined, path: string): boolean;
}

export function compileRoutePatterns(key: string, patterns: readonly RoutePattern[]): RouteMatcher {
  const compiled = patterns.map((p, i) => compileOne(`${key}[${i}]`, p));
  // Exact patterns without a method (the health-check defaults) are one Set lookup.
  const exact = new Set(
    compiled.filter((c) => c.method === undefined && c.exact !== undefined).map((c) => c.exact),
  );
  const rest = compiled.filter((c) => !(c.method === undefined && c.exact !== undefined));
  return (method, route, path) => {
    if (exact.has(path) || (route !== undefined && exact.has(route))) return true;
    for (const c of rest) {
      if (c.method !== undefined && c.method !== method) continue;
      if ((route !== undefined && c.test(route)) || c.test(path)) return true;
    }
    return false;
  };
}

interface Compiled {
  method: string | undefined;
  exact?: string;
  test: (s: string) => boolean;
}

function compileOne(key: string, pattern: RoutePattern): Compiled {
  if (pattern instanceof RegExp) return { method: undefined, test: (s) => pattern.test(s) };
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw configError(
      key,
      pattern,
      "a non-empty string such as '/users/:id', 'POST /login' or '/admin/*', or a RegExp",
    );
  }
  const m = /^([A-Z]+)\s+(\S+)$/.exec(pattern);
  const method = m?.[1];
  const body = m?.[2] ?? pattern;
  if (!body.startsWith('/') && body !== '*')
    throw configError(key, pattern, "a pattern starting with '/' (after an optional method)");
  if (!body.includes('*')) return { method, exact: body, test: (s) => s === body };
  const re = new RegExp(`^${body.split('*').map(escape).join('.*')}$`);
  return { method, test: (s) => re.test(s) };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

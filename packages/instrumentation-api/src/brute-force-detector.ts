/**
 * Counts authentication failures per client in fixed windows and says when a client reaches
 * the threshold — once per window.
 *
 *   Map<client, { windowStart, failures, alerted }>   insertion order = least recently failed first
 *   a failure past `windowMs` after windowStart opens a new window (failures = 1, alerted = false)
 *   at `maxClients` entries the least recently failed client is forgotten, so memory stays bounded
 */
export interface BruteForceOptions {
  /** Failures from one client that raise `authn_login_fail_max`. Default 10. */
  threshold?: number;
  /** Window length in ms. Default 60 000. */
  windowMs?: number;
  /** Clients remembered at once (least recently failed forgotten first). Default 10 000. */
  maxClients?: number;
}

export interface BruteForceDetector {
  /** Counts a failure; returns the failure count when this one crosses the threshold, else 0. */
  fail(client: string, nowMs: number): number;
  readonly size: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  alerted: boolean;
}

export function createBruteForceDetector(options: Required<BruteForceOptions>): BruteForceDetector {
  const { threshold, windowMs, maxClients } = options;
  const clients = new Map<string, Entry>();
  return {
    get size() {
      return clients.size;
    },
    fail(client, nowMs) {
      let entry = clients.get(client);
      if (entry !== undefined) {
        clients.delete(client);
        if (nowMs - entry.windowStart >= windowMs) entry = undefined;
      }
      if (entry === undefined) {
        entry = { windowStart: nowMs, failures: 0, alerted: false };
        if (clients.size >= maxClients) {
          const oldest = clients.keys().next();
          if (oldest.done !== true) clients.delete(oldest.value);
        }
      }
      clients.set(client, entry);
      entry.failures++;
      if (!entry.alerted && entry.failures >= threshold) {
        entry.alerted = true;
        return entry.failures;
      }
      return 0;
    },
  };
}

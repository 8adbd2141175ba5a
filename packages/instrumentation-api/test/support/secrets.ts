import { readFileSync } from 'node:fs';

export interface CorpusSecret {
  id: string;
  kind: string;
  carrier: 'query' | 'json' | 'path' | `header:${string}`;
  key?: string;
  value: string;
}

export const corpus: CorpusSecret[] = (
  JSON.parse(readFileSync(new URL('../fixtures/secrets.json', import.meta.url), 'utf8')) as {
    secrets: CorpusSecret[];
  }
).secrets;

/** Every form a secret could take in exported data: raw, URL-encoded, JSON-escaped, and each long line of a multi-line value. */
export function needles(secret: string): string[] {
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ]);
  for (const part of secret.split(/[\s]+/)) if (part.length >= 12) forms.add(part);
  return [...forms];
}

/** Sends one secret to a running app the way its carrier says. */
export async function sendSecret(base: string, secret: CorpusSecret): Promise<Response> {
  if (secret.carrier === 'query') {
    return fetch(
      `${base}/users/42?${new URLSearchParams({ page: '2', [secret.key as string]: secret.value })}`,
    );
  }
  if (secret.carrier === 'json') {
    return fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ order: 'A-17', [secret.key as string]: secret.value }),
    });
  }
  if (secret.carrier === 'path') return fetch(`${base}/reset/${encodeURIComponent(secret.value)}`);
  const header = secret.carrier.slice('header:'.length);
  const value =
    header === 'authorization'
      ? `Bearer ${secret.value}`
      : header === 'cookie'
        ? `session=${secret.value}; theme=dark`
        : secret.value;
  return fetch(`${base}/users/42`, { headers: { [header]: value } });
}

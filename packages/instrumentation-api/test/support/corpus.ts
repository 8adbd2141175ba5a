import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export type Carrier = 'path' | 'query' | 'header' | 'body' | 'text';
export const CARRIERS: readonly Carrier[] = ['path', 'query', 'header', 'body', 'text'];

export interface CorpusEntry {
  id: string;
  kind: string;
  expect: 'secret' | 'personal' | 'kept';
  value: string;
  /** The part that must not appear, when not the whole value. */
  secret?: string;
  carriers?: Carrier[];
  /** Path template, `{}` being the value. */
  path?: string;
}

export const corpusFile = new URL('../../../../test/redaction-corpus/corpus.json', import.meta.url);

export const redactionCorpus: CorpusEntry[] = (
  JSON.parse(readFileSync(corpusFile, 'utf8')) as { entries: CorpusEntry[] }
).entries;

export function carriersOf(entry: CorpusEntry): Carrier[] {
  const all = entry.carriers ?? [...CARRIERS];
  // Header values cannot hold line breaks.
  return entry.value.includes('\n')
    ? all.filter((c) => c !== 'header' && c !== 'path' && c !== 'query')
    : all;
}

/** The path a value is sent on: its template, or `/api/items/<value>`. */
export function pathFor(entry: CorpusEntry): string {
  return (entry.path ?? '/api/items/{}').replace('{}', encodeURIComponent(entry.value));
}

/** Every form the secret part could take in exported data: raw, URL-encoded, JSON-escaped, and each long piece of a multi-line value. */
export function corpusNeedles(entry: CorpusEntry): string[] {
  const secret = entry.secret ?? entry.value;
  const forms = new Set([
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ]);
  for (const part of secret.split(/\s+/)) if (part.length >= 12) forms.add(part);
  return [...forms];
}

/** Forms in which a kept value may legitimately appear. */
export function keptForms(entry: CorpusEntry): string[] {
  return [
    entry.value,
    encodeURIComponent(entry.value),
    new URLSearchParams({ v: entry.value }).toString().slice(2),
    JSON.stringify(entry.value).slice(1, -1),
  ];
}

/** A corpus (this one or the e2e secrets) holds at least `min` entries and one of each kind named. */
export function expectKindsCovered(
  entries: readonly { kind: string }[],
  min: number,
  kinds: readonly string[],
): void {
  expect(entries.length).toBeGreaterThanOrEqual(min);
  const present = new Set(entries.map((e) => e.kind));
  for (const kind of kinds) expect(present, kind).toContain(kind);
}

import { describe, expect, it } from 'vitest';
import { createRedactor } from '@otel-lifeline/instrumentation-api';
import { carriersOf, corpusNeedles, keptForms, pathFor, redactionCorpus } from './support/corpus.js';
import type { Carrier, CorpusEntry } from './support/corpus.js';

/**
 * The public corpus (test/redaction-corpus/corpus.json) through the redaction policy in every
 * place a value can be: a path segment, a query value under a harmless name, a header value, a
 * JSON body field with a harmless name, and free text (an exception message). The default
 * configuration; the end-to-end run through every framework example is test/e2e/redaction-corpus.test.ts.
 */
const redactor = createRedactor();

function redactIn(carrier: Carrier, entry: CorpusEntry): string {
  switch (carrier) {
    case 'path':
      return redactor.redactPath(pathFor(entry));
    case 'query':
      return redactor.redactQuery(`page=2&ref=${encodeURIComponent(entry.value)}`);
    case 'header':
      return (redactor.redactValue(`corpus/1.0 (${entry.value})`, 'user_agent.original') as string) ?? '';
    case 'body':
      return redactor.redactBody(JSON.stringify({ order: 'A-17', note: entry.value }), 'application/json');
    case 'text':
      return redactor.scrubText(`while handling ${entry.value} the call failed`);
  }
}

interface Tally {
  cases: number;
  misses: string[];
}

function run(
  expectKind: (e: CorpusEntry) => boolean,
  check: (out: string, e: CorpusEntry) => boolean,
): Tally {
  const tally: Tally = { cases: 0, misses: [] };
  for (const entry of redactionCorpus.filter(expectKind)) {
    for (const carrier of carriersOf(entry)) {
      tally.cases++;
      const out = redactIn(carrier, entry);
      if (!check(out, entry)) tally.misses.push(`${entry.id} in ${carrier}: ${out.slice(0, 160)}`);
    }
  }
  return tally;
}

describe('redaction corpus, default configuration', () => {
  it('holds at least 300 values: secrets of every required kind and ordinary values', () => {
    expect(redactionCorpus.length).toBeGreaterThanOrEqual(300);
    const kinds = new Set(redactionCorpus.map((e) => e.kind));
    for (const kind of [
      'aws_access_key_id',
      'aws_secret_access_key',
      'github_pat_classic',
      'stripe_secret_key',
      'slack_bot_token',
      'jwt',
      'private_key',
      'connection_string_empty_user',
      'url_userinfo_password',
      'card_number',
      'us_ssn',
      'email',
      'username_in_path',
      'session_token_base64url',
      'uuid',
      'commit_sha',
      'base64_of_text',
      'date',
      'semver',
      'slug',
    ])
      expect(kinds, kind).toContain(kind);
  });

  it('finds every secret and every piece of personal data wherever it is put', () => {
    const tally = run(
      (e) => e.expect !== 'kept',
      (out, e) => corpusNeedles(e).every((needle) => !out.includes(needle)),
    );
    expect(tally.cases).toBeGreaterThan(700);
    expect(tally.misses).toEqual([]);
  });

  it('keeps every ordinary value (UUIDs, commit hashes, base64 ids, dates, semver, slugs, look-alikes)', () => {
    const tally = run(
      (e) => e.expect === 'kept',
      (out, e) => keptForms(e).some((form) => out.includes(form)),
    );
    expect(tally.cases).toBeGreaterThan(500);
    expect(tally.misses).toEqual([]);
  });
});

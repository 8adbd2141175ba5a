import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '@otel-lifeline/instrumentation-api';
import {
  carriersOf,
  corpusNeedles,
  expectKindsCovered,
  keptForms,
  pathFor,
  redactionCorpus,
} from './support/corpus.js';
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

const secretTally = run(
  (e) => e.expect !== 'kept',
  (out, e) => corpusNeedles(e).every((needle) => !out.includes(needle)),
);
const keptTally = run(
  (e) => e.expect === 'kept',
  (out, e) => keptForms(e).some((form) => out.includes(form)),
);

describe('redaction corpus, default configuration', () => {
  it('holds at least 300 values: secrets of every required kind and ordinary values', () => {
    expectKindsCovered(redactionCorpus, 300, [
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
    ]);
  });

  it('finds every secret and every piece of personal data wherever it is put', () => {
    expect(secretTally.cases).toBeGreaterThan(700);
    expect(secretTally.misses).toEqual([]);
  });

  it('keeps every ordinary value (UUIDs, commit hashes, base64 ids, dates, semver, slugs, look-alikes)', () => {
    expect(keptTally.cases).toBeGreaterThan(500);
    expect(keptTally.misses).toEqual([]);
  });

  // The figures the READMEs state are the ones computed above, so they cannot go stale.
  it('is described in the READMEs with the figures measured here', () => {
    const count = (expect: CorpusEntry['expect']) =>
      redactionCorpus.filter((e) => e.expect === expect).length;
    const leaked = secretTally.misses.length;
    const masked = keptTally.misses.length;
    const rate = `${((100 * masked) / keptTally.cases).toFixed(masked === 0 ? 0 : 1)} %`;
    const flat = (file: string) =>
      readFileSync(new URL(file, import.meta.url), 'utf8')
        .replace(/\*\*/g, '')
        .replace(/\s+/g, ' ');
    const root = flat('../../../README.md');
    expect(root).toContain(`(\`test/redaction-corpus/corpus.json\`, ${redactionCorpus.length} values)`);
    expect(root).toContain(
      `${leaked} of ${secretTally.cases} secret placements leak and ${masked} of ${keptTally.cases} ordinary placements`,
    );
    expect(root).toContain(`a ${rate} false-positive rate on that corpus`);
    const own = flat('../README.md');
    expect(own).toContain(
      `${redactionCorpus.length} values — ${count('secret')} secrets, ${count('personal')} pieces of personal data, ${count('kept')} ordinary values`,
    );
    expect(own).toContain(
      `${leaked} of ${secretTally.cases} secret placements leaked, and ${masked} of ${keptTally.cases} ordinary placements were masked (false-positive rate ${rate})`,
    );
  });
});

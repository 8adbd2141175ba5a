import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mightHoldSecret } from '../src/secret-prefilter.js';
import { VALUE_DETECTORS } from '../src/value-detectors.js';
import { redactionCorpus } from './support/corpus.js';

/** Whether any detector, run on its own without the prefilter, finds a secret in `text`. */
function detectorsFind(text: string): boolean {
  for (const d of VALUE_DETECTORS) {
    for (const match of text.matchAll(new RegExp(d.pattern.source, d.pattern.flags))) {
      const secret = d.group === 0 ? match[0] : match[d.group];
      if (secret === undefined || secret.length === 0) continue;
      if (d.valid === undefined || d.valid(secret)) return true;
    }
  }
  return false;
}

const placements = (value: string) => [
  value,
  `while handling ${value} the call failed`,
  `/api/items/${value}/edit`,
  `ref=${value}`,
  `"note":"${value}"`,
  `corpus/1.0 (${value})`,
];

/** Pieces the detectors look for, so random strings built from them hit the detectors often. */
const PIECES = [
  'AKIA',
  'ACCA',
  'ghp_',
  'github_pat_',
  'glpat-',
  'xoxb-',
  'sk_live_',
  'sk-',
  'SG.',
  'SK',
  'key-',
  'hvs.',
  'AIza',
  'ya29.',
  'eyJ',
  '-----BEGIN RSA PRIVATE KEY-----',
  'Bearer ',
  'Basic ',
  'token',
  'password',
  'pwd',
  'secret',
  'AccountKey',
  'SharedAccessSignature',
  'Q~',
  'aws_secret_access_key',
  '://',
  'user',
  ':',
  '@',
  'example.com',
  '=',
  '"',
  ' ',
  '-',
  '_',
  '.',
  '$',
  '/',
  '+',
  '4111',
  '1111',
  '123',
  '45',
  '6789',
  'GB',
  'DE89',
  'QQ',
  '12',
  '34',
  '56',
  'C',
  '0123456789',
  'abcdef',
  'ABCDEF',
  'Zq8Xv2Lm9Pw4Rt7Yk3',
  'AA',
  'x',
  'é',
];

describe('secret prefilter', () => {
  it('lets through every corpus value a detector finds something in, wherever it is placed', () => {
    const missed: string[] = [];
    let found = 0;
    for (const entry of redactionCorpus)
      for (const text of placements(entry.value))
        if (detectorsFind(text)) {
          found++;
          if (!mightHoldSecret(text)) missed.push(`${entry.id}: ${text.slice(0, 80)}`);
        }
    expect(found).toBeGreaterThan(500);
    expect(missed).toEqual([]);
  });

  // Strings under 8 characters are never searched (no secret format is that short).
  it('never says no where a detector would find something (random strings made of their pieces)', () => {
    const text = fc.oneof(
      fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((parts) => parts.join('')),
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^[A-Za-z0-9 :=@._\-/+~$"']{0,80}$/),
    );
    fc.assert(
      fc.property(text, (t) => t.length < 8 || !detectorsFind(t) || mightHoldSecret(t)),
      { numRuns: 20_000 },
    );
  });

  it('says no to the ordinary values of a request: ids, UUIDs, hashes, words, dates, a browser user agent', () => {
    for (const value of [
      '/api/orders/100037',
      '/api/customers/3f2b8c1e-9d4a-4e7b-8a2c-5f6e7d8c9b0a/orders',
      'page=2&sort=created',
      'created_at',
      'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      '2026-12-04T09:38:34Z',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'api.example.com',
      '203.0.113.7',
    ])
      expect(mightHoldSecret(value), value).toBe(false);
  });
});

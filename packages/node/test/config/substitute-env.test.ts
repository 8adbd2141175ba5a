import { describe, expect, it } from 'vitest';
import { parseConfigText, parseDuration, parseSize, substituteEnv } from '@otel-lifeline/node';

describe('substituteEnv', () => {
  const env = { HOST: 'collector', EMPTY: '', PORT: '4318' };
  it('replaces ${VAR}, ${env:VAR} and ${VAR:-default}, the default also when the variable is empty', () => {
    expect(substituteEnv('http://${HOST}:${env:PORT}', env, 'x')).toBe('http://collector:4318');
    expect(substituteEnv('${EMPTY:-fallback} ${UNSET:-other} [${UNSET}]', env, 'x')).toBe(
      'fallback other []',
    );
  });
  it('reads $$ as a literal $, so $${VAR} is not substituted', () => {
    expect(substituteEnv('cost $$5 and $${HOST} and $ alone', env, 'x')).toBe(
      'cost $5 and ${HOST} and $ alone',
    );
  });
  it('fails on an invalid reference, naming where', () => {
    expect(() => substituteEnv('${HOST', env, 'file: line 3')).toThrow(
      /file: line 3: invalid substitution "\$\{HOST"/,
    );
    expect(() => substituteEnv('${A-B}', env, 'x')).toThrow(/invalid substitution "\$\{A-B\}"/);
  });
});

describe('parseConfigText', () => {
  it('types plain scalars after substitution and keeps quoted ones as strings', () => {
    const parsed = parseConfigText('a: ${N}\nb: "${N}"\nc: ${T}\nd: ${UNSET:-}\n', {
      N: '42',
      T: 'true',
    }) as Record<string, unknown>;
    expect(parsed).toEqual({ a: 42, b: '42', c: true, d: null });
  });
  it('never substitutes keys', () => {
    expect(parseConfigText('${K}: 1\n', { K: 'x' })).toEqual({ '${K}': 1 });
  });
});

describe('value parsers', () => {
  it.each([
    ['256MiB', 256 * 1024 ** 2],
    ['1.5GB', 1.5e9],
    ['100kib', 102_400],
    ['4096', 4096],
  ])('size %s', (text, bytes) => expect(parseSize(text)).toEqual({ ok: true, value: bytes }));
  it.each([
    ['100ms', 100],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
  ])('duration %s', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, value: ms }));
  it('accepts a bare number of milliseconds only where asked', () => {
    expect(parseDuration('10000').ok).toBe(false);
    expect(parseDuration('10000', { bareMilliseconds: true })).toEqual({ ok: true, value: 10_000 });
  });
});

/**
 * Parses an HTTP `Retry-After` header: delay-seconds (`120`) or an HTTP-date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). Returns milliseconds from `nowMs`, clamped to
 * [0, maxMs], or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number, maxMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let delayMs: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    delayMs = Number(text) * 1000;
  } else {
    // An HTTP-date always names its day and month; anything else (e.g. "-5") is not a hint.
    if (!/[a-z]{3}/i.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    delayMs = at - nowMs;
  }
  return Math.min(Math.max(0, Math.round(delayMs)), maxMs);
}

/**
 * One bad or ignored configuration value. `key` is what the user wrote: an environment variable
 * name (`LIFELINE_QUEUE_MAX_BYTES`), a path in the file (`queue.max_bytes`) or in code options
 * (`options.queue.max_bytes`). `value` is shown as written, except for secrets (keys, headers).
 */
export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  readonly key: string;
  readonly value: string;
  readonly expected: string;
  /** What Lifeline does about it: "using the default 256MiB", "telemetry is off", ... */
  readonly effect: string;
}

export function formatProblem(problem: ConfigProblem): string {
  const value = problem.value === '' ? '' : `=${problem.value}`;
  return `${problem.key}${value}: ${problem.expected}; ${problem.effect}`;
}

/** Renders a value for a message: strings quoted, objects as JSON, long values cut. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  // A URL's user-info is a password: never shown (`http://REDACTED@collector:4318`).
  text = text.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^\s/?#@"]*@/g, '$1REDACTED@');
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Never print secrets: say what kind of value it was and how long. */
export function showSecret(value: unknown): string {
  const length = typeof value === 'string' ? value.length : showValue(value).length;
  return `<secret, ${length} characters>`;
}

// Command-line values the benches share.

/** `--name`'s value (`given`, a string or undefined) as a whole number ≥ 1; `fallback` when not given. */
export function countOption(name, given, fallback) {
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name}: expected a whole number ≥ 1, got "${given}"`);
  return n;
}

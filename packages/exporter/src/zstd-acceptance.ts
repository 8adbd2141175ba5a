import { zstdMissing } from '@otel-lifeline/otlp';
import { configError } from './errors.js';
import type { StoredForm } from './fragment-format.js';
import type { SendResult } from './transport.js';

/** How requests to an endpoint are compressed ('auto': gzip, then zstd once taken; below). */
export const COMPRESSIONS = ['auto', 'gzip', 'zstd', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** How one request goes on the wire: 'auto' has settled on one of these for it. */
export type WireCompression = Exclude<Compression, 'auto'>;

/**
 * What an endpoint with compression 'auto' was found to take, shared by its transport (which finds
 * it out) and the queue (which stores fragments in the form its primary endpoint takes):
 *
 *   untried ──(a gzip request answered 2xx)──► the next request goes as zstd (the trial)
 *        zstd answered 2xx ──► accepted: zstd from then on (stored gzip members still go as
 *                                        they are: an endpoint that takes zstd takes gzip)
 *        zstd answered otherwise (or no answer) ──► refused: the same request again as gzip, then
 *                                                   gzip for the rest of the process
 *   accepted ──(a zstd request answered 400 or 415)──► refused: the same request again as gzip
 *
 * zstd costs a fraction of gzip's CPU for fewer bytes (bench/encode.js) and the Collector takes it,
 * but the OTLP specification asks endpoints for gzip only: trying it on a real request, and
 * falling back on that same request, finds out without a probe of its own and loses nothing.
 * Runtimes without zstd (before Node 22.15) never try it.
 */
export interface ZstdAcceptance {
  zstd: 'untried' | 'trying' | 'accepted' | 'refused';
}

/** What a trial (or a later refusal) settled: told once per change, for the endpoint's report. */
export type ZstdVerdict = { compression: 'zstd' } | { compression: 'gzip'; reason: string };

/** How a queue stores its fragments for its primary endpoint's compression, read at each append. */
export interface StoredFormChoice {
  form(): StoredForm;
  /** With compression 'auto' (the default): what the primary endpoint takes, its transport finds out. */
  readonly acceptance: ZstdAcceptance | undefined;
}

export function storedFormFor(compression: Compression | undefined): StoredFormChoice {
  if ((compression ?? 'auto') !== 'auto') {
    const form: StoredForm = compression === 'zstd' ? 'zstd' : 'gzip';
    return { form: () => form, acceptance: undefined };
  }
  const acceptance: ZstdAcceptance = { zstd: 'untried' };
  return { form: () => (acceptance.zstd === 'accepted' ? 'zstd' : 'gzip'), acceptance };
}

/**
 * One request to an endpoint with compression 'auto': `send` makes one attempt compressed as it is
 * told (the stored body as it is when it matches); `aborted` says whether the caller gave up;
 * `settled` is told each change of what the endpoint takes.
 */
export async function sendNegotiated(
  acceptance: ZstdAcceptance,
  stored: StoredForm | 'identity',
  send: (compression: 'gzip' | 'zstd') => Promise<SendResult>,
  aborted: () => boolean,
  settled: (verdict: ZstdVerdict) => void,
): Promise<SendResult> {
  if (acceptance.zstd === 'refused' || zstdMissing !== undefined) return send('gzip');
  if (acceptance.zstd === 'untried') {
    const result = await send('gzip');
    // The endpoint works: the next request tries zstd.
    if (taken(result) && acceptance.zstd === 'untried') acceptance.zstd = 'trying';
    return result;
  }
  const trying = acceptance.zstd === 'trying';
  // An endpoint that took zstd takes gzip too: stored gzip members (a backlog stored before) go as
  // they are, with no recompression; only the trial recompresses them.
  if (!trying && stored === 'gzip') return send('gzip');
  const result = await send('zstd');
  if (taken(result)) {
    settle(acceptance, 'accepted', { compression: 'zstd' }, settled);
    return result;
  }
  const refusedEncoding = result.kind === 'rejected' && (result.status === 400 || result.status === 415);
  // Any other failure of a request to an endpoint known to take zstd (this one's earlier, or a
  // concurrent trial's) is the endpoint's, not the encoding's: retried as usual.
  if (!refusedEncoding && (!trying || acceptance.zstd === 'accepted')) return result;
  // Not taken as zstd: gzip from now on, starting with this same request.
  const reason = 'reason' in result ? result.reason : result.kind;
  settle(acceptance, 'refused', { compression: 'gzip', reason }, settled);
  return aborted() ? result : send('gzip');
}

/** Moves to `state`, telling `settled` when that is a change (concurrent trials settle once). */
function settle(
  acceptance: ZstdAcceptance,
  state: 'accepted' | 'refused',
  verdict: ZstdVerdict,
  settled: (verdict: ZstdVerdict) => void,
): void {
  if (acceptance.zstd === state) return;
  acceptance.zstd = state;
  settled(verdict);
}

/** The endpoint decoded the request (a partial success included). */
function taken(result: SendResult): boolean {
  return result.kind === 'ok' || result.kind === 'partial';
}

/** Checks an endpoint's compression: gzip, zstd (when this runtime has it), auto or none. */
export function validateCompression(key: string, value: unknown): void {
  const known = (COMPRESSIONS as readonly unknown[]).includes(value);
  if (value === undefined || (known && value !== 'zstd')) return;
  if (!known) throw configError(key, value, "'gzip', 'zstd', 'auto' or 'none'");
  if (zstdMissing !== undefined) throw configError(key, value, `'gzip' or 'none': ${zstdMissing}`);
}

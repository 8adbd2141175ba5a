/**
 * The one owner of the `fsyncIntervalMs` budget. The user's interval bounds emit → durable as a
 * whole; it is split here, once, between the layers a record passes:
 *
 *   emit ─► fragment encoder ─(encodeDelayMs)─► disk queue buffer ─(groupCommitMs)─► write + fdatasync
 *           └──────────────────────── at most half the interval ─────────────────┘   └ the other half ┘
 *
 * The group commit of the disk queue holds the one timer: it is due `groupCommitMs` after the
 * oldest buffered record was appended (records that arrived while the previous commit was being
 * written are already part-way through their wait). The other half of the interval is left for
 * the write, the fdatasync and a busy event loop.
 */
export interface DurabilityBudget {
  /** How long the fragment encoder may keep a fragment open before closing it (0: no encoder). */
  readonly encodeDelayMs: number;
  /** The disk queue's `fsyncIntervalMs`: the longest wait from append to the start of a group commit. */
  readonly groupCommitMs: number;
}

/** `encoded`: records wait in a fragment encoder before they reach the queue (the durable processors). */
export function durabilityBudget(fsyncIntervalMs: number, encoded: boolean): DurabilityBudget {
  // Four tenths of the interval, 1 to 40 ms. Encoding a group costs far less than one encode per
  // record, and a fragment is compressed on its own (a gzip member): at 1,000 access events/s a
  // 10 ms group holds 10 of them and stores about 138 B each, a 40 ms group about 83 B. The group
  // commit that follows is shorter by as much, so fdatasyncs per second stay about the same (one
  // fragment per commit instead of four), and emit → durable stays within the interval.
  const encodeDelayMs = encoded ? Math.min(40, Math.max(1, Math.floor((fsyncIntervalMs * 4) / 10))) : 0;
  return { encodeDelayMs, groupCommitMs: Math.max(1, Math.floor(fsyncIntervalMs / 2) - encodeDelayMs) };
}

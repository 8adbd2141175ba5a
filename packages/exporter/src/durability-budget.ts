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
  /** How long the fragment encoder may hold items before encoding them (0: no encoder). */
  readonly encodeDelayMs: number;
  /** The disk queue's `fsyncIntervalMs`: the longest wait from append to the start of a group commit. */
  readonly groupCommitMs: number;
}

/** `encoded`: records wait in a fragment encoder before they reach the queue (the durable processors). */
export function durabilityBudget(fsyncIntervalMs: number, encoded: boolean): DurabilityBudget {
  // A tenth of the interval, 1 to 10 ms: encoding a group costs far less than one encode per record.
  const encodeDelayMs = encoded ? Math.min(10, Math.max(1, Math.floor(fsyncIntervalMs / 10))) : 0;
  return { encodeDelayMs, groupCommitMs: Math.max(1, Math.floor(fsyncIntervalMs / 2) - encodeDelayMs) };
}

import { resolve } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { configError } from './errors.js';
import { makeKey, type KeyRing } from './encryption.js';
import { createNodeFileSystem, type FileSystem } from './file-system.js';
import type { DiskQueueOptions, DropEvent } from './types.js';

const MiB = 1024 * 1024;
export const DEFAULT_MAX_BYTES = 1024 * MiB;
export const DEFAULT_MAX_AGE_MS = 48 * 60 * 60 * 1000;
export const DEFAULT_FSYNC_INTERVAL_MS = 100;
export const DEFAULT_LOCK_STALE_MS = 60_000;
export const DEFAULT_MEMORY_FALLBACK_BYTES = 32 * MiB;
export const DEFAULT_READ_MAX_RECORDS = 1000;
export const DEFAULT_READ_MAX_BYTES = 4 * MiB;
export const DIRECTORY_MODE = 0o700;
export const FILE_MODE = 0o600;
const CURSOR_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ResolvedOptions {
  directory: string;
  cursors: readonly string[];
  maxBytes: number;
  whenFull: 'drop-newest' | 'drop-oldest';
  maxAgeMs: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
  maxBufferBytes: number;
  flushBytes: number;
  keys: KeyRing;
  lockStaleMs: number;
  memoryFallbackBytes: number;
  recoveryProbeMs: number;
  onDurabilityChange: DiskQueueOptions['onDurabilityChange'];
  countItems: DiskQueueOptions['countItems'];
  fs: FileSystem;
  clock: Clock;
  onDrop: ((event: DropEvent) => void) | undefined;
  onError: ((error: Error) => void) | undefined;
}

function positiveInteger(key: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw configError(key, value, 'a positive integer');
  }
  return value;
}

export function resolveOptions(options: DiskQueueOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object');
  if (typeof options.directory !== 'string' || options.directory.length === 0) {
    throw configError('directory', options.directory, 'a non-empty path');
  }
  const cursors = options.cursors ?? ['default'];
  if (!Array.isArray(cursors) || cursors.length === 0) {
    throw configError('cursors', cursors, 'a non-empty array of names');
  }
  const seen = new Set<string>();
  for (const [i, name] of cursors.entries()) {
    if (typeof name !== 'string' || !CURSOR_NAME.test(name)) {
      throw configError(`cursors[${i}]`, name, 'a name of 1–64 letters, digits, ".", "_" or "-"');
    }
    if (seen.has(name)) throw configError(`cursors[${i}]`, name, 'a name not listed twice');
    seen.add(name);
  }
  const maxBytes = positiveInteger('maxBytes', options.maxBytes, DEFAULT_MAX_BYTES);
  const whenFull = options.whenFull ?? 'drop-newest';
  if (whenFull !== 'drop-newest' && whenFull !== 'drop-oldest') {
    throw configError('whenFull', whenFull, "'drop-newest' or 'drop-oldest'");
  }
  const maxAgeMs = positiveInteger('maxAgeMs', options.maxAgeMs, DEFAULT_MAX_AGE_MS);
  const segmentBytes = positiveInteger(
    'segmentBytes',
    options.segmentBytes,
    Math.min(32 * MiB, Math.max(4096, Math.floor(maxBytes / 8))),
  );
  const fsyncIntervalMs = positiveInteger(
    'fsyncIntervalMs',
    options.fsyncIntervalMs,
    DEFAULT_FSYNC_INTERVAL_MS,
  );
  if (fsyncIntervalMs > MAX_TIMER_MS) {
    throw configError(
      'fsyncIntervalMs',
      fsyncIntervalMs,
      `at most ${MAX_TIMER_MS} (a Node.js timer's limit)`,
    );
  }
  const maxBufferBytes = positiveInteger(
    'maxBufferBytes',
    options.maxBufferBytes,
    Math.max(1, Math.min(16 * MiB, Math.floor(maxBytes / 2))),
  );
  if (maxBufferBytes > maxBytes) {
    throw configError('maxBufferBytes', maxBufferBytes, `at most maxBytes (${maxBytes})`);
  }
  const flushBytes = positiveInteger(
    'flushBytes',
    options.flushBytes,
    Math.max(1, Math.min(MiB, Math.floor(maxBufferBytes / 2))),
  );
  const lockStaleMs = positiveInteger('lockStaleMs', options.lockStaleMs, DEFAULT_LOCK_STALE_MS);
  const memoryFallbackBytes = options.memoryFallbackBytes ?? DEFAULT_MEMORY_FALLBACK_BYTES;
  if (!Number.isSafeInteger(memoryFallbackBytes) || memoryFallbackBytes < 0) {
    throw configError('memoryFallbackBytes', memoryFallbackBytes, 'an integer ≥ 0');
  }
  const recoveryProbeMs = positiveInteger('recoveryProbeMs', options.recoveryProbeMs, 1000);
  if (recoveryProbeMs > MAX_TIMER_MS) {
    throw configError(
      'recoveryProbeMs',
      recoveryProbeMs,
      `at most ${MAX_TIMER_MS} (a Node.js timer's limit)`,
    );
  }
  for (const key of ['onDurabilityChange', 'countItems'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw configError(key, options[key], 'a function');
    }
  }
  const keys = resolveKeys(options);
  if (options.onDrop !== undefined && typeof options.onDrop !== 'function') {
    throw configError('onDrop', options.onDrop, 'a function');
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw configError('onError', options.onError, 'a function');
  }
  return {
    directory: resolve(options.directory),
    cursors: [...cursors],
    maxBytes,
    whenFull,
    maxAgeMs,
    segmentBytes,
    fsyncIntervalMs,
    maxBufferBytes,
    flushBytes,
    keys,
    lockStaleMs,
    memoryFallbackBytes,
    recoveryProbeMs,
    onDurabilityChange: options.onDurabilityChange,
    countItems: options.countItems,
    fs: options.fs ?? createNodeFileSystem(),
    clock: options.clock ?? systemClock,
    onDrop: options.onDrop,
    onError: options.onError,
  };
}

function checkKey(key: string, keyId: unknown, bytes: unknown): void {
  if (typeof keyId !== 'string' || keyId.length === 0 || Buffer.byteLength(keyId) > 255) {
    throw configError(`${key}.keyId`, keyId, 'a key id of 1–255 bytes');
  }
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw configError(`${key} (key id '${keyId}')`, bytes, 'a 32-byte Uint8Array (AES-256)');
  }
}

function resolveKeys(options: DiskQueueOptions): KeyRing {
  const ring: KeyRing = { current: undefined, byId: new Map() };
  const enc = options.encryption;
  if (enc === undefined) return ring;
  if (typeof enc !== 'object' || enc === null) throw configError('encryption', enc, 'an object');
  checkKey('encryption.key', enc.keyId, enc.key);
  for (const [id, key] of Object.entries(enc.previousKeys ?? {})) {
    checkKey(`encryption.previousKeys.${id}`, id, key);
    ring.byId.set(id, makeKey(id, key));
  }
  ring.current = makeKey(enc.keyId, enc.key);
  ring.byId.set(enc.keyId, ring.current);
  return ring;
}

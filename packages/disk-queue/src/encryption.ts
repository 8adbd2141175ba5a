import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from 'node:crypto';
import { FRAME_HEADER_BYTES } from './record-frame.js';

/**
 * Encryption at rest: AES-256-GCM per record. The stored payload of an encrypted frame is
 *
 *   ┌──────────┬──────────────────────┬──────────┐
 *   │ nonce 12 │ ciphertext (n bytes) │ tag 16   │   additional data: frame bytes [8, 28)
 *   └──────────┴──────────────────────┴──────────┘   (length, sequence, appended-at)
 *
 * The nonce is random per record. A segment names the key id it was written with, plus a key
 * check (HMAC of a constant), so a wrong key is detected when the queue opens, before anything
 * is read, truncated or deleted.
 */
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const ENCRYPTION_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;
const KEY_CHECK_LABEL = 'lifeline-disk-queue key check';

export interface QueueKey {
  keyId: string;
  key: Buffer;
  check: Buffer;
}

export interface KeyRing {
  /** The key new segments are written with; undefined for a plaintext queue. */
  current: QueueKey | undefined;
  /** Every key that can read, by id (the current one included). */
  byId: Map<string, QueueKey>;
}

export function keyCheck(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(KEY_CHECK_LABEL).digest().subarray(0, 8);
}

export function makeKey(keyId: string, key: Uint8Array): QueueKey {
  const k = Buffer.from(key);
  return { keyId, key: k, check: keyCheck(k) };
}

/**
 * Encrypts in place: the plaintext sits at `frameAt + 28 + 12`; on return the frame's payload
 * region holds nonce‖ciphertext‖tag. The frame's header fields must already be written (they are
 * the additional data); the CRC is written afterwards by the caller.
 */
export function encryptFrameInPlace(
  key: QueueKey,
  buf: Buffer,
  frameAt: number,
  plaintextLength: number,
): void {
  const nonceAt = frameAt + FRAME_HEADER_BYTES;
  const dataAt = nonceAt + NONCE_BYTES;
  randomFillSync(buf, nonceAt, NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, buf.subarray(nonceAt, dataAt));
  cipher.setAAD(buf.subarray(frameAt + 8, frameAt + FRAME_HEADER_BYTES));
  const plaintext = buf.subarray(dataAt, dataAt + plaintextLength);
  const out = cipher.update(plaintext);
  out.copy(buf, dataAt);
  const rest = cipher.final();
  if (rest.length > 0) rest.copy(buf, dataAt + out.length);
  cipher.getAuthTag().copy(buf, dataAt + plaintextLength);
}

/** Decrypts a stored payload; undefined when authentication fails (tampered or wrong key). */
export function decryptPayload(
  key: QueueKey,
  buf: Buffer,
  frameAt: number,
  storedLength: number,
): Buffer | undefined {
  if (storedLength < ENCRYPTION_OVERHEAD_BYTES) return undefined;
  const nonceAt = frameAt + FRAME_HEADER_BYTES;
  const dataAt = nonceAt + NONCE_BYTES;
  const tagAt = nonceAt + storedLength - TAG_BYTES;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, buf.subarray(nonceAt, dataAt));
    decipher.setAAD(buf.subarray(frameAt + 8, frameAt + FRAME_HEADER_BYTES));
    decipher.setAuthTag(buf.subarray(tagAt, tagAt + TAG_BYTES));
    const head = decipher.update(buf.subarray(dataAt, tagAt));
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch {
    return undefined;
  }
}

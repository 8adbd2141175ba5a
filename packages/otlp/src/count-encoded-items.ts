import { OtlpDecodeError } from './errors.js';

/**
 * Counts the items of an encoded Export*ServiceRequest by walking tags and lengths only: no
 * message objects, no strings. Works on a concatenation of requests (it is one request).
 *
 *   request ─1→ Resource* ─2→ Scope* ─2→ LogRecord | Span          (logs, traces: count these)
 *   request ─1→ ResourceMetrics ─2→ ScopeMetrics ─2→ Metric ─5|7|9|10|11→ Gauge|Sum|... ─1→ point
 *
 * `path` lists, level by level, the field numbers to descend into; the last level's matching
 * fields are counted.
 */
export function countEncodedFields(bytes: Uint8Array, path: readonly (readonly number[])[]): number {
  return countLevel(bytes, 0, bytes.length, path, 0);
}

function countLevel(
  bytes: Uint8Array,
  start: number,
  end: number,
  path: readonly (readonly number[])[],
  depth: number,
): number {
  const wanted = path[depth]!;
  const last = depth === path.length - 1;
  let count = 0;
  let pos = start;
  while (pos < end) {
    const tagStart = pos;
    let tag = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= end || shift > 28) throw new OtlpDecodeError('malformed tag', tagStart);
      b = bytes[pos++]!;
      tag += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b >= 0x80);
    const id = Math.floor(tag / 8);
    const wireType = tag % 8;
    switch (wireType) {
      case 0: {
        const varintStart = pos;
        while (pos < end && bytes[pos]! >= 0x80) pos++;
        if (pos >= end || pos - varintStart >= 10) throw new OtlpDecodeError('malformed varint', varintStart);
        pos++;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const lenStart = pos;
        let len = 0;
        shift = 0;
        do {
          if (pos >= end || shift > 28) throw new OtlpDecodeError('malformed length', lenStart);
          b = bytes[pos++]!;
          len += (b & 0x7f) * 2 ** shift;
          shift += 7;
        } while (b >= 0x80);
        if (len > end - pos)
          throw new OtlpDecodeError(`length ${len} exceeds the ${end - pos} bytes left`, lenStart);
        if (wanted.includes(id)) {
          count += last ? 1 : countLevel(bytes, pos, pos + len, path, depth + 1);
        }
        pos += len;
        break;
      }
      default:
        throw new OtlpDecodeError(`unexpected wire type ${wireType} for field ${id}`, tagStart);
    }
    if (pos > end) throw new OtlpDecodeError('truncated field', tagStart);
  }
  return count;
}

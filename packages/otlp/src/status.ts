import { messageFromJson } from './json-decoder.js';
import { messageToJson } from './json-encoder.js';
import { decodeMessage } from './message-decoder.js';
import { encodeMessage } from './message-encoder.js';
import { messageTable } from './message-table.js';
import { withWriter } from './protobuf-writer.js';
import { MessageName } from './schema.js';

/** `google.rpc.Status`, the body of OTLP/HTTP 4xx and 5xx answers (details are not modelled). */
export interface RpcStatus {
  code: number;
  message: string;
}

const statusTable = messageTable(MessageName.status);

export function encodeStatus(status: RpcStatus): Uint8Array {
  return withWriter((writer) =>
    encodeMessage(writer, statusTable, { code: status.code, message: status.message }),
  );
}

/** Throws OtlpDecodeError. */
export function decodeStatus(bytes: Uint8Array): RpcStatus {
  const decoded = decodeMessage<{ code?: number; message?: string }>(statusTable, bytes);
  return { code: decoded.code ?? 0, message: decoded.message ?? '' };
}

export function statusToJson(status: RpcStatus): string {
  return messageToJson(statusTable, { code: status.code, message: status.message });
}

/** Throws OtlpDecodeError. */
export function statusFromJson(text: string): RpcStatus {
  const decoded = messageFromJson<{ code?: number; message?: string }>(statusTable, text);
  return { code: decoded.code ?? 0, message: decoded.message ?? '' };
}

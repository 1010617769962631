/**
 * libwsc's frame codec (amigniter/libwsc v1.1.0), as mod_audio_stream's
 * WebSocket client writes and reads frames: client frames FIN=1, RSV1=0,
 * masked with a fresh key each from libwsc's Weyl / murmur-finaliser
 * generator (not a CSPRNG, as in libwsc); server frames read header first,
 * unmasked; CLOSE payloads checked the way handleCloseFrame does.
 * The connection that uses them is ws-client.ts.
 */

import { randomBytes } from "node:crypto";

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const;

export const utf8 = new TextDecoder("utf-8", { fatal: true });
export const encoder = new TextEncoder();

/** libwsc's per-thread mask generator: a Weyl sequence through a murmur3 finaliser. */
let maskState = (randomBytes(4).readUInt32LE(0) | 1) >>> 0;
function nextMask(): number {
  maskState = (maskState + 0x9e3779b9) >>> 0;
  let z = maskState;
  z ^= z >>> 16;
  z = Math.imul(z, 0x85ebca6b) >>> 0;
  z ^= z >>> 13;
  z = Math.imul(z, 0xc2b2ae35) >>> 0;
  z ^= z >>> 16;
  return z >>> 0;
}

/** One masked client frame (FIN=1, RSV1=0). */
export function encodeClientFrame(opcode: number, payload: Uint8Array): Buffer {
  const len = payload.byteLength;
  const headerLen = len <= 125 ? 2 : len <= 65535 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLen + 4 + len);
  out[0] = 0x80 | opcode;
  if (len <= 125) out[1] = 0x80 | len;
  else if (len <= 65535) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  const mask = nextMask();
  // memcpy(mask_key, &mask32, 4) on a little-endian host.
  out.writeUInt32LE(mask, headerLen);
  const m0 = out[headerLen]!;
  const m1 = out[headerLen + 1]!;
  const m2 = out[headerLen + 2]!;
  const m3 = out[headerLen + 3]!;
  const base = headerLen + 4;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    out[base + i] = payload[i]! ^ m0;
    out[base + i + 1] = payload[i + 1]! ^ m1;
    out[base + i + 2] = payload[i + 2]! ^ m2;
    out[base + i + 3] = payload[i + 3]! ^ m3;
  }
  for (; i < len; i++) out[base + i] = payload[i]! ^ out[headerLen + (i & 3)]!;
  return out;
}

/** A frame read from the server: its header bits, the (unmasked) payload, and how many bytes it took. */
export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  size: number;
}

/** The first whole frame in `rx`, or null while more bytes are needed. */
export function readServerFrame(rx: Buffer): ServerFrame | null {
  if (rx.length < 2) return null;
  const b0 = rx[0]!;
  const b1 = rx[1]!;
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (rx.length < 4) return null;
    len = rx.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (rx.length < 10) return null;
    len = rx.readUInt32BE(2) * 2 ** 32 + rx.readUInt32BE(6);
    offset = 10;
  }
  if (masked) offset += 4;
  if (rx.length < offset + len) return null;
  const payload = Buffer.from(rx.subarray(offset, offset + len));
  if (masked) {
    const key = rx.subarray(offset - 4, offset);
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
  }
  return { fin: (b0 & 0x80) !== 0, rsv: b0 & 0x70, opcode: b0 & 0x0f, masked, payload, size: offset + len };
}

/** handleCloseFrame: the code and reason a CLOSE payload carries (1002 and no reason when it is invalid). */
export function closeFrameOf(payload: Buffer): { code: number; reason: string } {
  let code = 1000;
  let reason = "";
  let protocolError = false;
  if (payload.length > 125 || payload.length === 1) protocolError = true;
  else if (payload.length >= 2) {
    code = payload.readUInt16BE(0);
    const valid = (code >= 1000 && code <= 1011 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
    if (!valid) protocolError = true;
    if (payload.length > 2) {
      try {
        reason = utf8.decode(payload.subarray(2, 2 + 123));
      } catch {
        protocolError = true;
      }
    }
  }
  return protocolError ? { code: 1002, reason: "" } : { code, reason };
}

/** A CLOSE payload: the code, then the reason cut to 123 bytes. */
export function closePayload(code: number, reason: string): Uint8Array {
  const r = encoder.encode(reason).slice(0, 123);
  const payload = new Uint8Array(2 + r.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(r, 2);
  return payload;
}

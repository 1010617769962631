/**
 * switch_url_encode (src/switch_utils.c) as FreeSWITCH applies it to every
 * event header value: bytes below 0x20, above 0x7E and the SWITCH_URL_UNSAFE
 * set become %XX with upper-case hex; an existing %XX with upper-case hex
 * digits passes through untouched (no double encoding).
 */

const HEX = "0123456789ABCDEF";
/** SWITCH_URL_UNSAFE = "\r\n #%&+:;<=>?@[\\]^`{|}\"" (switch_utils.h). */
const UNSAFE = "\r\n #%&+:;<=>?@[\\]^`{|}\"";

/** 1 = must be encoded, for every byte value. */
const MUST_ENCODE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b < 0x20 || b > 0x7e) MUST_ENCODE[b] = 1;
}
for (const ch of UNSAFE) MUST_ENCODE[ch.charCodeAt(0)] = 1;

/** switch_url_encode only accepts upper-case hex after '%' (strchr over "0123456789ABCDEF"). */
function isUpperHex(b: number | undefined): boolean {
  return b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46));
}

const encoder = new TextEncoder();

export function urlEncode(value: string): string {
  // Fast path: most values (uuids, numbers, state names) need nothing.
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e || MUST_ENCODE[c] === 1) {
      clean = false;
      break;
    }
  }
  if (clean) return value;

  const bytes = encoder.encode(value);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += "%"; // an already-encoded %XX is passed through
      continue;
    }
    if (MUST_ENCODE[b] === 1) {
      out += "%" + HEX[b >> 4] + HEX[b & 0x0f];
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

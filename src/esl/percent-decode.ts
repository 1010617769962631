/**
 * Safe decoding of FreeSWITCH's URL-encoded header values.
 *
 * FreeSWITCH's switch_url_encode writes every byte below 0x20, above 0x7E or in
 * its unsafe set as %XX, and passes an existing "%XX" through untouched. The bytes
 * are whatever the channel carried: usually UTF-8, but a SIP peer can send a
 * Latin-1 display name (`Jos%E9`), which is not valid UTF-8 and makes
 * decodeURIComponent throw.
 *
 * Policy: valid UTF-8 sequences decode to their characters; every byte that is
 * not part of a valid UTF-8 sequence decodes as Latin-1 (one byte → U+0000–U+00FF).
 * Why Latin-1 and not "keep %E9 verbatim": the stray bytes in practice come from
 * Latin-1 / Windows-1252 caller names, so "José" is what the caller meant; each byte
 * maps to exactly one code point, so nothing is lost (Buffer.from(s, "latin1")
 * gives the bytes back); and a kept "%E9" would be indistinguishable from a
 * literal "%E9" that FreeSWITCH passed through. A "%" not followed by two hex
 * digits is kept as is. This function never throws.
 */

let invalidSequences = 0;

/** How many values needed the Latin-1 fallback since start-up (exported for metrics). */
export function invalidEscapeCount(): number {
  return invalidSequences;
}

export function safeDecodeURIComponent(value: string): string {
  // Fast path: most header values carry no escape at all.
  if (value.indexOf("%") === -1) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    invalidSequences++;
    return decodeLenient(value);
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Slow path: percent-decode to bytes, then decode UTF-8 with a Latin-1 fallback per bad byte. */
function decodeLenient(value: string): string {
  const raw = Buffer.from(value, "utf8");
  const bytes = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1]!);
      const lo = hexValue(raw[i + 2]!);
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    bytes[n++] = b;
  }
  return utf8OrLatin1(bytes.subarray(0, n));
}

/** Length of the valid UTF-8 sequence starting at i, or 0 when the byte there does not start one. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0; // no overlongs
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (b0 >= 0xe1 && b0 <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

function utf8OrLatin1(bytes: Buffer): string {
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    out += bytes.toString("utf8", runStart, i) + String.fromCharCode(bytes[i]!);
    i++;
    runStart = i;
  }
  return out + bytes.toString("utf8", runStart, bytes.length);
}

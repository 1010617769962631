/**
 * Per-call stream tokens: a fresh random secret for each expected stream,
 * never the API key. Only its SHA-256 digest is kept, and a presented token is
 * compared digest to digest in constant time, so neither the comparison's
 * timing nor a heap dump gives a live token away.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 192 bits, base64url: 32 characters of [A-Za-z0-9_-], safe in a URL and in a switch argument. */
const TOKEN_BYTES = 24;

export function issueStreamToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

export function tokenDigest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** Constant-time comparison of two digests (both are 32 bytes, so length leaks nothing). */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * API keys. Only sha256(key) is stored; the plaintext is returned once, at
 * creation. Lookup goes by the non-secret prefix, then the hashes are compared
 * in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, count, eq, isNull } from "drizzle-orm";
import type { Db } from "../client.ts";
import { apiKeys, type ApiKeyRow } from "../schema.ts";

export const API_KEY_PREFIX = "sk_";
/** Characters of a key kept in clear for lookup and display (`sk_` + 8). */
export const API_KEY_PREFIX_LENGTH = 11;
/** last_used_at is written at most this often per key: verification stays a read. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CreatedApiKey {
  /** The plaintext key: shown to the user once, never stored. */
  key: string;
  row: ApiKeyRow;
}

export function hashApiKey(plaintext: string): string {
  return createHash("sha256").update(plaintext, "utf8").digest("hex");
}

export function apiKeyPrefix(plaintext: string): string {
  return plaintext.slice(0, API_KEY_PREFIX_LENGTH);
}

/** `sk_` + 32 url-safe random characters (24 random bytes, 192 bits). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(24).toString("base64url");
}

export async function createApiKey(db: Db, name: string): Promise<CreatedApiKey> {
  const key = generateApiKey();
  const [row] = await db
    .insert(apiKeys)
    .values({ name, prefix: apiKeyPrefix(key), keyHash: hashApiKey(key) })
    .returning();
  if (!row) throw new Error("api key insert returned no row");
  return { key, row };
}

/** The active key row matching the plaintext, or null (unknown, wrong or revoked). */
export async function verifyApiKey(db: Db, plaintext: string, now: Date = new Date()): Promise<ApiKeyRow | null> {
  if (!plaintext) return null;
  const wanted = Buffer.from(hashApiKey(plaintext), "hex");
  const candidates = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, apiKeyPrefix(plaintext)), isNull(apiKeys.revokedAt)));
  let match: ApiKeyRow | null = null;
  for (const row of candidates) {
    // Compare every candidate, not stopping at the first match: constant work per prefix.
    const stored = Buffer.from(row.keyHash, "hex");
    if (stored.length === wanted.length && timingSafeEqual(stored, wanted)) match = row;
  }
  if (!match) return null;
  if (!match.lastUsedAt || now.getTime() - match.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, match.id));
    match = { ...match, lastUsedAt: now };
  }
  return match;
}

/**
 * Registers a key given by configuration (SWITCHBOARD_API_KEY): its hash is
 * stored when absent; an existing row (even revoked) is returned unchanged.
 */
export async function ensureApiKey(db: Db, plaintext: string, name = "SWITCHBOARD_API_KEY"): Promise<ApiKeyRow> {
  if (!plaintext) throw new Error("ensureApiKey: empty key");
  const keyHash = hashApiKey(plaintext);
  const [inserted] = await db
    .insert(apiKeys)
    .values({ name, prefix: apiKeyPrefix(plaintext), keyHash })
    .onConflictDoNothing({ target: apiKeys.keyHash })
    .returning();
  if (inserted) return inserted;
  const [existing] = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).limit(1);
  if (!existing) throw new Error("ensureApiKey: key neither inserted nor found");
  return existing;
}

/** Number of keys; `activeOnly` leaves revoked ones out (auth is off while there are none). */
export async function countApiKeys(db: Db, opts: { activeOnly?: boolean } = {}): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(apiKeys)
    .where(opts.activeOnly ? isNull(apiKeys.revokedAt) : undefined);
  return row?.n ?? 0;
}

export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt));
}

/** Revokes a key; null when no such key. Revoking twice keeps the first revocation time. */
export async function revokeApiKey(db: Db, id: string, now: Date = new Date()): Promise<ApiKeyRow | null> {
  if (!UUID_RE.test(id)) return null; // the column is uuid: anything else cannot match (and would be a SQL error)
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) return row;
  const [existing] = await db.select().from(apiKeys).where(eq(apiKeys.id, id)).limit(1);
  return existing ?? null;
}

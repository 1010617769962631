/**
 * Applies the committed drizzle-kit migrations (src/db/migrations) with drizzle's
 * migrator for the active driver. Already-applied migrations are skipped, so this
 * runs on every start.
 */
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

/** The folder drizzle-kit generates into (see drizzle.config.ts). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * Session-level advisory lock key serialising migrations across processes that
 * start at once against one PostgreSQL database (any fixed int8 works; this one
 * is ours).
 */
export const MIGRATION_LOCK_KEY = 7_302_011_001n;

/**
 * Migrates a PostgreSQL database over one dedicated connection holding the
 * advisory lock, so two processes starting together cannot both try to create
 * the same tables (drizzle's `CREATE SCHEMA IF NOT EXISTS` is not race-free).
 */
export async function migratePostgres(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    try {
      await migratePostgresDb(drizzlePostgres(sql), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Migrates a PGlite instance (single process: guarded by the data-dir lock in client.ts). */
export async function migratePglite(client: PGlite): Promise<void> {
  await migratePgliteDb(drizzlePglite({ client }), { migrationsFolder: MIGRATIONS_FOLDER });
}

/**
 * A database of either kind for the query and tool tests that run on both:
 * PGlite (in memory, or in a temp dir when the test wants files on disk) or a
 * fresh database on the machine's PostgreSQL, dropped again on close.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { createDatabase, type DbKind } from "./switchboard.ts";

export interface TestDatabase {
  database: Database;
  /** Closes the connection, then drops the PostgreSQL database or removes PGlite's temp dir. */
  close(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** PostgreSQL pool size; default 4. */
  maxConnections?: number;
  /** PGlite in memory (default) or in a temp dir named after `dirPrefix`. */
  pglite?: "memory" | { dirPrefix: string };
}

export async function openTestDatabase(kind: DbKind, opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (kind === "postgres") {
    const pg = await createDatabase();
    const database = await openDatabase({ url: pg.url, maxConnections: opts.maxConnections ?? 4 });
    return {
      database,
      close: async () => {
        await database.close();
        await pg.drop();
      },
    };
  }
  const pglite = opts.pglite ?? "memory";
  if (pglite === "memory") {
    const database = await openDatabase({ memory: true });
    return { database, close: () => database.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), pglite.dirPrefix));
  const database = await openDatabase({ dataDir: join(dir, "pglite") });
  return {
    database,
    close: async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

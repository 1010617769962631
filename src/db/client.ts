/**
 * Opens the database port: PostgreSQL through postgres.js when a URL is given,
 * otherwise embedded PGlite on disk (history survives a restart) or in memory.
 * Migrations are applied before the handle is returned.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { childLog } from "../log.ts";
import { migratePglite, migratePostgres } from "./migrate.ts";
import * as schema from "./schema.ts";

export type Schema = typeof schema;

/** One drizzle type for both drivers, so queries never care which one is active. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Ends the connection pool / shuts PGlite down (and releases its data-dir lock). */
  close(): Promise<void>;
  /** True when a trivial query answers within `timeoutMs` (default 2000). */
  ping(timeoutMs?: number): Promise<boolean>;
  /**
   * PGlite only: a tarball of the (migrated) data dir, to start another PGlite
   * from with `pgliteSnapshot` and skip initdb.
   */
  dumpDataDir?: () => Promise<Blob>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL: use PostgreSQL through postgres.js. */
  url?: string;
  /** PGlite data directory (default `.data/pglite`); ignored when `url` or `memory` is set. */
  dataDir?: string;
  /** PGlite in memory: nothing survives close (tests, dry runs). */
  memory?: boolean;
  /** Pool size for postgres.js (default 10). */
  maxConnections?: number;
  /**
   * A tarball from PGlite's `dumpDataDir()` to start a fresh data dir from
   * (skips initdb; migrations still run). Used by tests to start fast.
   */
  pgliteSnapshot?: Blob | File;
  /** Sees every SQL statement (debugging, statement counting in tests). */
  queryLogger?: QueryLogger;
}

export interface QueryLogger {
  logQuery(query: string, params: unknown[]): void;
}

export const DEFAULT_PGLITE_DIR = ".data/pglite";

const log = childLog({ mod: "db" });

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, opts.maxConnections ?? 10, opts.queryLogger);
  return openPglite(opts);
}

async function openPostgres(url: string, max: number, logger: QueryLogger | undefined): Promise<Database> {
  await migratePostgres(url);
  const client = postgres(url, { max, onnotice: () => {} });
  const db: Db = drizzlePostgres({ client, schema, ...(logger ? { logger } : {}) });
  log.info({ kind: "postgres" }, "database ready");
  return {
    db,
    kind: "postgres",
    close: () => client.end({ timeout: 5 }),
    ping: (timeoutMs = 2000) => pingDb(db, timeoutMs),
  };
}

async function openPglite(opts: OpenDatabaseOptions): Promise<Database> {
  const dataDir = opts.memory ? undefined : resolve(opts.dataDir ?? DEFAULT_PGLITE_DIR);
  const releaseLock = dataDir ? lockDataDir(dataDir) : () => {};
  let client: PGlite | undefined;
  try {
    if (dataDir) mkdirSync(dirname(dataDir), { recursive: true });
    client = await PGlite.create({
      ...(dataDir ? { dataDir } : {}),
      ...(opts.pgliteSnapshot ? { loadDataDir: opts.pgliteSnapshot } : {}),
    });
    await migratePglite(client);
  } catch (err) {
    await client?.close().catch(() => {});
    releaseLock();
    throw err;
  }
  const pglite = client;
  const db: Db = drizzlePglite({ client: pglite, schema, ...(opts.queryLogger ? { logger: opts.queryLogger } : {}) });
  log.info({ kind: "pglite", dataDir: dataDir ?? "memory" }, "database ready");
  let closed = false;
  return {
    db,
    kind: "pglite",
    async close() {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
      } finally {
        releaseLock();
      }
    },
    ping: (timeoutMs = 2000) => (closed ? Promise.resolve(false) : pingDb(db, timeoutMs)),
    dumpDataDir: () => pglite.dumpDataDir("none"),
  };
}

/**
 * Raw SQL returning rows, whichever driver is active: `db.execute` gives
 * postgres.js's row array but PGlite's `{ rows }`.
 */
export async function executeRows<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}

async function pingDb(db: Db, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((res) => {
    timer = setTimeout(() => res(false), timeoutMs);
  });
  try {
    return await Promise.race([db.execute(sql`select 1`).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * PGlite is one process's database: two processes on one data dir corrupt it.
 * A `<dataDir>.lock` file holding the owner's pid, created atomically, makes a
 * second start fail loudly; a lock left by a dead process is taken over.
 */
const heldLocks = new Set<string>();

function lockDataDir(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldLocks.add(lockPath);
      return () => {
        heldLocks.delete(lockPath);
        rmSync(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(lockPath, "utf8").trim());
      // Our own pid but not our lock: left by an earlier run that had the same pid (pid 1 in a container).
      const ownedHere = owner === process.pid ? heldLocks.has(lockPath) : owner > 0 && isAlive(owner);
      if (ownedHere) {
        throw new Error(
          `PGlite data dir ${dataDir} is in use by ${owner === process.pid ? "this process" : `pid ${owner}`} (lock ${lockPath})`,
        );
      }
      rmSync(lockPath, { force: true }); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock PGlite data dir ${dataDir} (lock ${lockPath})`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The database layer against both adapters: the machine's PostgreSQL (a fresh
 * switchboard_test_<random> database, dropped afterwards) and PGlite on disk.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { executeRows, openDatabase, type Database, type Db, type QueryLogger } from "../../src/db/client.ts";
import { JournalWriter } from "../../src/db/journal.ts";
import { MIGRATIONS_FOLDER, migratePostgres } from "../../src/db/migrate.ts";
import {
  countApiKeys,
  createApiKey,
  ensureApiKey,
  revokeApiKey,
  verifyApiKey,
} from "../../src/db/queries/api-keys.ts";
import { appendEvents, listEvents, maxEventSeq } from "../../src/db/queries/call-events.ts";
import { countCalls, getCall, insertCall, listCalls, updateCall } from "../../src/db/queries/calls.ts";
import { apiKeys, type CallStatus, type NewCall } from "../../src/db/schema.ts";

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const MIGRATION_COUNT = (JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as {
  entries: unknown[];
}).entries.length;

/** Counts INSERT statements per table, to check the journal batches. */
class InsertCounter implements QueryLogger {
  inserts = new Map<string, number>();
  logQuery(query: string): void {
    const m = /^insert into "([a-z_]+)"/i.exec(query);
    if (m?.[1]) this.inserts.set(m[1], (this.inserts.get(m[1]) ?? 0) + 1);
  }
  reset(): void {
    this.inserts.clear();
  }
}

/** The journal logs each simulated failure at warn/error; these tests expect them. */
const quiet = pino({ level: "silent" });

const uid = (label: string) => `${label}-${randomBytes(6).toString("hex")}`;

async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `switchboard_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A Db whose inserts fail with a connection error while `down` is true. */
function flakyDb(db: Db): { db: Db; setDown(down: boolean): void; failures(): number } {
  let down = false;
  let failures = 0;
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === "insert") {
        return (...args: Parameters<Db["insert"]>) => {
          if (down) {
            failures++;
            throw Object.assign(new Error("connection lost (simulated)"), { code: "08006" });
          }
          return target.insert(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { db: proxy, setDown: (d) => (down = d), failures: () => failures };
}

interface Backend {
  name: "postgres" | "pglite";
  open(logger?: QueryLogger): Promise<Database>;
  cleanup(): Promise<void>;
}

function dbSuite(makeBackend: () => Promise<Backend>): void {
  let backend: Backend;
  let handle: Database;
  let db: Db;
  const counter = new InsertCounter();

  beforeAll(async () => {
    backend = await makeBackend();
    handle = await backend.open(counter);
    db = handle.db;
  });
  afterAll(async () => {
    await handle?.close();
    await backend?.cleanup();
  });

  test("migrations apply, and applying them again changes nothing", async () => {
    expect(await handle.ping()).toBe(true);
    const tables = await executeRows<{ table_name: string }>(
      db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((r) => r.table_name)).toEqual([
      "api_keys",
      "appointments",
      "call_events",
      "calls",
      "conversations",
      "messages",
      "numbers",
      "receptionist_versions",
      "receptionists",
    ]);
    // A restart applies the migrations again over the migrated database.
    await handle.close();
    handle = await backend.open(counter);
    db = handle.db;
    const applied = await executeRows<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(applied[0]?.n).toBe(MIGRATION_COUNT);
  });

  test("a call is inserted once, read back, and updated", async () => {
    const id = uid("call");
    const created = await insertCall(db, {
      id,
      direction: "outbound",
      fromNumber: "+15555550100",
      toNumber: "+15555550111",
      status: "queued",
      statusCallback: "http://127.0.0.1/cb",
      stateValue: { dialing: "originating" },
    });
    expect(created).toMatchObject({ id, status: "queued", dryRun: false, stateValue: { dialing: "originating" } });

    const again = await insertCall(db, { id, direction: "outbound", toNumber: "+19999999999", status: "failed" });
    expect(again.toNumber).toBe("+15555550111");
    expect(again.status).toBe("queued");

    const answeredAt = new Date();
    const updated = await updateCall(db, id, { status: "in-progress", answeredAt, stateValue: "connected" });
    expect(updated).toMatchObject({ status: "in-progress", stateValue: "connected", statusCallback: "http://127.0.0.1/cb" });
    expect(updated?.answeredAt?.getTime()).toBe(answeredAt.getTime());

    expect((await getCall(db, id))?.status).toBe("in-progress");
    expect(await getCall(db, uid("missing"))).toBeNull();
    expect(await updateCall(db, uid("missing"), { status: "completed" })).toBeNull();
  });

  test("listing is newest first, pages by cursor without gaps or repeats, and filters", async () => {
    await db.execute(sql`delete from calls`);
    const base = Date.UTC(2026, 0, 1, 12);
    const statuses: CallStatus[] = ["completed", "busy", "completed", "no-answer", "completed", "failed", "completed"];
    const made: NewCall[] = statuses.map((status, i) => ({
      id: `list-${i}`,
      direction: i % 2 === 0 ? "outbound" : "inbound",
      toNumber: `100${i}`,
      status,
      // two calls share a timestamp: the id breaks the tie
      createdAt: new Date(base + (i === 6 ? 5 : i) * 1000),
    }));
    for (const call of made) await insertCall(db, call);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listCalls(db, { limit: 3, cursor });
      seen.push(...page.calls.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["list-6", "list-5", "list-4", "list-3", "list-2", "list-1", "list-0"]);

    const completed = await listCalls(db, { status: "completed", limit: 10 });
    expect(completed.calls.map((c) => c.id)).toEqual(["list-6", "list-4", "list-2", "list-0"]);
    expect(completed.nextCursor).toBeNull();
    const inboundFailures = await listCalls(db, { status: ["busy", "no-answer", "failed"], direction: "inbound" });
    expect(inboundFailures.calls.map((c) => c.id)).toEqual(["list-5", "list-3", "list-1"]);
    expect(await countCalls(db, { status: "completed" })).toBe(4);
    expect(await countCalls(db)).toBe(7);
    await expect(listCalls(db, { cursor: "not-a-cursor" })).rejects.toThrow("invalid cursor");
  });

  test("the journal writes every appended row after flush, batched, in per-call seq order", async () => {
    counter.reset();
    const journal = new JournalWriter(db, { maxBatchRows: 50, flushIntervalMs: 60_000 });
    const callIds = [uid("a"), uid("b"), uid("c")];
    for (let i = 0; i < 120; i++) {
      const callId = callIds[i % 3]!;
      const r = journal.append(callId, { kind: "event", name: `EV_${i}`, data: { i } });
      expect(r).toEqual({ accepted: true, seq: Math.floor(i / 3) + 1, overloaded: false });
    }
    await journal.flush();
    for (const [k, callId] of callIds.entries()) {
      const events = await listEvents(db, callId);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, j) => j + 1));
      expect(events.map((e) => e.name)).toEqual(Array.from({ length: 40 }, (_, j) => `EV_${j * 3 + k}`));
      expect(events[0]?.data).toEqual({ i: k });
    }
    // one statement per batch of 50, never one per event
    expect(counter.inserts.get("call_events")).toBe(3);
    expect(journal.stats()).toMatchObject({ eventsWritten: 120, bufferedEvents: 0, duplicates: 0 });
    await journal.close();
    expect(journal.append(callIds[0]!, { kind: "event", name: "late" })).toEqual({ accepted: false, reason: "closed" });
  });

  test("CDR upserts through the journal create the call and merge later changes", async () => {
    const journal = new JournalWriter(db, { flushIntervalMs: 60_000 });
    const id = uid("cdr");
    journal.upsertCall({ id, direction: "inbound", toNumber: "1000", fromNumber: "+15555550123", status: "ringing", statusCallback: "http://127.0.0.1/x" });
    journal.upsertCall({ id, direction: "inbound", toNumber: "1000", status: "in-progress", answeredAt: new Date() });
    await journal.flush();
    expect(await getCall(db, id)).toMatchObject({ status: "in-progress", fromNumber: "+15555550123", statusCallback: "http://127.0.0.1/x" });

    const endedAt = new Date();
    journal.upsertCall({ id, direction: "inbound", toNumber: "1000", status: "completed", endedAt, hangupCause: "NORMAL_CLEARING", q850: 16, talkSec: 12.5 });
    await journal.close();
    const done = await getCall(db, id);
    expect(done).toMatchObject({ status: "completed", hangupCause: "NORMAL_CLEARING", q850: 16, talkSec: 12.5, fromNumber: "+15555550123" });
    expect(done?.endedAt?.getTime()).toBe(endedAt.getTime());
  });

  test("a duplicate (call_id, seq) is ignored, and a resumed call continues after max(seq)", async () => {
    const callId = uid("dup");
    const rows = [1, 2, 3].map((seq) => ({ callId, seq, kind: "event" as const, name: `E${seq}` }));
    expect(await appendEvents(db, rows)).toEqual({ inserted: 3, duplicates: 0 });
    expect(await appendEvents(db, [...rows, { callId, seq: 4, kind: "command" as const, name: "playback" }])).toEqual({
      inserted: 1,
      duplicates: 3,
    });
    expect((await listEvents(db, callId)).map((e) => e.name)).toEqual(["E1", "E2", "E3", "playback"]);
    expect(await maxEventSeq(db, callId)).toBe(4);

    const journal = new JournalWriter(db, { flushIntervalMs: 60_000 });
    expect(await journal.resume(callId)).toBe(4);
    expect(journal.append(callId, { kind: "transition", name: "ringing→in_progress" })).toMatchObject({ seq: 5 });
    await journal.close();
    expect((await listEvents(db, callId, { afterSeq: 4 })).map((e) => e.name)).toEqual(["ringing→in_progress"]);
  });

  test("a transient database error keeps rows buffered until the retry lands them", async () => {
    const flaky = flakyDb(db);
    const journal = new JournalWriter(flaky.db, { log: quiet, flushIntervalMs: 1, retryBaseMs: 5, retryMaxMs: 20 });
    const callId = uid("retry");
    flaky.setDown(true);
    for (let i = 0; i < 5; i++) journal.append(callId, { kind: "event", name: `E${i}` });
    while (flaky.failures() < 2) await Bun.sleep(5);
    expect(journal.stats().bufferedEvents).toBe(5);
    expect(await listEvents(db, callId)).toEqual([]);
    flaky.setDown(false);
    await journal.flush();
    expect((await listEvents(db, callId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    await journal.close();
  });

  test("a full buffer reports overload, then refuses, and loses nothing it accepted", async () => {
    const flaky = flakyDb(db);
    flaky.setDown(true);
    const journal = new JournalWriter(flaky.db, {
      log: quiet,
      maxBatchRows: 4,
      maxBufferedRows: 10,
      highWaterRows: 6,
      flushIntervalMs: 1,
      retryBaseMs: 5,
      retryMaxMs: 10,
      flushAttempts: 2,
    });
    const callId = uid("bp");
    const results = Array.from({ length: 12 }, (_, i) => journal.append(callId, { kind: "event", name: `E${i}` }));
    expect(results.slice(0, 5).every((r) => r.accepted && !r.overloaded)).toBe(true);
    expect(results.slice(5, 10).every((r) => r.accepted && r.overloaded)).toBe(true);
    expect(results.slice(10)).toEqual([
      { accepted: false, reason: "overloaded" },
      { accepted: false, reason: "overloaded" },
    ]);
    expect(journal.overloaded).toBe(true);
    await expect(journal.flush()).rejects.toThrow("connection lost");
    expect(journal.stats()).toMatchObject({ bufferedEvents: 10, rejected: 2 });

    const drained = journal.whenDrained();
    flaky.setDown(false);
    await drained;
    await journal.close();
    expect((await listEvents(db, callId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test("a row refused for its strings is stored sanitised; a row refused otherwise is dropped alone; the rest of its batch lands", async () => {
    const dropped: string[] = [];
    const journal = new JournalWriter(db, {
      log: quiet,
      flushIntervalMs: 60_000,
      onDropped: (d) => dropped.push(...d.events.map((e) => e.name)),
    });
    const callId = uid("bad");
    journal.append(callId, { kind: "event", name: "good-1" });
    // PostgreSQL's jsonb cannot hold U+0000 (SQLSTATE 22P05): stored with it replaced by U+FFFD.
    journal.append(callId, { kind: "event", name: "nul-in-json", data: { text: "a\u0000b" } });
    // A kind the CHECK constraint refuses (SQLSTATE 23514): nothing to mend, so dropped.
    journal.append(callId, { kind: "bogus" as "event", name: "bad-kind" });
    journal.append(callId, { kind: "event", name: "good-2" });
    await journal.close();
    const rows = await listEvents(db, callId);
    expect(rows.map((e) => e.name)).toEqual(["good-1", "nul-in-json", "good-2"]);
    expect(rows[1]!.data).toEqual({ text: "a\uFFFDb" });
    expect(dropped).toEqual(["bad-kind"]);
    expect(journal.stats().dropped).toBe(1);
    expect(journal.stats().refusedByDb.events).toEqual({ sanitised: 1, dropped: 1 });
  });

  test("api keys: a created key verifies, a wrong or revoked one does not, and only its hash is stored", async () => {
    const before = await countApiKeys(db);
    const { key, row } = await createApiKey(db, "ci");
    expect(key).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);
    expect(row.keyHash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(await countApiKeys(db)).toBe(before + 1);

    const verified = await verifyApiKey(db, key);
    expect(verified?.id).toBe(row.id);
    expect(verified?.lastUsedAt).toBeInstanceOf(Date);
    expect(await verifyApiKey(db, `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`)).toBeNull();
    expect(await verifyApiKey(db, "sk_unknown")).toBeNull();
    expect(await verifyApiKey(db, "")).toBeNull();

    const stored = await db.select().from(apiKeys);
    expect(JSON.stringify(stored)).not.toContain(key);

    const fromEnv = "operator-chosen-secret-123";
    const first = await ensureApiKey(db, fromEnv);
    const second = await ensureApiKey(db, fromEnv);
    expect(second.id).toBe(first.id);
    expect((await verifyApiKey(db, fromEnv))?.id).toBe(first.id);

    expect((await revokeApiKey(db, row.id))?.revokedAt).toBeInstanceOf(Date);
    expect(await verifyApiKey(db, key)).toBeNull();
    expect(await countApiKeys(db, { activeOnly: true })).toBe(before + 1);
    expect(await revokeApiKey(db, "not-a-uuid")).toBeNull();
  });
}

describe("database on PostgreSQL (postgres.js)", () => {
  let testDb: { url: string; drop(): Promise<void> };
  dbSuite(async () => {
    testDb = await createTestDatabase();
    return {
      name: "postgres",
      open: (queryLogger) => openDatabase({ url: testDb.url, maxConnections: 4, ...(queryLogger ? { queryLogger } : {}) }),
      cleanup: () => testDb.drop(),
    };
  });

  test("processes starting at once against an empty database migrate it exactly once", async () => {
    const fresh = await createTestDatabase();
    try {
      await Promise.all([migratePostgres(fresh.url), migratePostgres(fresh.url), migratePostgres(fresh.url)]);
      const handles = await Promise.all([openDatabase({ url: fresh.url }), openDatabase({ url: fresh.url })]);
      const applied = await executeRows<{ n: number }>(
        handles[0]!.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(applied[0]?.n).toBe(MIGRATION_COUNT);
      await Promise.all(handles.map((h) => h.close()));
    } finally {
      await fresh.drop();
    }
  });
});

describe("database on PGlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-db-"));
  const dataDir = join(dir, "pglite");
  dbSuite(async () => ({
    name: "pglite",
    open: (queryLogger) => openDatabase({ dataDir, ...(queryLogger ? { queryLogger } : {}) }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }));

  test("history survives close and reopen of the same data dir; a second opener is refused", async () => {
    const first = await openDatabase({ dataDir: join(dir, "restart") });
    await expect(openDatabase({ dataDir: join(dir, "restart") })).rejects.toThrow("in use");
    const journal = new JournalWriter(first.db, { flushIntervalMs: 60_000 });
    const id = uid("persist");
    journal.upsertCall({ id, direction: "inbound", toNumber: "1000", status: "completed" });
    journal.append(id, { kind: "event", name: "CHANNEL_HANGUP_COMPLETE", data: { "Hangup-Cause": "NORMAL_CLEARING" } });
    await journal.close();
    await first.close();
    expect(await first.ping()).toBe(false);

    const reopened = await openDatabase({ dataDir: join(dir, "restart") });
    try {
      expect((await getCall(reopened.db, id))?.status).toBe("completed");
      const events = await listEvents(reopened.db, id);
      expect(events.map((e) => [e.seq, e.name, e.data])).toEqual([
        [1, "CHANNEL_HANGUP_COMPLETE", { "Hangup-Cause": "NORMAL_CLEARING" }],
      ]);
    } finally {
      await reopened.close();
    }
  });

  test("a lock left by a crashed run is taken over", async () => {
    const snapshotSource = await openDatabase({ memory: true });
    const snapshot = await snapshotSource.dumpDataDir!();
    await snapshotSource.close();
    const crashedDir = join(dir, "crashed");
    // Same pid as ours (pid 1 in a container restarts with pid 1), but not a lock this process holds.
    writeFileSync(`${crashedDir}.lock`, String(process.pid));
    const reopened = await openDatabase({ dataDir: crashedDir, pgliteSnapshot: snapshot });
    expect(await reopened.ping()).toBe(true);
    await reopened.close();
    expect(existsSync(`${crashedDir}.lock`)).toBe(false);
  });

  test("a dumped data dir starts another PGlite with the same history", async () => {
    const source = await openDatabase({ memory: true });
    const id = uid("snap");
    await insertCall(source.db, { id, direction: "outbound", toNumber: "2000" });
    const snapshot = await source.dumpDataDir!();
    await source.close();
    const copy = await openDatabase({ memory: true, pgliteSnapshot: snapshot });
    try {
      expect((await getCall(copy.db, id))?.toNumber).toBe("2000");
    } finally {
      await copy.close();
    }
  });
});

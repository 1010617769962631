/**
 * The conversations table on both databases (the machine's PostgreSQL and
 * PGlite): the migration over a database the previous release migrated, the
 * journal's batched upsert (a row refused for its strings is stored sanitised,
 * counted, and logged without its contents), reads that never carry the
 * system prompt, and listing newest first with filters and cursors.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgresDb } from "drizzle-orm/postgres-js/migrator";
import pino from "pino";
import postgres from "postgres";
import { executeRows, type Database, type Db } from "../../src/db/client.ts";
import { JournalWriter } from "../../src/db/journal.ts";
import { MIGRATIONS_FOLDER, migratePglite, migratePostgres } from "../../src/db/migrate.ts";
import { insertCall } from "../../src/db/queries/calls.ts";
import {
  conversationsForCall,
  getConversation,
  getConversationForResume,
  InvalidCursorError,
  latestConversationIds,
  listConversations,
} from "../../src/db/queries/conversations.ts";
import type { NewConversation } from "../../src/db/schema.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";
import { createDatabase } from "../support/switchboard.ts";

const PROMPT = "You are the receptionist of Elm Street Dental. SECRET-PROMPT-7f3a: never say the door code.";

function conversationRow(id: string, callId: string, patch: Partial<NewConversation> = {}): NewConversation {
  return {
    id,
    callId,
    direction: "outbound",
    status: "active",
    model: "gpt-4o-mini",
    voice: { engine: "flite", voice: "kal" },
    firstMessage: "Hello!",
    systemPrompt: PROMPT,
    transcript: [],
    turns: [],
    toolCalls: [],
    usage: { promptTokens: 0, completionTokens: 0, llmRequests: 0, ttsRequests: 0, ttsCharacters: 0 },
    snapshot: { context: { messages: [{ role: "system", content: PROMPT }] } },
    ...patch,
  };
}

/** A pino logger whose lines are kept, to check what the journal writes to the log. */
function capturingLog(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), lines };
}

/** The committed migrations up to (and without) 0002: the database the previous release left. */
function migrationsBeforeConversations(): string {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-migrations-"));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
  const index = journal.entries.findIndex((e) => e.tag === "0002_conversations");
  expect(index).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, index);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

describe("the conversations migration over a database the previous release migrated", () => {
  test("PGlite: the table appears, the calls already stored stay", async () => {
    const before = migrationsBeforeConversations();
    const client = await PGlite.create();
    try {
      await migratePgliteDb(drizzlePglite({ client }), { migrationsFolder: before });
      const db = drizzlePglite({ client }) as unknown as Db;
      await insertCall(db, { id: "old-call", direction: "inbound", toNumber: "1000", status: "completed" });
      await migratePglite(client);
      await checkMigrated(db);
    } finally {
      await client.close();
      rmSync(before, { recursive: true, force: true });
    }
  });

  test("PostgreSQL: the table appears, the calls already stored stay", async () => {
    const before = migrationsBeforeConversations();
    const pg = await createDatabase();
    const client = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await migratePostgresDb(drizzlePostgres(client), { migrationsFolder: before });
      const db = drizzlePostgres(client) as unknown as Db;
      await insertCall(db, { id: "old-call", direction: "inbound", toNumber: "1000", status: "completed" });
      await migratePostgres(pg.url);
      await checkMigrated(db);
    } finally {
      await client.end({ timeout: 5 });
      await pg.drop();
      rmSync(before, { recursive: true, force: true });
    }
  });
});

async function checkMigrated(db: Db): Promise<void> {
  const indexes = await executeRows<{ indexname: string }>(
    db,
    sql`select indexname from pg_indexes where tablename = 'conversations' order by indexname`,
  );
  expect(indexes.map((r) => r.indexname)).toEqual([
    "conversations_analysis_due_idx",
    "conversations_call_id_idx",
    "conversations_pkey",
    "conversations_started_at_idx",
    "conversations_status_started_at_idx",
  ]);
  const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log: pino({ level: "silent" }) });
  journal.upsertConversation(conversationRow("conv-old", "old-call"));
  await journal.flush();
  expect((await getConversation(db, "conv-old"))?.callId).toBe("old-call");
  // A conversation needs its call: the foreign key holds.
  const orphan = async () =>
    db.execute(sql`insert into conversations (id, call_id, direction, model, voice, system_prompt)
      values ('orphan', 'no-such-call', 'inbound', 'm', '{}'::jsonb, 'p')`);
  await expect(orphan()).rejects.toThrow();
}

for (const kind of ["pglite", "postgres"] as const) {
  describe(`conversations on ${kind}`, () => {
    let opened: TestDatabase | undefined;
    let database: Database;
    let db: Db;

    beforeAll(async () => {
      opened = await openTestDatabase(kind, { pglite: { dirPrefix: "switchboard-conv-" } });
      database = opened.database;
      db = database.db;
    });
    afterAll(async () => {
      await opened?.close();
    });

    test("the journal writes a conversation with the call it belongs to, batched, and rewrites it as it goes", async () => {
      const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log: pino({ level: "silent" }) });
      // Buffered in the order the runtime makes them: the call, then its conversation (coalesced twice).
      journal.upsertCall({ id: "call-a", direction: "outbound", toNumber: "2000", status: "queued" });
      journal.upsertConversation(conversationRow("conv-a", "call-a"));
      journal.upsertConversation(
        conversationRow("conv-a", "call-a", {
          transcript: [{ who: "bot", text: "Hello!", startedAt: "2026-11-26T09:00:00.100Z", endedAt: null, interrupted: false }],
        }),
      );
      expect(journal.stats().bufferedConversations).toBe(1);
      await journal.flush();
      expect(journal.stats()).toMatchObject({ conversationsWritten: 1, bufferedConversations: 0 });

      const stored = await getConversation(db, "conv-a");
      expect(stored).toMatchObject({ id: "conv-a", callId: "call-a", status: "active", voice: { engine: "flite", voice: "kal" } });
      expect(stored?.transcript).toHaveLength(1);
      const startedAt = stored!.startedAt;

      // Later: ended, with a turn; started_at stays as first written.
      journal.upsertConversation(
        conversationRow("conv-a", "call-a", {
          status: "ended",
          outcome: "completed",
          endCause: "NORMAL_CLEARING",
          startedAt: new Date(startedAt.getTime() + 60_000),
          endedAt: new Date("2026-11-26T09:01:00.000Z"),
          snapshot: null,
          turns: [
            {
              index: 1,
              callerText: "hi",
              interrupted: false,
              llmRequests: 1,
              toolCallIds: [],
              marks: { endOfSpeech: null, finalTranscript: null, llmFirstToken: null, firstSentence: null, ttsCommand: null, playbackStarted: null },
              latencyMs: {
                endOfSpeechToFinal: 120.5,
                finalToFirstToken: null,
                firstTokenToFirstSentence: null,
                firstSentenceToTtsCommand: null,
                finalToTtsCommand: null,
                ttsCommandToPlayback: null,
                voiceToVoice: 700,
              },
            },
          ],
        }),
      );
      await journal.close();
      const ended = await getConversation(db, "conv-a");
      expect(ended).toMatchObject({ status: "ended", outcome: "completed", endCause: "NORMAL_CLEARING" });
      expect(ended?.startedAt.getTime()).toBe(startedAt.getTime());
      expect(ended?.turns[0]?.latencyMs.endOfSpeechToFinal).toBe(120.5);
      expect((await getConversationForResume(db, "conv-a"))?.snapshot).toBeNull();
    });

    test("reads for the API never carry the system prompt or the snapshot; the runtime's resume read does", async () => {
      const read = await getConversation(db, "conv-a");
      expect(read).not.toBeNull();
      expect("systemPrompt" in read!).toBe(false);
      expect("snapshot" in read!).toBe(false);
      expect(JSON.stringify(read)).not.toContain("SECRET-PROMPT");
      expect(JSON.stringify(await listConversations(db))).not.toContain("SECRET-PROMPT");
      expect(JSON.stringify(await conversationsForCall(db, "call-a"))).not.toContain("SECRET-PROMPT");
      expect((await getConversationForResume(db, "conv-a"))?.systemPrompt).toBe(PROMPT);
    });

    test("a row PostgreSQL refuses for its strings is stored sanitised, counted, and logged without its contents", async () => {
      const { log, lines } = capturingLog();
      const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log });
      journal.upsertCall({ id: "call-nul", direction: "inbound", toNumber: "1000", status: "in-progress" });
      journal.upsertConversation(conversationRow("conv-clean", "call-nul"));
      journal.upsertConversation(
        conversationRow("conv-nul", "call-nul", {
          direction: "inbound",
          transcript: [
            // A model's text with a NUL, a caller's with a lone surrogate: neither is refused at an edge.
            { who: "bot", text: "We open at 9\u0000", startedAt: null, endedAt: null, interrupted: false },
            { who: "caller", text: "Jos\ud800", startedAt: null, endedAt: null, interrupted: false, via: "speech" },
          ],
          toolCalls: [
            {
              id: "t1",
              name: "lookup",
              arguments: '{"q":"a\u0000"}',
              outcome: "ok",
              result: "ok",
              error: null,
              startedAt: null,
              endedAt: null,
              durationMs: 1,
              turn: null,
            },
          ],
        }),
      );
      await journal.flush();
      const stats = journal.stats();
      expect(stats.refusedByDb.conversations).toEqual({ sanitised: 1, dropped: 0 });
      expect(stats.conversationsWritten).toBe(2);

      const stored = await getConversation(db, "conv-nul");
      expect(stored?.transcript.map((e) => e.text)).toEqual(["We open at 9\uFFFD", "Jos\uFFFD"]);
      expect(stored?.toolCalls[0]?.arguments).toBe('{"q":"a\uFFFD"}');
      expect(await getConversation(db, "conv-clean")).not.toBeNull();

      const refusal = lines.map((l) => JSON.parse(l)).find((l) => l.table === "conversations");
      expect(refusal).toMatchObject({ level: 50, conversationId: "conv-nul", callId: "call-nul" });
      expect(refusal.dbError.message).toBe("unsupported Unicode escape sequence");
      expect(refusal.dbError.code).toMatch(/^[0-9A-Z]{5}$/);
      // drizzle's error text carries the statement's parameters: none of it reaches the log.
      expect(lines.join("\n")).not.toContain("SECRET-PROMPT");
      expect(lines.join("\n")).not.toContain("We open at 9");
      await journal.close();
    });

    test("a conversation whose call is missing is dropped alone, loudly, and the rest of its batch lands", async () => {
      const { log, lines } = capturingLog();
      const dropped: string[] = [];
      const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log, onDropped: (d) => dropped.push(...d.conversations.map((c) => c.id)) });
      journal.upsertConversation(conversationRow("conv-orphan", "no-such-call"));
      journal.upsertConversation(conversationRow("conv-b", "call-a"));
      await journal.flush();
      expect(journal.stats().refusedByDb.conversations).toEqual({ sanitised: 0, dropped: 1 });
      expect(dropped).toEqual(["conv-orphan"]);
      expect(await getConversation(db, "conv-orphan")).toBeNull();
      expect(await getConversation(db, "conv-b")).not.toBeNull();
      expect(lines.join("\n")).not.toContain("SECRET-PROMPT");
      await journal.close();
    });

    test("listing is newest first, pages by cursor without gaps or repeats, filters by status and call; odd cursors are refused", async () => {
      await db.execute(sql`delete from conversations`);
      const base = Date.UTC(2026, 0, 1, 12);
      for (const id of ["call-l0", "call-l1"]) await insertCall(db, { id, direction: "outbound", toNumber: "3000" });
      const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log: pino({ level: "silent" }) });
      for (let i = 0; i < 7; i++) {
        journal.upsertConversation(
          conversationRow(`list-${i}`, i % 2 === 0 ? "call-l0" : "call-l1", {
            status: i < 5 ? "ended" : "active",
            // two share a start time: the id breaks the tie
            startedAt: new Date(base + (i === 6 ? 5 : i) * 1000),
          }),
        );
      }
      await journal.close();

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await listConversations(db, { limit: 3, cursor });
        seen.push(...page.conversations.map((c) => c.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(["list-6", "list-5", "list-4", "list-3", "list-2", "list-1", "list-0"]);

      expect((await listConversations(db, { status: "active" })).conversations.map((c) => c.id)).toEqual(["list-6", "list-5"]);
      const ofCall = await listConversations(db, { callId: "call-l1", status: "ended", limit: 1 });
      expect(ofCall.conversations.map((c) => c.id)).toEqual(["list-3"]);
      const next = await listConversations(db, { callId: "call-l1", status: "ended", limit: 1, cursor: ofCall.nextCursor });
      expect(next.conversations.map((c) => c.id)).toEqual(["list-1"]);
      expect(next.nextCursor).toBeNull();
      expect((await listConversations(db, { callId: "no-such-call" })).conversations).toEqual([]);

      expect((await conversationsForCall(db, "call-l0")).map((c) => c.id)).toEqual(["list-0", "list-2", "list-4", "list-6"]);
      const latest = await latestConversationIds(db, ["call-l0", "call-l1", "call-none"]);
      expect(Object.fromEntries(latest)).toEqual({ "call-l0": "list-6", "call-l1": "list-5" });
      expect((await latestConversationIds(db, [])).size).toBe(0);

      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
      for (const odd of ["not-a-cursor", b64([-1, "x"]), b64([1e300, "x"]), b64([1.5, "x"]), b64([0, "a\u0000b"]), b64({ t: 0 }), b64([0, ""])]) {
        await expect(listConversations(db, { cursor: odd })).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });
  });
}

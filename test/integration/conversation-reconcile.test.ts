/**
 * Conversations an earlier run left active (it was killed mid-call) are closed
 * at start-up — outcome "error", the cause saying why, ended at the last moment
 * they were seen, their resume snapshot (which holds the prompt) dropped — and
 * journalled after their existing entries; then their analysis is due like any
 * ended conversation's. One the runtime holds, and ended ones, are untouched.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import pino from "pino";
import { executeRows, openDatabase, type Database } from "../../src/db/client.ts";
import { JournalWriter } from "../../src/db/journal.ts";
import { insertCall } from "../../src/db/queries/calls.ts";
import { dueAnalyses, getConversation, getConversationForResume } from "../../src/db/queries/conversations.ts";
import type { NewConversation } from "../../src/db/schema.ts";
import { CONVERSATION_ENDED_WHILE_DOWN, closeOrphanedConversations } from "../../src/runtime/conversation-reconcile.ts";

let dir: string;
let database: Database;

function row(id: string, callId: string, patch: Partial<NewConversation> = {}): NewConversation {
  return {
    id,
    callId,
    direction: "inbound",
    status: "active",
    model: "gpt-4o-mini",
    voice: { engine: "flite", voice: "kal" },
    systemPrompt: "You are the receptionist.",
    transcript: [{ who: "caller", text: "hi", startedAt: null, endedAt: null, interrupted: false }] as never,
    snapshot: { context: { messages: [] } },
    ...patch,
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sb-conv-reconcile-"));
  database = await openDatabase({ dataDir: join(dir, "pglite") });
});

afterAll(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

test("active conversations the runtime does not hold are closed, journalled after their entries, and due for analysis", async () => {
  const { db } = database;
  for (const id of ["call-1", "call-2", "call-3"]) await insertCall(db, { id, direction: "inbound", toNumber: "+12125550123" });
  const journal = new JournalWriter(db, { flushIntervalMs: 60_000, log: pino({ level: "silent" }) });
  journal.upsertConversation(row("conv-orphan", "call-1"));
  journal.upsertConversation(row("conv-held", "call-2"));
  journal.upsertConversation(row("conv-ended", "call-3", { status: "ended", outcome: "completed", endedAt: new Date("2026-01-01T12:00:00Z"), snapshot: null }));
  const lastSeen = new Date("2026-01-01T12:05:00Z");
  journal.append("conv-orphan", { kind: "event", name: "TURN_COMPLETED", data: {}, at: new Date("2026-01-01T12:04:00Z") });
  journal.append("conv-orphan", { kind: "event", name: "TOOL_CALLED", data: {}, at: lastSeen });
  await journal.flush();
  // A fresh writer, as after a restart: it knows no seqs.
  const restarted = new JournalWriter(db, { flushIntervalMs: 60_000, log: pino({ level: "silent" }) });

  const closed = await closeOrphanedConversations({ db, holds: (id) => id === "conv-held", journal: restarted, now: () => Date.parse("2026-01-01T13:00:00Z") });

  expect(closed).toEqual(["conv-orphan"]);
  const orphan = await getConversation(db, "conv-orphan");
  expect(orphan).toMatchObject({ status: "ended", outcome: "error", endCause: CONVERSATION_ENDED_WHILE_DOWN });
  // Ended at the last moment it was seen: its updated_at (the row was written just now) or its last journal entry.
  expect(orphan!.endedAt!.getTime()).toBeGreaterThanOrEqual(lastSeen.getTime());
  expect(orphan!.endedAt!.getTime()).toBeLessThanOrEqual(Date.parse("2026-01-01T13:00:00Z"));
  expect((await getConversationForResume(db, "conv-orphan"))!.snapshot).toBeNull();
  expect((await getConversation(db, "conv-held"))!.status).toBe("active");
  expect((await getConversation(db, "conv-ended"))!.outcome).toBe("completed");

  const entries = await executeRows<{ seq: number; name: string }>(db, sql`select seq, name from call_events where call_id = 'conv-orphan' order by seq`);
  expect(entries.map((e) => [e.seq, e.name])).toEqual([
    [1, "TURN_COMPLETED"],
    [2, "TOOL_CALLED"],
    [3, "CONVERSATION_ENDED_WHILE_DOWN"],
  ]);
  expect(await dueAnalyses(db)).toContain("conv-orphan");

  // A second pass closes nothing twice: only the one no longer held.
  expect(await closeOrphanedConversations({ db, holds: () => false, journal: restarted })).toEqual(["conv-held"]);
});

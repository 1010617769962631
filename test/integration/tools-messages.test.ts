/**
 * take_message against both databases: the row (E.164 callback number,
 * urgency, conversation), the definition's required fields and urgency
 * levels, numbers the caller must say again (nothing stored), the caller ID
 * for "call me back on this number", and sandbox messages kept apart.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import type { ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { runReceptionistTool, type ReceptionistToolContext, type ToolResult } from "../../src/ai/tools/index.ts";
import type { Database } from "../../src/db/client.ts";
import { getMessage, listMessages } from "../../src/db/queries/messages.ts";
import { createReceptionist } from "../../src/db/queries/receptionists.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const dental = templateById("medical-office")!.definition;
const afterHours = templateById("after-hours")!.definition; // urgency is required
const NOW = new Date("2026-03-10T02:00:00Z");
const content = (r: ToolResult) => JSON.parse(r.content) as Record<string, any>;

for (const kind of ["pglite", "postgres"] as const) {
  describe(`take_message on ${kind}`, () => {
    let database: Database;
    let opened: TestDatabase | undefined;

    beforeAll(async () => {
      opened = await openTestDatabase(kind);
      database = opened.database;
    });
    afterAll(async () => {
      await opened?.close();
    });

    async function receptionist(definition: ReceptionistDefinition = dental) {
      const row = await createReceptionist(database.db, { name: definition.name, definition });
      const run = (args: unknown, over: Partial<ReceptionistToolContext> = {}) =>
        runReceptionistTool(
          "take_message",
          { db: database.db, receptionist: { id: row.id, version: 1, definition }, conversationId: "conv-msg", callId: "call-msg", now: NOW, sandbox: false, ...over },
          args,
        );
      return { id: row.id, run };
    }

    test("records the message with the number in E.164 and a normal urgency by default; reads the number back", async () => {
      const r = await receptionist();
      const result = await r.run({ name: "Karen White", callback_number: "six one seven, five five five, oh one nine two", reason: "prescription refill for lisinopril" });
      expect(result.ok).toBe(true);
      expect(content(result)).toMatchObject({ callback_number: "(617) 555-0192", urgency: "normal" });
      expect(content(result).message).toBe("Message taken for Riverside Family Dental: Karen White asks to be called back at (617) 555-0192 about prescription refill for lisinopril.");
      const row = await getMessage(database.db, (result.data as any).message.id);
      expect(row).toMatchObject({
        receptionistId: r.id,
        conversationId: "conv-msg",
        callerName: "Karen White",
        callbackNumber: "+16175550192",
        reason: "prescription refill for lisinopril",
        urgency: "normal",
        sandbox: false,
      });
    });

    test("international numbers keep their country code", async () => {
      const r = await receptionist();
      const result = await r.run({ name: "Nigel Hawthorne", callback_number: "+44 20 7946 0958", reason: "quote", urgency: "low" });
      expect((await getMessage(database.db, (result.data as any).message.id))?.callbackNumber).toBe("+442079460958");
    });

    test("a number that cannot be called back is sent back to the caller; nothing is stored", async () => {
      const r = await receptionist();
      for (const said of ["867 5309", "555 134 7788", "extension 12", "the usual"]) {
        const result = await r.run({ name: "Tom Reyes", callback_number: said, reason: "installation date" });
        expect(result).toMatchObject({ ok: false, refusal: "invalid_phone" });
        expect(content(result).next_step).toMatch(/Ask the caller for the number again/);
        expect(content(result).next_step).toContain('"callback_number"');
      }
      expect((await listMessages(database.db, { receptionistId: r.id })).messages).toHaveLength(0);
    });

    test("'this number' is the caller ID when the switch gave one", async () => {
      const r = await receptionist();
      const withCallerId = await r.run({ name: "Linda Gomez", callback_number: "this number", reason: "ear infection" }, { callerNumber: "2025550143" });
      expect((await getMessage(database.db, (withCallerId.data as any).message.id))?.callbackNumber).toBe("+12025550143");
      const without = await r.run({ name: "Linda Gomez", callback_number: "the number I'm calling from", reason: "ear infection" });
      expect(without).toMatchObject({ ok: false, refusal: "invalid_phone" });
    });

    test("the definition's required urgency, and its levels", async () => {
      const r = await receptionist(afterHours);
      const missing = await r.run({ name: "Linda Gomez", callback_number: "2025550143", reason: "fever" });
      expect(missing).toMatchObject({ ok: false, refusal: "invalid_arguments" });
      expect(content(missing).next_step).toContain('"urgency" (low, normal, high, urgent)');
      const restricted = structuredClone(afterHours) as ReceptionistDefinition;
      restricted.messages.urgency_levels = ["normal", "urgent"];
      const r2 = await receptionist(restricted);
      const high = await r2.run({ name: "Linda Gomez", callback_number: "2025550143", reason: "fever", urgency: "high" });
      expect(content(high).error).toBe('"high" is not an urgency this office uses.');
      const urgent = await r2.run({ name: "Linda Gomez", callback_number: "2025550143", reason: "fever", urgency: "urgent" });
      expect(content(urgent)).toMatchObject({ ok: true, urgency: "urgent" });
    });

    test("missing or blank fields are named", async () => {
      const r = await receptionist();
      const result = await r.run({ name: "Tom", reason: "quote" });
      expect(content(result).error).toContain('"callback_number" is missing');
      const blank = await r.run({ name: "  ", callback_number: "4155550123", reason: "quote" });
      expect(content(blank).error).toBe("The caller's name is missing.");
    });

    test("sandbox messages are listed apart from real ones, newest first, paged", async () => {
      const r = await receptionist();
      for (let i = 0; i < 3; i++) await r.run({ name: `Real ${i}`, callback_number: `415555012${i}`, reason: "r" });
      await r.run({ name: "Bench", callback_number: "4155550199", reason: "test" }, { sandbox: true });
      const first = await listMessages(database.db, { receptionistId: r.id, limit: 2 });
      expect(first.messages).toHaveLength(2);
      const second = await listMessages(database.db, { receptionistId: r.id, limit: 2, cursor: first.nextCursor });
      expect(second.messages).toHaveLength(1);
      expect(second.nextCursor).toBeNull();
      const all = [...first.messages, ...second.messages];
      expect(all.map((m) => m.callerName).sort()).toEqual(["Real 0", "Real 1", "Real 2"]);
      // Newest first (rows written in one millisecond tie on created_at and follow their ids).
      for (let i = 1; i < all.length; i++) expect(all[i - 1]!.createdAt.getTime()).toBeGreaterThanOrEqual(all[i]!.createdAt.getTime());
      expect((await listMessages(database.db, { receptionistId: r.id, sandbox: true })).messages.map((m) => m.callerName)).toEqual(["Bench"]);
    });

    test("the table refuses a callback number that is not E.164, whatever writes it", async () => {
      const r = await receptionist();
      const { insertMessage } = await import("../../src/db/queries/messages.ts");
      await expect(insertMessage(database.db, { receptionistId: r.id, callerName: "X", callbackNumber: "555-1234", reason: "r" })).rejects.toThrow();
    });
  });
}

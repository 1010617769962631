/**
 * The receptionist storage the tools and the next API build on, against both
 * databases: versions (an edit is a new version; the old one stays readable
 * for the conversations that pinned it; concurrent edits get distinct
 * numbers), soft delete releasing numbers, DID routing, the constraints, and
 * cursor paging of receptionists, numbers and appointments.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import type { Database } from "../../src/db/client.ts";
import { insertAppointment, listAppointments, InvalidCursorError } from "../../src/db/queries/appointments.ts";
import { assignNumber, getNumber, isE164, listNumbers, releaseNumber, routeForNumber } from "../../src/db/queries/numbers.ts";
import {
  createReceptionist,
  deleteReceptionist,
  getReceptionist,
  getReceptionistVersion,
  listReceptionists,
  listReceptionistVersions,
  updateReceptionist,
} from "../../src/db/queries/receptionists.ts";
import { openTestDatabase, type TestDatabase } from "../support/database.ts";

const dental = templateById("medical-office")!.definition;
const solar = templateById("general-business")!.definition;

for (const kind of ["pglite", "postgres"] as const) {
  describe(`receptionist storage on ${kind}`, () => {
    let database: Database;
    let opened: TestDatabase | undefined;

    beforeAll(async () => {
      opened = await openTestDatabase(kind, { maxConnections: 8 });
      database = opened.database;
    });
    afterAll(async () => {
      await opened?.close();
    });

    test("every save is a version; the versions a conversation pinned stay as they were", async () => {
      const db = database.db;
      const created = await createReceptionist(db, { name: "Riverside", definition: dental });
      expect(created.version).toBe(1);
      const edited = { ...dental, greeting: "Riverside Family Dental, how can I help?" };
      const v2 = await updateReceptionist(db, created.id, { name: "Riverside Dental", definition: edited });
      expect(v2).toMatchObject({ version: 2, name: "Riverside Dental" });
      expect((await getReceptionist(db, created.id))?.definition).toEqual(edited);
      expect((await getReceptionistVersion(db, created.id, 1))?.definition).toEqual(JSON.parse(JSON.stringify(dental)));
      expect((await listReceptionistVersions(db, created.id)).map((v) => v.version)).toEqual([2, 1]);
      expect(await getReceptionistVersion(db, created.id, 3)).toBeNull();
    });

    test("concurrent edits each get their own version", async () => {
      const db = database.db;
      const created = await createReceptionist(db, { name: "Busy", definition: dental });
      await Promise.all(Array.from({ length: 6 }, (_, i) => updateReceptionist(db, created.id, { name: `Busy ${i}`, definition: { ...dental, greeting: `v${i}` } })));
      expect((await listReceptionistVersions(db, created.id)).map((v) => v.version)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect((await getReceptionist(db, created.id))?.version).toBe(7);
    });

    test("numbers route to a receptionist; assigning again moves a number; unknown numbers route nowhere", async () => {
      const db = database.db;
      const a = await createReceptionist(db, { name: "A", definition: dental });
      const b = await createReceptionist(db, { name: "B", definition: solar });
      const assigned = await assignNumber(db, "+15550102000", a.id);
      expect(assigned).toMatchObject({ did: "+15550102000", receptionistId: a.id });
      expect((await routeForNumber(db, "+15550102000"))?.receptionist.id).toBe(a.id);
      const moved = await assignNumber(db, "+15550102000", b.id);
      expect(moved).toMatchObject({ receptionistId: b.id, createdAt: assigned!.createdAt });
      expect((await routeForNumber(db, "+15550102000"))?.receptionist.name).toBe("B");
      expect(await routeForNumber(db, "+15559999999")).toBeNull();
      expect(await assignNumber(db, "+15550102001", "00000000-0000-4000-8000-000000000000")).toBeNull();
      expect(await releaseNumber(db, "+15550102000")).toBe(true);
      expect(await releaseNumber(db, "+15550102000")).toBe(false);
      expect(await getNumber(db, "+15550102000")).toBeNull();
    });

    test("a DID must be E.164, in the table as in the helper", async () => {
      const db = database.db;
      const a = await createReceptionist(db, { name: "A", definition: dental });
      expect(isE164("+15550102000")).toBe(true);
      for (const bad of ["5550102000", "+0123456789", "+1 555 010 2000", "1000", "+1234567890123456"]) {
        expect(isE164(bad)).toBe(false);
        await expect(assignNumber(db, bad, a.id)).rejects.toThrow();
      }
    });

    test("deleting a receptionist releases its numbers and hides it; its versions stay readable; it cannot be edited or routed to", async () => {
      const db = database.db;
      const gone = await createReceptionist(db, { name: "Gone", definition: dental });
      await assignNumber(db, "+15550103000", gone.id);
      await assignNumber(db, "+15550103001", gone.id);
      expect(await deleteReceptionist(db, gone.id)).toBe(true);
      expect(await deleteReceptionist(db, gone.id)).toBe(false);
      expect(await getReceptionist(db, gone.id)).toBeNull();
      expect((await getReceptionist(db, gone.id, { includeDeleted: true }))?.deletedAt).toBeInstanceOf(Date);
      expect(await getReceptionistVersion(db, gone.id, 1)).not.toBeNull();
      expect(await routeForNumber(db, "+15550103000")).toBeNull();
      expect((await listNumbers(db, { receptionistId: gone.id })).numbers).toEqual([]);
      expect(await updateReceptionist(db, gone.id, { name: "Back", definition: dental })).toBeNull();
      expect(await assignNumber(db, "+15550103000", gone.id)).toBeNull();
      expect((await listReceptionists(db, { limit: 500 })).receptionists.map((r) => r.id)).not.toContain(gone.id);
    });

    test("listings page by cursor without gaps or repeats; an odd cursor is refused", async () => {
      const db = database.db;
      const owner = await createReceptionist(db, { name: "Pager", definition: dental });
      for (let i = 0; i < 5; i++) await assignNumber(db, `+1555010400${i}`, owner.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listNumbers(db, { receptionistId: owner.id, limit: 2, cursor });
        seen.push(...page.numbers.map((n) => n.did));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(["+15550104000", "+15550104001", "+15550104002", "+15550104003", "+15550104004"]);

      const all: string[] = [];
      cursor = null;
      do {
        const page = await listReceptionists(db, { limit: 3, cursor });
        all.push(...page.receptionists.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toContain(owner.id);

      for (let i = 0; i < 5; i++) {
        const startsAt = new Date(Date.UTC(2026, 2, 16, 13 + i));
        await insertAppointment(db, { receptionistId: owner.id, startsAt, endsAt: new Date(startsAt.getTime() + 1_800_000), name: `P ${i}`, phone: "+12025550100" });
      }
      const asc: string[] = [];
      cursor = null;
      do {
        const page = await listAppointments(db, { receptionistId: owner.id, limit: 2, cursor });
        asc.push(...page.appointments.map((a) => a.name));
        cursor = page.nextCursor;
      } while (cursor);
      expect(asc).toEqual(["P 0", "P 1", "P 2", "P 3", "P 4"]);
      const desc = await listAppointments(db, { receptionistId: owner.id, order: "desc", limit: 2 });
      expect(desc.appointments.map((a) => a.name)).toEqual(["P 4", "P 3"]);
      const rest = await listAppointments(db, { receptionistId: owner.id, order: "desc", limit: 10, cursor: desc.nextCursor });
      expect(rest.appointments.map((a) => a.name)).toEqual(["P 2", "P 1", "P 0"]);
      const window = await listAppointments(db, { receptionistId: owner.id, from: new Date(Date.UTC(2026, 2, 16, 14)), to: new Date(Date.UTC(2026, 2, 16, 16)) });
      expect(window.appointments.map((a) => a.name)).toEqual(["P 1", "P 2"]);

      await expect(listAppointments(db, { cursor: "not-a-cursor" })).rejects.toBeInstanceOf(InvalidCursorError);
    });

    test("the tables refuse what no tool may write: an end before the start, an unknown status, a non-E.164 phone", async () => {
      const db = database.db;
      const owner = await createReceptionist(db, { name: "Strict", definition: dental });
      const startsAt = new Date("2026-04-01T14:00:00Z");
      const base = { receptionistId: owner.id, startsAt, endsAt: new Date(startsAt.getTime() + 1_800_000), name: "X", phone: "+12025550100" };
      await expect(insertAppointment(db, { ...base, endsAt: startsAt })).rejects.toThrow();
      await expect(insertAppointment(db, { ...base, status: "maybe" as "booked" })).rejects.toThrow();
      await expect(insertAppointment(db, { ...base, phone: "202-555-0100" })).rejects.toThrow();
      // Cancelled rows do not hold the slot; booked ones do, per sandbox flag.
      await insertAppointment(db, { ...base, status: "cancelled" });
      await insertAppointment(db, { ...base, status: "cancelled" });
      await insertAppointment(db, base);
      await insertAppointment(db, { ...base, sandbox: true });
      await expect(insertAppointment(db, base)).rejects.toThrow("already booked");
    });
  });
}

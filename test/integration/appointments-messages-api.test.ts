/**
 * GET /v1/appointments and GET /v1/messages over the real HTTP server
 * (embedded default, PGlite), on rows written with the queries the tools
 * use: the shapes, each filter (receptionist, time window, status, urgency,
 * sandbox — real rows by default, never mixed), ordering and cursor paging
 * without gaps or repeats, and odd queries refused with a 422 naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cancelAppointment, insertAppointment } from "../../src/db/queries/appointments.ts";
import { insertMessage } from "../../src/db/queries/messages.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

let h: Harness;
let dental: string;
let solar: string;

/** Monday 2 March 2026, 09:00 in New York (14:00 UTC). */
const MONDAY_9AM = Date.UTC(2026, 2, 2, 14, 0, 0);
const at = (minutes: number) => new Date(MONDAY_9AM + minutes * 60_000);

beforeAll(async () => {
  h = await startHarness({ db: "pglite" });
  dental = (await h.api("POST", "/v1/receptionists", { template: "medical-office" })).body.id;
  solar = (await h.api("POST", "/v1/receptionists", { template: "general-business" })).body.id;
  const db = h.sb.database.db;
  // Dental: eight half-hour slots from 09:00, the third cancelled; one sandbox booking at 09:00 beside the real one.
  for (let i = 0; i < 8; i++) {
    const row = await insertAppointment(db, {
      receptionistId: dental,
      startsAt: at(30 * i),
      endsAt: at(30 * i + 30),
      name: `Patient ${i}`,
      phone: `+1212555010${i}`,
      service: i % 2 ? "cleaning" : "check-up",
      conversationId: i === 0 ? "conv-0" : null,
    });
    if (i === 2) await cancelAppointment(db, row.id, at(-60));
  }
  await insertAppointment(db, { receptionistId: dental, startsAt: at(0), endsAt: at(30), name: "Bench caller", phone: "+12125550199", sandbox: true });
  await insertAppointment(db, { receptionistId: solar, startsAt: at(60), endsAt: at(90), name: "Solar client", phone: "+12125550188" });
  // Messages, one a minute: dental normal/urgent alternating, one solar low, one sandbox.
  for (let i = 0; i < 5; i++) {
    await insertMessage(db, {
      receptionistId: dental,
      callerName: `Caller ${i}`,
      callbackNumber: `+1312555010${i}`,
      reason: `reason ${i}`,
      urgency: i % 2 ? "urgent" : "normal",
      createdAt: at(i),
    });
  }
  await insertMessage(db, { receptionistId: solar, callerName: "Sol", callbackNumber: "+13125550150", reason: "quote", urgency: "low", createdAt: at(10) });
  await insertMessage(db, { receptionistId: dental, callerName: "Bench", callbackNumber: "+13125550160", reason: "test", sandbox: true, createdAt: at(11) });
});

afterAll(async () => {
  await h?.close();
});

async function refusal(path: string) {
  const r = await h.api("GET", path);
  expect({ path, status: r.status, code: r.body?.error?.code }).toEqual({ path, status: 422, code: "invalid_request" });
  return r.body.error.details as { field: string; message: string }[];
}

/** Every row of a listing, page by page; checks no page repeats a row. */
async function allPages(path: string, key: string, limit: number): Promise<any[]> {
  const rows: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const r: { status: number; body: any } = await h.api("GET", `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(r.status).toBe(200);
    expect(r.body[key].length).toBeLessThanOrEqual(limit);
    rows.push(...r.body[key]);
    cursor = r.body.next_cursor;
    if (++pages > 50) throw new Error("too many pages");
  } while (cursor);
  expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
  return rows;
}

describe("GET /v1/appointments", () => {
  test("the shape of an appointment; real rows only by default, in the schedule's order", async () => {
    const r = await h.api("GET", `/v1/appointments?receptionist_id=${dental}`);
    expect(r.status).toBe(200);
    expect(r.body.next_cursor).toBeNull();
    const rows = r.body.appointments;
    expect(rows.map((a: any) => a.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `Patient ${i}`));
    expect(Object.keys(rows[0]).sort()).toEqual(
      ["cancelled_at", "conversation_id", "created_at", "ends_at", "id", "name", "notes", "phone", "receptionist_id", "rescheduled_from", "sandbox", "service", "starts_at", "status"].sort(),
    );
    expect(rows[0]).toMatchObject({
      receptionist_id: dental,
      status: "booked",
      starts_at: "2026-03-02T14:00:00.000Z",
      ends_at: "2026-03-02T14:30:00.000Z",
      phone: "+12125550100",
      service: "check-up",
      notes: null,
      conversation_id: "conv-0",
      rescheduled_from: null,
      sandbox: false,
      cancelled_at: null,
    });
    expect(rows[2]).toMatchObject({ status: "cancelled", cancelled_at: "2026-03-02T13:00:00.000Z" });
  });

  test("filters: status, time window (from inclusive, to exclusive, any offset), sandbox, receptionist", async () => {
    const names = async (q: string) => (await h.api("GET", `/v1/appointments?${q}`)).body.appointments.map((a: any) => a.name);
    expect(await names(`receptionist_id=${dental}&status=cancelled`)).toEqual(["Patient 2"]);
    expect(await names(`receptionist_id=${dental}&status=booked`)).toHaveLength(7);
    // 10:00 to 11:00 New York time, written with its offset.
    expect(await names(`receptionist_id=${dental}&from=2026-03-02T10:00:00-05:00&to=2026-03-02T11:00:00-05:00`)).toEqual(["Patient 2", "Patient 3"]);
    expect(await names(`receptionist_id=${dental}&from=2026-03-02T15:00:00Z&to=2026-03-02T16:00:00Z&status=booked`)).toEqual(["Patient 3"]);
    expect(await names(`receptionist_id=${dental}&sandbox=true`)).toEqual(["Bench caller"]);
    expect(await names(`receptionist_id=${dental}&sandbox=false`)).toHaveLength(8);
    expect(await names(`receptionist_id=${solar}`)).toEqual(["Solar client"]);
    // Every receptionist's, at one time.
    // Both start at 15:00: ties are ordered by id (random), so compare as a set.
    expect((await names("from=2026-03-02T15:00:00Z&to=2026-03-02T15:30:00Z")).sort()).toEqual(["Patient 2", "Solar client"]);
    expect(await names("receptionist_id=00000000-0000-4000-8000-000000000000")).toEqual([]);
  });

  test("pages by cursor in either order without gaps or repeats", async () => {
    const asc = await allPages(`/v1/appointments?receptionist_id=${dental}`, "appointments", 3);
    expect(asc.map((a) => a.name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `Patient ${i}`));
    const desc = await allPages(`/v1/appointments?receptionist_id=${dental}&order=desc`, "appointments", 3);
    expect(desc.map((a) => a.name)).toEqual([7, 6, 5, 4, 3, 2, 1, 0].map((i) => `Patient ${i}`));
    const filtered = await allPages(`/v1/appointments?receptionist_id=${dental}&status=booked&from=2026-03-02T14:30:00Z`, "appointments", 2);
    expect(filtered.map((a) => a.name)).toEqual([1, 3, 4, 5, 6, 7].map((i) => `Patient ${i}`));
  });

  test("odd queries are 422 naming the field", async () => {
    const cases: [string, string][] = [
      ["receptionist=x", "receptionist"],
      ["receptionist_id=dental", "receptionist_id"],
      ["from=2026-03-02", "from"],
      ["from=2026-02-30T10:00:00Z", "from"],
      ["from=yesterday", "from"],
      ["to=2026-03-02T10:00:00", "to"],
      ["from=2026-03-02T11:00:00Z&to=2026-03-02T10:00:00Z", "to"],
      ["from=0000-01-01T00:00:00Z", "from"],
      ["status=pending", "status"],
      ["sandbox=maybe", "sandbox"],
      ["order=random", "order"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=ten", "limit"],
      ["cursor=%00", "cursor"],
      [`cursor=${Buffer.from(JSON.stringify([Date.UTC(20000, 0, 1), "x"])).toString("base64url")}`, "cursor"],
      [`cursor=${Buffer.from("not json").toString("base64url")}`, "cursor"],
      ["from=2026-03-02T10:00:00Z%00", "from"],
    ];
    for (const [q, field] of cases) {
      const details = await refusal(`/v1/appointments?${q}`);
      expect({ q, fields: details.map((d) => d.field) }).toEqual({ q, fields: [field] });
    }
    expect(await refusal("/v1/appointments?from=2026-03-02T11:00:00Z&to=2026-03-02T11:00:00Z")).toEqual([{ field: "to", message: "must be after from" }]);
  });
});

describe("GET /v1/messages", () => {
  test("the shape of a message; newest first; real rows only by default", async () => {
    const r = await h.api("GET", `/v1/messages?receptionist_id=${dental}`);
    expect(r.status).toBe(200);
    expect(r.body.next_cursor).toBeNull();
    const rows = r.body.messages;
    expect(rows.map((m: any) => m.caller_name)).toEqual(["Caller 4", "Caller 3", "Caller 2", "Caller 1", "Caller 0"]);
    expect(Object.keys(rows[0]).sort()).toEqual(
      ["callback_number", "caller_name", "conversation_id", "created_at", "id", "reason", "receptionist_id", "sandbox", "urgency"].sort(),
    );
    expect(rows[0]).toMatchObject({
      receptionist_id: dental,
      caller_name: "Caller 4",
      callback_number: "+13125550104",
      reason: "reason 4",
      urgency: "normal",
      conversation_id: null,
      sandbox: false,
      created_at: "2026-03-02T14:04:00.000Z",
    });
  });

  test("filters: urgency, sandbox, receptionist; pages by cursor", async () => {
    const names = async (q: string) => (await h.api("GET", `/v1/messages?${q}`)).body.messages.map((m: any) => m.caller_name);
    expect(await names(`receptionist_id=${dental}&urgency=urgent`)).toEqual(["Caller 3", "Caller 1"]);
    expect(await names(`urgency=low`)).toEqual(["Sol"]);
    expect(await names(`receptionist_id=${dental}&sandbox=true`)).toEqual(["Bench"]);
    expect(await names(`sandbox=1`)).toEqual(["Bench"]);
    expect(await names(`receptionist_id=${solar}`)).toEqual(["Sol"]);
    const all = await allPages("/v1/messages", "messages", 2);
    expect(all.map((m) => m.caller_name)).toEqual(["Sol", "Caller 4", "Caller 3", "Caller 2", "Caller 1", "Caller 0"]);
  });

  test("odd queries are 422 naming the field", async () => {
    for (const [q, field] of [
      ["urgency=critical", "urgency"],
      ["urgency=", "urgency"],
      ["sandbox=", "sandbox"],
      ["receptionist_id=%00", "receptionist_id"],
      ["from=2026-03-02T10:00:00Z", "from"],
      ["limit=-1", "limit"],
      ["cursor=../../etc", "cursor"],
    ] as const) {
      const details = await refusal(`/v1/messages?${q}`);
      expect({ q, fields: details.map((d) => d.field) }).toEqual({ q, fields: [field] });
    }
  });
});

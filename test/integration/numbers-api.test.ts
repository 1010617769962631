/**
 * The numbers API over the real HTTP server (embedded default; PGlite, and
 * PostgreSQL where concurrent claims really race): a DID written as people
 * write numbers is stored in E.164; one receptionist per DID (a second claim
 * is 409, the same one again 200); an unknown or deleted receptionist is 422;
 * release by DELETE or with the receptionist; listing with its filter and
 * cursor; odd input is a 4xx naming the field. What routing does with a
 * number is the runtime's (routeForNumber).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { routeForNumber } from "../../src/db/queries/numbers.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

for (const kind of ["pglite", "postgres"] as const) {
  describe(`numbers on ${kind}`, () => {
    let h: Harness;
    let dental: string;
    let solar: string;

    async function refusal(method: string, path: string, body?: unknown) {
      const r = await h.api(method, path, body);
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 422, code: "invalid_request" });
      return r.body.error.details as { field: string; message: string }[];
    }

    beforeAll(async () => {
      h = await startHarness({ db: kind });
      dental = (await h.api("POST", "/v1/receptionists", { template: "medical-office" })).body.id;
      solar = (await h.api("POST", "/v1/receptionists", { template: "general-business" })).body.id;
    });

    afterAll(async () => {
      await h?.close();
    });

    describe("assigning a number", () => {
      test("the DID is normalised to E.164 and routes to the receptionist", async () => {
        const r = await h.api("POST", "/v1/numbers", { did: "+1 (212) 555-0101", receptionist_id: dental });
        expect(r.status).toBe(201);
        expect(Object.keys(r.body).sort()).toEqual(["created_at", "did", "receptionist_id", "updated_at"]);
        expect(r.body).toMatchObject({ did: "+12125550101", receptionist_id: dental });
        const route = await routeForNumber(h.sb.database.db, "+12125550101");
        expect(route?.receptionist.id).toBe(dental);
        // Other spellings of numbers: national NANP, 1 + ten digits, dots, another country with +.
        for (const [written, e164] of [
          ["(212) 555-0102", "+12125550102"],
          ["12125550103", "+12125550103"],
          ["212.555.0104", "+12125550104"],
          ["+44 20 7946 0958", "+442079460958"],
        ]) {
          const one = await h.api("POST", "/v1/numbers", { did: written, receptionist_id: solar });
          expect({ written, status: one.status, did: one.body.did }).toEqual({ written, status: 201, did: e164 });
        }
      });

      test("a number another receptionist has is 409; the same receptionist again is 200 and changes nothing", async () => {
        const first = await h.api("POST", "/v1/numbers", { did: "+12125550110", receptionist_id: dental });
        expect(first.status).toBe(201);
        const again = await h.api("POST", "/v1/numbers", { did: "212-555-0110", receptionist_id: dental });
        expect(again.status).toBe(200);
        expect(again.body).toEqual(first.body);
        const taken = await h.api("POST", "/v1/numbers", { did: "(212) 555-0110", receptionist_id: solar });
        expect(taken.status).toBe(409);
        expect(taken.body.error).toEqual({
          code: "number_taken",
          message: "+12125550110 is routed to another receptionist; release it (DELETE /v1/numbers/+12125550110) to move it",
          details: [{ did: "+12125550110", receptionist_id: dental }],
        });
        expect((await routeForNumber(h.sb.database.db, "+12125550110"))?.receptionist.id).toBe(dental);
      });

      test("concurrent claims of one number: exactly one wins", async () => {
        const answers = await Promise.all(
          [dental, solar, dental, solar, solar, dental].map((id) => h.api("POST", "/v1/numbers", { did: "+12125550111", receptionist_id: id })),
        );
        const created = answers.filter((a) => a.status === 201);
        expect(created).toHaveLength(1);
        const winner = created[0]!.body.receptionist_id;
        for (const a of answers) {
          const mine = a.status === 201 || a.status === 200;
          expect(mine ? a.body.receptionist_id : a.body.error.details[0].receptionist_id).toBe(winner);
          expect([200, 201, 409]).toContain(a.status);
        }
      });

      test("an unknown or deleted receptionist is 422 naming receptionist_id", async () => {
        expect(await refusal("POST", "/v1/numbers", { did: "+12125550120", receptionist_id: UNKNOWN_ID })).toEqual([
          { field: "receptionist_id", message: "is not a receptionist (unknown or deleted)" },
        ]);
        const gone = (await h.api("POST", "/v1/receptionists", { template: "after-hours" })).body.id;
        expect((await h.api("DELETE", `/v1/receptionists/${gone}`)).status).toBe(200);
        expect(await refusal("POST", "/v1/numbers", { did: "+12125550120", receptionist_id: gone })).toEqual([
          { field: "receptionist_id", message: "is not a receptionist (unknown or deleted)" },
        ]);
        expect((await h.api("GET", "/v1/numbers/+12125550120")).status).toBe(404);
      });

      test("what is not a routable number, and odd bodies, are 422 naming the field", async () => {
        for (const did of ["555-0123", "+0 212 555 0123", "(112) 555-0123", "212 555 0123 ext 4", "+1 212 555 0123 4567 8901 23", "", "two one two", "+12125550123\u0000", 12125550123]) {
          const details = await refusal("POST", "/v1/numbers", { did, receptionist_id: dental });
          expect({ did, fields: details.map((d) => d.field) }).toEqual({ did, fields: ["did"] });
        }
        expect(await refusal("POST", "/v1/numbers", { did: "555-0123", receptionist_id: dental })).toEqual([
          { field: "did", message: "is not a phone number that can be routed: it has no area code (E.164 expected, e.g. +12125550123)" },
        ]);
        expect(await refusal("POST", "/v1/numbers", { did: "+12125550130", receptionist_id: "reception" })).toEqual([
          { field: "receptionist_id", message: expect.stringContaining("UUID") },
        ]);
        expect(await refusal("POST", "/v1/numbers", { did: "+12125550130", receptionist_id: dental, label: "main line" })).toEqual([
          { field: "label", message: "unknown field" },
        ]);
        expect((await refusal("POST", "/v1/numbers", {})).map((d) => d.field)).toEqual(["did", "receptionist_id"]);
      });
    });

    describe("listing and releasing", () => {
      test("listed newest first with a receptionist filter and a cursor", async () => {
        const desk = (await h.api("POST", "/v1/receptionists", { template: "after-hours" })).body.id;
        const dids = ["+13125550141", "+13125550142", "+13125550143"];
        for (const did of dids) expect((await h.api("POST", "/v1/numbers", { did, receptionist_id: desk })).status).toBe(201);
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const r: { status: number; body: any } = await h.api("GET", `/v1/numbers?receptionist_id=${desk}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
          expect(r.status).toBe(200);
          expect(r.body.numbers.every((n: any) => n.receptionist_id === desk)).toBe(true);
          seen.push(...r.body.numbers.map((n: any) => n.did));
          cursor = r.body.next_cursor;
        } while (cursor);
        expect(seen).toEqual([...dids].reverse());
        const all = await h.api("GET", "/v1/numbers?limit=500");
        expect(all.body.numbers.map((n: any) => n.did)).toEqual(expect.arrayContaining([...dids, "+12125550101"]));
        expect(await refusal("GET", "/v1/numbers?receptionist=x")).toEqual([{ field: "receptionist", message: "unknown field" }]);
        expect(await refusal("GET", "/v1/numbers?receptionist_id=x")).toEqual([{ field: "receptionist_id", message: expect.any(String) }]);
        expect(await refusal("GET", "/v1/numbers?cursor=abc")).toEqual([{ field: "cursor", message: expect.stringContaining("invalid cursor") }]);
      });

      test("DELETE releases a number, however it is written in the path", async () => {
        await h.api("POST", "/v1/numbers", { did: "+12125550150", receptionist_id: dental });
        await h.api("POST", "/v1/numbers", { did: "+12125550151", receptionist_id: dental });
        const got = await h.api("GET", "/v1/numbers/%2B12125550150");
        expect(got.body).toMatchObject({ did: "+12125550150", receptionist_id: dental });
        const released = await h.api("DELETE", "/v1/numbers/%2B12125550150");
        expect(released.status).toBe(200);
        expect(released.body).toMatchObject({ did: "+12125550150", receptionist_id: dental });
        expect(await routeForNumber(h.sb.database.db, "+12125550150")).toBeNull();
        expect((await h.api("DELETE", "/v1/numbers/+12125550150")).status).toBe(404);
        // The plain path form and a national spelling name the same number.
        expect((await h.api("DELETE", "/v1/numbers/(212)%20555-0151")).status).toBe(200);
        expect((await h.api("GET", "/v1/numbers/+12125550151")).status).toBe(404);
        // Once released, another receptionist may have it.
        expect((await h.api("POST", "/v1/numbers", { did: "+12125550150", receptionist_id: solar })).status).toBe(201);
        for (const did of ["abc", "%00", "5550123", "x".repeat(100)]) {
          expect({ did, details: await refusal("DELETE", `/v1/numbers/${did}`) }).toEqual({ did, details: [{ field: "did", message: expect.any(String) }] });
        }
      });

      test("deleting a receptionist releases its numbers", async () => {
        const desk = (await h.api("POST", "/v1/receptionists", { template: "general-business" })).body.id;
        for (const did of ["+14155550161", "+14155550162"]) await h.api("POST", "/v1/numbers", { did, receptionist_id: desk });
        expect((await h.api("GET", `/v1/numbers?receptionist_id=${desk}`)).body.numbers).toHaveLength(2);
        expect((await h.api("DELETE", `/v1/receptionists/${desk}`)).status).toBe(200);
        expect((await h.api("GET", `/v1/numbers?receptionist_id=${desk}`)).body.numbers).toEqual([]);
        expect((await h.api("GET", "/v1/numbers/+14155550161")).status).toBe(404);
        expect(await routeForNumber(h.sb.database.db, "+14155550162")).toBeNull();
        expect((await h.api("POST", "/v1/numbers", { did: "+14155550161", receptionist_id: dental })).status).toBe(201);
      });
    });
  });
}

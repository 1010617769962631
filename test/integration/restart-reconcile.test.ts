/**
 * Calls live when the runtime went away (kill -9, SIGTERM) are reconciled with
 * the switch when it starts again: those the switch no longer has are closed —
 * final status, ended_at, "ended while the runtime was down", journalled — and
 * those it still has are resumed and can be hung up. kill -9 is the real thing:
 * the runtime runs in its own process (`bun src/main.ts`) and is killed with
 * SIGKILL; the restart runs in this process on the same PostgreSQL database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { loadConfig } from "../../src/config.ts";
import { executeRows } from "../../src/db/client.ts";
import { startSwitchboard, type Switchboard } from "../../src/main.ts";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { apiRequest, type ApiRequest, createDatabase, startHarness, TEST_API_KEY, type Harness, waitForCallState } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const FINAL = new Set(["completed", "busy", "no-answer", "failed", "canceled"]);
const isFinal = (c: any) => FINAL.has(c.status);
const ROOT = join(import.meta.dir, "../..");

const scenario = {
  name: "restart",
  callees: [{ name: "never answers", match: { prefix: "408" }, outcome: "no_answer" as const }],
  defaultCallee: { outcome: "answer" as const, ringMs: 100 },
  defaultCaller: {},
};

const apiFor =
  (baseUrl: () => string): ApiRequest =>
  (method, path, body) =>
    apiRequest(baseUrl(), method, path, body);
const waitFor = waitForCallState;

/** What a call closed by reconcile looks like through the API. */
function expectClosedWhileDown(call: any, status: string, before: number): void {
  expect(call.status).toBe(status);
  expect(call.live).toBe(false);
  expect(call.state).toBe("ended");
  expect(call.ended_at).not.toBeNull();
  expect(Date.parse(call.ended_at)).toBeLessThanOrEqual(before);
  if (call.answered_at) expect(Date.parse(call.ended_at)).toBeGreaterThanOrEqual(Date.parse(call.answered_at));
  expect(call.hangup_cause).toBeNull();
  expect(call.error).toContain("ended while the runtime was down");
  expect(call.events.at(-1).name).toBe("ENDED_WHILE_DOWN");
}

/** `bun src/main.ts` in its own process; resolves once it prints where the API listens. */
async function spawnRuntime(env: Record<string, string>): Promise<{ url: string; proc: ReturnType<typeof Bun.spawn> }> {
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", OUTBOUND_SOCKET_PORT: "0", MEDIA_PORT: "0", SWITCHBOARD_API_KEY: TEST_API_KEY, LOG_LEVEL: "warn", ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
    const url = /API listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (url) {
      reader.releaseLock();
      return { url, proc };
    }
  }
  proc.kill(9);
  throw new Error(`the runtime did not start: ${out}`);
}

/** Until the database (not only the API) shows what the runtime holds: kill -9 loses what is not written. */
async function untilStored(url: string, ids: string[], statuses: string[]): Promise<void> {
  const db = (await import("postgres")).default(url, { max: 1, onnotice: () => {} });
  try {
    await until(
      "the calls to reach the database",
      async () => {
        const rows = await db<{ id: string; status: string }[]>`select id, status from calls where id in ${db(ids)}`;
        const byId = new Map(rows.map((r) => [r.id, r.status]));
        return ids.every((id, i) => byId.get(id) === statuses[i]);
      },
      5_000,
      20,
    );
  } finally {
    await db.end();
  }
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe("kill -9 of the embedded default", () => {
  test("a new embedded switch has none of the calls: every one is closed, none can be hung up, new calls work", async () => {
    const pg = await createDatabase();
    cleanups.push(() => pg.drop());
    const { url, proc } = await spawnRuntime({ DATABASE_URL: pg.url });
    cleanups.push(() => proc.kill(9));
    const first = apiFor(() => url);

    const answered = await Promise.all([1, 2].map(() => first("POST", "/v1/calls", { to: "+15557770001", from: "+15550001111" })));
    const ringing = await first("POST", "/v1/calls", { to: "4085550100", from: "+15550001111", timeout_s: 600 });
    const ids = [...answered.map((r) => r.body.id as string), ringing.body.id as string];
    for (const id of ids.slice(0, 2)) await waitFor(first, id, (c) => c.status === "in-progress", 15_000);
    await waitFor(first, ids[2]!, (c) => c.status === "ringing");
    await untilStored(pg.url, ids, ["in-progress", "in-progress", "ringing"]);

    proc.kill(9);
    await proc.exited;

    const sb = await startSwitchboard(loadConfig({ PORT: "0", OUTBOUND_SOCKET_PORT: "0", MEDIA_PORT: "0", DATABASE_URL: pg.url, SWITCHBOARD_API_KEY: TEST_API_KEY, LOG_LEVEL: "warn" }));
    cleanups.push(() => sb.stop());
    const api = apiFor(() => sb.url);
    const now = Date.now();

    const calls = await Promise.all(ids.map(async (id) => (await api("GET", `/v1/calls/${id}`)).body));
    expectClosedWhileDown(calls[0], "completed", now);
    expectClosedWhileDown(calls[1], "completed", now);
    expectClosedWhileDown(calls[2], "failed", now);
    expect(calls[2].answered_at).toBeNull();
    for (const id of ids) expect((await api("DELETE", `/v1/calls/${id}`)).status).toBe(409);
    const actors = (await api("GET", "/v1/actors")).body.actors.map((a: any) => a.id);
    for (const id of ids) expect(actors).not.toContain(id);

    const fresh = await api("POST", "/v1/calls", { to: "+15557770009", from: "+15550001111" });
    expect(fresh.status).toBe(201);
    await waitFor(api, fresh.body.id, (c) => c.status === "in-progress", 5000);
    expect((await api("DELETE", `/v1/calls/${fresh.body.id}`)).status).toBe(202);
  }, 40_000);
});

describe("kill -9 while the switch keeps the calls", () => {
  test("calls still up are resumed and can be hung up; the one that ended meanwhile is closed", async () => {
    const pg = await createDatabase();
    cleanups.push(() => pg.drop());
    const sim = new SwitchSimulator({ port: 0, timeScale: 0.2, scenario, heartbeatIntervalMs: 0 });
    await sim.start();
    cleanups.push(() => sim.stop());
    const env = { DATABASE_URL: pg.url, ESL_HOST: "127.0.0.1", ESL_PORT: String(sim.port), DIAL_GATEWAY: "carrier" };
    const { url, proc } = await spawnRuntime(env);
    cleanups.push(() => proc.kill(9));
    const first = apiFor(() => url);

    const [stays, ends] = await Promise.all([1, 2].map(async () => (await first("POST", "/v1/calls", { to: "+15557770001", from: "+15550001111" })).body.id as string));
    const rings = (await first("POST", "/v1/calls", { to: "4085550100", from: "+15550001111", timeout_s: 600 })).body.id as string;
    await waitFor(first, stays!, (c) => c.status === "in-progress");
    await waitFor(first, ends!, (c) => c.status === "in-progress");
    await waitFor(first, rings, (c) => c.status === "ringing");
    await untilStored(pg.url, [stays!, ends!, rings], ["in-progress", "in-progress", "ringing"]);

    proc.kill(9);
    await proc.exited;
    // While nobody listens, the far end of one call hangs up.
    expect(sim.hangup(ends!, "NORMAL_CLEARING")).toBe(true);

    const sb = await startSwitchboard(loadConfig({ PORT: "0", OUTBOUND_SOCKET_PORT: "0", MEDIA_PORT: "0", SWITCHBOARD_API_KEY: TEST_API_KEY, LOG_LEVEL: "warn", ...env }));
    cleanups.push(() => sb.stop());
    const api = apiFor(() => sb.url);
    const now = Date.now();

    expectClosedWhileDown((await api("GET", `/v1/calls/${ends}`)).body, "completed", now);
    expect((await api("DELETE", `/v1/calls/${ends}`)).status).toBe(409);

    const resumed = (await api("GET", `/v1/calls/${stays}`)).body;
    expect(resumed.live).toBe(true);
    expect(resumed.status).toBe("in-progress");
    expect(resumed.events.some((e: any) => e.name === "RESUMED")).toBe(true);
    const stillRinging = (await api("GET", `/v1/calls/${rings}`)).body;
    expect(stillRinging.live).toBe(true);
    expect(stillRinging.status).toBe("ringing");
    const actors = (await api("GET", "/v1/actors")).body.actors.map((a: any) => a.id);
    expect(actors).toContain(stays);
    expect(actors).toContain(rings);
    expect(actors).not.toContain(ends);

    expect((await api("DELETE", `/v1/calls/${stays}`)).status).toBe(202);
    expect((await api("DELETE", `/v1/calls/${rings}`)).status).toBe(202);
    const hungUp = await waitFor(api, stays!, isFinal);
    expect(hungUp.status).toBe("completed");
    expect(hungUp.hangup_by).toBe("api");
    expect((await waitFor(api, rings, isFinal)).status).toBe("canceled");
  }, 40_000);
});

for (const db of ["pglite", "postgres"] as const) {
  describe(`SIGTERM (a clean stop) with live calls (${db})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ db, scenario, timeScale: 0.2 });
    });
    afterAll(async () => {
      await h?.close();
    });

    test("calls the switch dropped while the runtime was stopped are final after the restart; the one it kept is resumed", async () => {
      const place = async (to: string, extra: object = {}) => (await h.api("POST", "/v1/calls", { to, from: "+15550001111", ...extra })).body.id as string;
      const kept = await place("+15557770001");
      const dropped = await place("+15557770002");
      const ringing = await place("4085550101", { timeout_s: 600 });
      await h.waitForCall(kept, (c) => c.status === "in-progress");
      await h.waitForCall(dropped, (c) => c.status === "in-progress");
      await h.waitForCall(ringing, (c) => c.status === "ringing");

      await h.restart({
        whileDown: () => {
          expect(h.sim.hangup(dropped, "NORMAL_CLEARING")).toBe(true);
          expect(h.sim.hangup(ringing, "NORMAL_CLEARING")).toBe(true);
        },
      });
      const now = Date.now();

      expectClosedWhileDown((await h.api("GET", `/v1/calls/${dropped}`)).body, "completed", now);
      expectClosedWhileDown((await h.api("GET", `/v1/calls/${ringing}`)).body, "failed", now);
      expect((await h.api("DELETE", `/v1/calls/${dropped}`)).status).toBe(409);
      // Every closed call is final in the database too, with no snapshot left to resume.
      const rows = await executeRows<{ id: string; status: string; snapshot: unknown }>(
        h.sb.database.db,
        sql`select id, status, snapshot from calls where id in ${[dropped, ringing]}`,
      );
      expect(rows.map((r) => [r.status, r.snapshot]).sort()).toEqual([["completed", null], ["failed", null]]);

      const resumed = await h.waitForCall(kept, (c) => c.live === true && c.events.some((e: any) => e.name === "RESUMED"));
      expect(resumed.status).toBe("in-progress");
      expect((await h.api("DELETE", `/v1/calls/${kept}`)).status).toBe(202);
      expect((await h.waitForCall(kept, isFinal)).status).toBe("completed");
    });
  });
}

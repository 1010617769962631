/**
 * Starts the whole runtime for an end-to-end test: the switch simulator (fast
 * time scale), the real ESL client, the database (PGlite in a temp dir, or a
 * fresh database on the machine's PostgreSQL), the runtime and the HTTP server
 * on ephemeral ports.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { loadConfig } from "../../src/config.ts";
import { startSwitchboard, type StartOptions, type Switchboard } from "../../src/main.ts";
import { SwitchSimulator, type ScenarioInput } from "../../src/sim/index.ts";
import { until } from "./until.ts";

export const TEST_API_KEY = "sk_test_0123456789abcdefghijklmnopqrstuv";
export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type DbKind = "pglite" | "postgres";

export interface Harness {
  sb: Switchboard;
  sim: SwitchSimulator;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Poll GET /v1/calls/:id until `done` says so (or fail after `timeoutMs`). */
  waitForCall(id: string, done: (call: any) => boolean, timeoutMs?: number): Promise<any>;
  /**
   * Stop the runtime as SIGTERM does and start it again on the same database and
   * simulator; `whileDown` runs in between (e.g. the far end hangs up meanwhile).
   */
  restart(opts?: { whileDown?: () => void | Promise<void> }): Promise<void>;
  close(): Promise<void>;
}

export type ApiRequest = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** One authenticated request to the HTTP API at `baseUrl`; the body is parsed as JSON when it is JSON. */
export async function apiRequest(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      authorization: `Bearer ${TEST_API_KEY}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

/** Poll GET /v1/calls/:id through `api` until `done` says so (or fail after `timeoutMs`, naming what was last seen). */
export function waitForCallState(api: ApiRequest, id: string, done: (call: any) => boolean, timeoutMs = 10_000): Promise<any> {
  let last: any;
  return until(
    () => `call ${id} to reach the expected state; last seen: ${JSON.stringify(last)?.slice(0, 800)}`,
    async () => {
      const r = await api("GET", `/v1/calls/${id}`);
      last = r.body;
      return r.status === 200 && done(r.body) ? r.body : null;
    },
    timeoutMs,
    20,
  );
}

export interface HarnessOptions {
  db: DbKind;
  scenario?: ScenarioInput;
  /** Multiplies every scripted delay in the simulator; default 0.05. */
  timeScale?: number;
  env?: Record<string, string>;
  /** More options for startSwitchboard (simulated services' latencies, tools, conversation settings). */
  start?: Omit<StartOptions, "simulator" | "reconnect">;
}

export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `switchboard_test_${Math.random().toString(36).slice(2, 10)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "switchboard-test-"));
  const pg = opts.db === "postgres" ? await createDatabase() : null;
  const sim = new SwitchSimulator({ port: 0, timeScale: opts.timeScale ?? 0.05, scenario: opts.scenario, heartbeatIntervalMs: 0 });
  await sim.start();
  const config = loadConfig({
    PORT: "0",
    OUTBOUND_SOCKET_PORT: "0",
    MEDIA_PORT: "0",
    DATA_DIR: dataDir,
    SWITCHBOARD_API_KEY: TEST_API_KEY,
    LOG_LEVEL: "warn",
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    ...opts.env,
  });
  const start = () => startSwitchboard(config, { ...opts.start, simulator: sim, reconnect: { initialDelayMs: 20, maxDelayMs: 200 } });
  let sb = await start();

  const harness: Harness = {
    get sb() {
      return sb;
    },
    sim,
    api: (method, path, body, headers) => apiRequest(sb.url, method, path, body, headers),
    waitForCall: (id, done, timeoutMs) => waitForCallState(harness.api, id, done, timeoutMs),
    async restart(opts = {}) {
      await sb.stop();
      await opts.whileDown?.();
      sb = await start();
    },
    async close() {
      await sb.stop();
      await sim.stop();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Hostile text through the whole runtime: what reaches the switch is read on
 * the wire, between the runtime's ESL client and the simulator (a TCP tap), so
 * these tests see the exact bytes FreeSWITCH would get. `${system(…)}` in any
 * text field never arrives as `${`; dial strings that would add legs or set
 * channel variables never arrive at all (422, naming the field).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { startSwitchboard, type Switchboard } from "../../src/main.ts";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { TEST_API_KEY } from "../support/switchboard.ts";

/** Forwards TCP to `target` and keeps every byte the client sent. */
async function startTap(target: () => number): Promise<{ port: number; sent: () => string; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target(), "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (d: Buffer) => {
      chunks.push(d);
      upstream.write(d);
    });
    upstream.on("data", (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sent: () => Buffer.concat(chunks).toString("utf8"),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const HOSTILE = "${system(touch /tmp/switchboard-pwned)}";

describe("user text reaching the switch (bytes on the ESL wire)", () => {
  let sim: SwitchSimulator;
  let tap: Awaited<ReturnType<typeof startTap>>;
  let sb: Switchboard;
  let dataDir: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(sb.url + path, {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const waitFor = async (id: string, done: (c: any) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const r = await api("GET", `/v1/calls/${id}`);
      if (done(r.body)) return r.body;
      await Bun.sleep(20);
    }
    throw new Error(`call ${id} never got there`);
  };
  /** Waits until the wire has carried `needle`, then returns everything sent so far. */
  const wireWith = async (needle: string) => {
    for (let i = 0; i < 250 && !tap.sent().includes(needle); i++) await Bun.sleep(20);
    expect(tap.sent()).toContain(needle);
    return tap.sent();
  };

  beforeAll(async () => {
    sim = new SwitchSimulator({
      port: 0,
      timeScale: 0.05,
      heartbeatIntervalMs: 0,
      scenario: { name: "injection", callees: [], defaultCallee: { outcome: "answer", ringMs: 200 }, defaultCaller: {} },
    });
    await sim.start();
    tap = await startTap(() => sim.port);
    dataDir = mkdtempSync(join(tmpdir(), "switchboard-injection-"));
    const config = loadConfig({
      PORT: "0",
      OUTBOUND_SOCKET_PORT: "0",
      MEDIA_PORT: "0",
      DATA_DIR: dataDir,
      SWITCHBOARD_API_KEY: TEST_API_KEY,
      LOG_LEVEL: "silent",
      ESL_HOST: "127.0.0.1",
      ESL_PORT: String(tap.port),
      DIAL_GATEWAY: "carrier",
    });
    sb = await startSwitchboard(config, { simulator: sim });
  });
  afterAll(async () => {
    await sb?.stop();
    await tap?.close();
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("say, a scripted say, a first_action gather prompt and a live gather prompt: ${ never reaches the switch, $5 does", async () => {
    const created = await api("POST", "/v1/calls", {
      to: "+15551230000",
      from: "+15550001111",
      first_action: { type: "gather", max_digits: 1, timeout_ms: 500, say: `First ${HOSTILE}` },
      actions: [{ type: "say", text: `Scripted ${HOSTILE}` }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await waitFor(id, (c) => c.status === "in-progress" && c.activity === "idle");

    expect((await api("POST", `/v1/calls/${id}/actions`, { type: "say", text: `Live ${HOSTILE} and that costs $5` })).status).toBe(202);
    await waitFor(id, (c) => c.activity === "idle");
    expect((await api("POST", `/v1/calls/${id}/actions`, { type: "gather", timeout_ms: 500, say: "Gather $\\{x} \\${y} " + HOSTILE })).status).toBe(202);
    await waitFor(id, (c) => c.activity === "idle");
    await api("DELETE", `/v1/calls/${id}`);

    const bytes = await wireWith("Live $ {system(touch /tmp/switchboard-pwned)} and that costs $5");
    expect(bytes).toContain("'tts://flite|kal|First $ {system(touch /tmp/switchboard-pwned)}'");
    expect(bytes).toContain("execute-app-arg: flite|kal|Scripted $ {system(touch /tmp/switchboard-pwned)}\n");
    expect(bytes).toContain("'tts://flite|kal|Gather $ {x}  $ {y} $ {system(touch /tmp/switchboard-pwned)}'");
    expect(bytes).not.toContain("${");
  });

  test("a play URL, a caller name or a transfer with ${…} is refused (422) and nothing is sent", async () => {
    const before = tap.sent().length;
    const a = await api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", from_name: HOSTILE });
    expect(a.status).toBe(422);
    expect(a.body.error.details.map((d: any) => d.field)).toContain("from_name");
    const b = await api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111", first_action: { type: "play", url: `/tmp/${HOSTILE}.wav` } });
    expect(b.status).toBe(422);
    expect(b.body.error.details.map((d: any) => d.field)).toContain("first_action.url");
    await Bun.sleep(50);
    expect(tap.sent().slice(before)).not.toContain("originate");

    const created = await api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
    const id = created.body.id;
    await waitFor(id, (c) => c.status === "in-progress");
    const play = await api("POST", `/v1/calls/${id}/actions`, { type: "play", url: `/var/sounds/${HOSTILE}.wav` });
    expect(play.status).toBe(422);
    expect(play.body.error.details.map((d: any) => d.field)).toContain("url");
    const transfer = await api("POST", `/v1/calls/${id}/actions`, { type: "transfer", extension: HOSTILE });
    expect(transfer.status).toBe(422);
    await api("DELETE", `/v1/calls/${id}`);
    expect(tap.sent()).not.toContain("${");
  });

  const injectedDialStrings = [
    "error/user_busy|[api_hangup_hook=system::touch$IFS/tmp/x]loopback/3000/default",
    "[origination_caller_id_number=666]user/1000",
    "{origination_caller_id_number=666}user/1000",
    "user/1000,user/1001",
    "user/1000:_:user/1001",
    "user/1000^user/1001",
    "sofia/gateway/carrier/1555|user/1000",
    "sofia/internal/1000@10.0.0.1",
    "loopback/1000/default/extra",
  ];

  test("dial-string injection in `to` is refused with 422 naming `to`, and never dialled", async () => {
    const before = tap.sent().length;
    for (const to of injectedDialStrings) {
      const r = await api("POST", "/v1/calls", { to, from: "+15550001111" });
      expect(r.status).toBe(422);
      expect(r.body.error.details.map((d: any) => d.field)).toEqual(["to"]);
    }
    await Bun.sleep(50);
    expect(tap.sent().slice(before)).not.toContain("originate");
  });

  test("dial-string injection in a bridge target is refused with 422 naming `to`, and never bridged", async () => {
    const created = await api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
    const id = created.body.id;
    await waitFor(id, (c) => c.status === "in-progress");
    for (const to of injectedDialStrings) {
      const r = await api("POST", `/v1/calls/${id}/actions`, { type: "bridge", to });
      expect(r.status).toBe(422);
      expect(r.body.error.details.map((d: any) => d.field)).toEqual(["to"]);
    }
    await api("DELETE", `/v1/calls/${id}`);
    expect(tap.sent()).not.toContain("execute-app-name: bridge");
  });

  test("the documented destination kinds are still dialled", async () => {
    for (const to of ["+15551230000", "sofia/gateway/carrier/15551230000", "user/1000", "loopback/1000/default", "error/user_busy"]) {
      const r = await api("POST", "/v1/calls", { to, from: "+15550001111", timeout_s: 5 });
      expect(r.status).toBe(201);
      await wireWith(`}${to === "+15551230000" ? "sofia/gateway/carrier/+15551230000" : to} &park()`);
      await api("DELETE", `/v1/calls/${r.body.id}`);
    }
  });
});

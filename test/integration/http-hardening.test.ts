/**
 * The HTTP edge against hostile input (issue 6, findings 3, 4, 5, 6 and 9):
 * the key is checked before any body work, bodies are capped in size and
 * depth, odd input is a 4xx in the API's error shape (never a 5xx), strings
 * PostgreSQL cannot store are refused naming the field, status_callback is a
 * plain public http(s) URL, and unknown fields are refused by name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, TEST_API_KEY, type Harness } from "../support/switchboard.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ db: "pglite" });
});
afterAll(async () => {
  await h?.close();
});

const call = { to: "+15551230000", from: "+15550001111", dry_run: true };

/** A raw request: the harness's api() always sends the key and JSON. */
async function raw(path: string, init: RequestInit = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(h.sb.url + path, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body, ms: performance.now() - started };
}

const keyed = { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json" };

/** The error shape every refusal has. */
function expectErrorShape(body: any, code?: string): void {
  expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
  if (code) expect(body.error.code).toBe(code);
}

const fields = (r: { body: any }) => r.body.error.details.map((d: any) => d.field);
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const nestedArrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

describe("authentication comes before any work (finding 3)", () => {
  test("a keyless 60 KB body of nested arrays is answered 401 at once, and /health does not stall meanwhile", async () => {
    const body = nestedArrays(30_000);
    const [refused, health] = await Promise.all([
      raw("/v1/calls", { method: "POST", headers: { "content-type": "application/json" }, body }),
      Bun.sleep(5).then(() => raw("/health")),
    ]);
    expect(refused.status).toBe(401);
    expectErrorShape(refused.body, "unauthorized");
    expect(refused.ms).toBeLessThan(1000);
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(1000);
  });

  test("a wrong key with a body is 401 too, before the body is looked at", async () => {
    const r = await raw("/v1/calls", { method: "POST", headers: { ...keyed, authorization: "Bearer sk_wrong" }, body: "{nope" });
    expect(r.status).toBe(401);
    expectErrorShape(r.body, "unauthorized");
  });

  test("an unknown /v1 route without a key is 401, not 404; with the key it is 404", async () => {
    const anonymous = await raw("/v1/no-such-thing");
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.body, "unauthorized");
    const known = await raw("/v1/no-such-thing", { headers: keyed });
    expect(known.status).toBe(404);
    expectErrorShape(known.body, "not_found");
  });

  test("/health, /metrics and /docs need no key", async () => {
    expect((await raw("/health")).status).toBe(200);
    expect((await raw("/metrics")).status).toBe(200);
    expect((await raw("/docs/json")).status).toBe(200);
  });

  test("a body over 64 KiB is 413 in the error shape, declared or streamed", async () => {
    const big = JSON.stringify({ ...call, from_name: "x".repeat(70_000) });
    const declared = await raw("/v1/calls", { method: "POST", headers: keyed, body: big });
    expect(declared.status).toBe(413);
    expectErrorShape(declared.body, "body_too_large");

    // No Content-Length: the body arrives chunked and is cut off at the cap.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode("x".repeat(8192)));
        controller.close();
      },
    });
    const streamed = await raw("/v1/calls", { method: "POST", headers: keyed, body: stream });
    expect(streamed.status).toBe(413);
    expectErrorShape(streamed.body, "body_too_large");
  });

  test("a keyed deeply nested body is refused quickly as 400 without validating it", async () => {
    const r = await raw("/v1/calls", { method: "POST", headers: keyed, body: nestedArrays(30_000) });
    expect(r.status).toBe(400);
    expectErrorShape(r.body, "invalid_json");
    expect(r.body.error.message).toContain("nests deeper");
    expect(r.ms).toBeLessThan(1000);
  });

  test("a body that is not JSON is 415", async () => {
    const r = await raw("/v1/calls", { method: "POST", headers: { ...keyed, "content-type": "text/plain" }, body: "to=1" });
    expect(r.status).toBe(415);
    expectErrorShape(r.body, "unsupported_media_type");
  });
});

describe("odd input is a 4xx in the error shape, never a 5xx (finding 4)", () => {
  test("a cursor decoding to an out-of-range date is 422 naming cursor", async () => {
    const r = await h.api("GET", `/v1/calls?cursor=${cursorOf([1e20, "x"])}`);
    expect(r.status).toBe(422);
    expectErrorShape(r.body, "invalid_request");
    expect(fields(r)).toEqual(["cursor"]);
  });

  test("a cursor decoding to an id with a NUL is 422 naming cursor", async () => {
    const r = await h.api("GET", `/v1/calls?cursor=${cursorOf([1, "x\u0000"])}`);
    expect(r.status).toBe(422);
    expect(fields(r)).toEqual(["cursor"]);
  });

  test("cursors that are not ours are 422: garbage, a NUL, negative or fractional times", async () => {
    for (const cursor of ["%00", "not-base64-json", cursorOf([-1, "x"]), cursorOf([1.5, "x"]), cursorOf({ a: 1 }), cursorOf([1, "x", 3])]) {
      const r = await h.api("GET", `/v1/calls?cursor=${cursor}`);
      expect(r.status).toBe(422);
      expect(fields(r)).toEqual(["cursor"]);
    }
  });

  test("an id with a NUL is 422 naming id on every call route", async () => {
    const attempts = [
      h.api("GET", "/v1/calls/%00"),
      h.api("DELETE", "/v1/calls/%00"),
      h.api("POST", "/v1/calls/%00/actions", { type: "answer" }),
      h.api("GET", "/v1/actors/%00"),
    ];
    for (const r of await Promise.all(attempts)) {
      expect(r.status).toBe(422);
      expectErrorShape(r.body, "invalid_request");
      expect(fields(r)).toEqual(["id"]);
    }
  });

  test("ids with malformed or non-ASCII percent-escapes are a 4xx", async () => {
    for (const id of ["%E0%A4%A", "%ED%A0%80", "%C3%A9", "%"]) {
      const r = await h.api("GET", `/v1/calls/${id}`);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expectErrorShape(r.body);
    }
  });

  test("50,000-deep JSON is a 4xx in the error shape: over the size cap (413), or under it too deep (400)", async () => {
    const deep = await h.api("POST", "/v1/calls", nestedArrays(50_000));
    expect(deep.status).toBe(413);
    expectErrorShape(deep.body, "body_too_large");
    const roomy = await startHarness({ db: "pglite", env: { HTTP_MAX_BODY_BYTES: "1048576" } });
    try {
      const r = await roomy.api("POST", "/v1/calls", nestedArrays(50_000));
      expect(r.status).toBe(400);
      expectErrorShape(r.body, "invalid_json");
    } finally {
      await roomy.close();
    }
  });

  test("invalid UTF-8 in a body is a 400", async () => {
    const r = await raw("/v1/calls", { method: "POST", headers: keyed, body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) });
    expect(r.status).toBe(400);
    expectErrorShape(r.body, "invalid_json");
  });

  test("a list page still works, and its cursor leads to the next page", async () => {
    for (let i = 0; i < 3; i++) expect((await h.api("POST", "/v1/calls", call)).status).toBe(201);
    await h.sb.journal.flush();
    const first = await h.api("GET", "/v1/calls?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await h.api("GET", `/v1/calls?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.calls.length).toBeGreaterThan(0);
  });
});

describe("strings PostgreSQL cannot store are refused at the edge, naming the field (finding 5)", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["a lone surrogate in from_name", { from_name: "Ann \ud800" }, "from_name"],
    ["a NUL in from_name", { from_name: "Ann\u0000" }, "from_name"],
    ["a lone surrogate in first_action say text", { first_action: { type: "say", text: "Hello \udc00" } }, "first_action.text"],
    ["a NUL in an actions say text", { actions: [{ type: "say", text: "Hi\u0000" }] }, "actions.0.text"],
    ["a lone surrogate in a gather prompt", { actions: [{ type: "gather", say: "Press \ud83d" }] }, "actions.0.say"],
    ["a lone surrogate in a play url", { actions: [{ type: "play", url: "http://example.com/\udfff.wav" }] }, "actions.0.url"],
    ["a lone surrogate in status_callback", { status_callback: "https://example.com/\ud800" }, "status_callback"],
  ];
  for (const [what, extra, field] of cases) {
    test(`${what} → 422 naming ${field}`, async () => {
      const r = await h.api("POST", "/v1/calls", { ...call, ...extra });
      expect(r.status).toBe(422);
      expectErrorShape(r.body, "invalid_request");
      expect(fields(r)).toContain(field);
      expect(r.body.error.details.find((d: any) => d.field === field).message).toContain("well-formed Unicode");
    });
  }

  test("a lone surrogate in a live say action is refused naming text", async () => {
    const placed = await h.api("POST", "/v1/calls", call);
    const r = await h.api("POST", `/v1/calls/${placed.body.id}/actions`, { type: "say", text: "x\ud800" });
    expect(r.status).toBe(422);
    expect(fields(r)).toEqual(["text"]);
  });

  test("well-formed text beyond the BMP is accepted and stored intact", async () => {
    const r = await h.api("POST", "/v1/calls", { ...call, first_action: { type: "say", text: "Thanks 😀, that costs $5" } });
    expect(r.status).toBe(201);
  });
});

describe("status_callback is a plain public http(s) URL (finding 6)", () => {
  const refused: Array<[string, string]> = [
    ["CR/LF and an ESL command", "http://x/\n\napi uuid_kill all"],
    ["a NUL", "http://example.com/\u0000"],
    ["a tab", "http://exa\tmple.com/"],
    ["a space", "http://example.com/a b"],
    ["another scheme", "ftp://example.com/cb"],
    ["no scheme", "example.com/cb"],
    ["credentials", "https://user:secret@example.com/cb"],
    ["a javascript URL", "javascript:alert(1)"],
    ["too long", `https://example.com/${"a".repeat(2100)}`],
    ["localhost", "http://localhost:8080/cb"],
    ["a *.localhost name", "http://api.localhost/cb"],
    ["loopback", "http://127.0.0.1/cb"],
    ["loopback in decimal", "http://2130706433/cb"],
    ["loopback in hex shorthand", "http://0x7f.1/cb"],
    ["0.0.0.0", "http://0.0.0.0/cb"],
    ["10/8", "http://10.1.2.3/cb"],
    ["172.16/12", "http://172.31.255.1/cb"],
    ["192.168/16", "http://192.168.1.1/cb"],
    ["cloud metadata (169.254/16)", "http://169.254.169.254/latest/meta-data"],
    ["IPv6 loopback", "http://[::1]/cb"],
    ["IPv6 unique-local", "http://[fd00::1]/cb"],
    ["IPv6 link-local", "http://[fe80::1]/cb"],
    ["IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/cb"],
    ["IPv4-mapped private, in hex", "http://[::ffff:a00:1]/cb"],
  ];
  for (const [what, url] of refused) {
    test(`refused: ${what}`, async () => {
      const r = await h.api("POST", "/v1/calls", { ...call, status_callback: url });
      expect(r.status).toBe(422);
      expectErrorShape(r.body, "invalid_request");
      expect(fields(r)).toEqual(["status_callback"]);
    });
  }

  test("a public https URL is accepted and stored as sent", async () => {
    const url = "https://hooks.example.com:8443/switchboard/status?tenant=42";
    const r = await h.api("POST", "/v1/calls", { ...call, status_callback: url });
    expect(r.status).toBe(201);
    expect(r.body.status_callback).toBe(url);
  });

  test("with WEBHOOK_ALLOW_PRIVATE=true, loopback and private targets are accepted (syntax still checked)", async () => {
    const open = await startHarness({ db: "pglite", env: { WEBHOOK_ALLOW_PRIVATE: "true" } });
    try {
      for (const url of ["http://127.0.0.1:9000/cb", "http://localhost/cb", "http://[::1]/cb", "http://10.0.0.5/cb"]) {
        const r = await open.api("POST", "/v1/calls", { ...call, status_callback: url });
        expect(r.status).toBe(201);
      }
      const bad = await open.api("POST", "/v1/calls", { ...call, status_callback: "http://127.0.0.1/\r\nx" });
      expect(bad.status).toBe(422);
    } finally {
      await open.close();
    }
  });
});

describe("unknown fields are refused by name (finding 9)", () => {
  test("misspelt and unsupported top-level fields: one detail each", async () => {
    const r = await h.api("POST", "/v1/calls", { ...call, conversaton: { flow: "x" }, recrd: true });
    expect(r.status).toBe(422);
    expectErrorShape(r.body, "invalid_request");
    expect(fields(r).sort()).toEqual(["conversaton", "recrd"]);
    for (const d of r.body.error.details) expect(d.message).toBe("unknown field");
  });

  test("unknown fields inside nested steps are named with their path", async () => {
    const r = await h.api("POST", "/v1/calls", {
      ...call,
      first_action: { type: "say", text: "hi", volume: 3 },
      actions: [{ type: "hangup" }, { type: "play", url: "ivr/ivr-welcome.wav", lop: 2 }],
    });
    expect(r.status).toBe(422);
    expect(fields(r).sort()).toEqual(["actions.1.lop", "first_action.volume"]);
  });

  test("an unknown field in a live action is refused", async () => {
    const placed = await h.api("POST", "/v1/calls", call);
    const r = await h.api("POST", `/v1/calls/${placed.body.id}/actions`, { type: "hangup", reson: "NORMAL_CLEARING" });
    expect(r.status).toBe(422);
    expect(fields(r)).toEqual(["reson"]);
  });

  test("an unknown query parameter is refused", async () => {
    const r = await h.api("GET", "/v1/calls?limit=5&stauts=busy");
    expect(r.status).toBe(422);
    expect(fields(r)).toEqual(["stauts"]);
  });
});

describe("no request above answered 5xx", () => {
  test("the API's 5xx counter is still zero", async () => {
    const metrics = await raw("/metrics");
    expect(metrics.body).toContain("switchboard_api_requests_total");
    expect(metrics.body).not.toMatch(/switchboard_api_requests_total\{class="5xx"\} [1-9]/);
  });
});

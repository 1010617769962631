/**
 * The text test bench's edges: what the API refuses and how (404 for a
 * receptionist, version or session that is not there, 422 naming the field,
 * 409 on an ended session, 429 past TEXT_SESSIONS_MAX, 401 without the key),
 * the version a session pins, the OpenAPI document; and the session store's
 * own rules (a turn while the last is answered, the idle TTL) with a model
 * that answers when told to.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChatRequest, LanguageModel, LlmChunk } from "../../machines/ports/index.ts";
import { createRuntimeMetrics } from "../../src/runtime/runtime-metrics.ts";
import { SessionEndedError, TurnInProgressError } from "../../src/runtime/text-session.ts";
import { TextSessionRefusal, TextSessions } from "../../src/runtime/text-sessions.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

const NOBODY = "00000000-0000-4000-8000-000000000000";

describe("text test bench: the API's edges", () => {
  let h: Harness;
  let receptionistId: string;

  const open = (id: string, body?: unknown) => h.api("POST", `/v1/receptionists/${id}/test`, body);
  const turn = (id: string, body: unknown) => h.api("POST", `/v1/test-sessions/${id}/turns`, body);
  const fields = (r: { body: any }) => r.body.error.details.map((d: any) => d.field);

  beforeAll(async () => {
    h = await startHarness({ db: "pglite", env: { TEXT_SESSIONS_MAX: "2" }, start: { openai: { timeToFirstTokenMs: 5, tokensPerSecond: 5000 } } });
    const created = await h.api("POST", "/v1/receptionists", { template: "medical-office" });
    expect(created.status).toBe(201);
    receptionistId = created.body.id;
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  test("404 for a receptionist or version that does not exist, 422 for an id that is not one", async () => {
    const nobody = await open(NOBODY);
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe("not_found");
    expect((await open("not-a-uuid")).status).toBe(422);
    const noVersion = await open(receptionistId, { version: 7 });
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error.message).toContain("no version 7");
  });

  test("422 names the bad field: text empty, blank, too long, missing; a caller number that is not one; an unknown field", async () => {
    const s = await open(receptionistId);
    expect(s.status).toBe(201);
    for (const body of [{ text: "" }, { text: "   " }, { text: "x".repeat(2001) }, {}, { text: 42 }]) {
      const r = await turn(s.body.id, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(fields(r)).toEqual(["text"]);
    }
    const extra = await turn(s.body.id, { text: "hello", speaker: "me" });
    expect(extra.status).toBe(422);
    expect(fields(extra)).toEqual(["speaker"]);
    const badNumber = await open(receptionistId, { caller_number: "call me maybe" });
    expect(badNumber.status).toBe(422);
    expect(fields(badNumber)).toEqual(["caller_number"]);
    const badSandbox = await open(receptionistId, { sandbox: "no" });
    expect(badSandbox.status).toBe(422);
    expect(fields(badSandbox)).toEqual(["sandbox"]);
    expect((await h.api("DELETE", `/v1/test-sessions/${s.body.id}`)).status).toBe(200);
  });

  test("an unknown session is 404; DELETE ends one, which then refuses turns with 409 and stays readable", async () => {
    expect((await turn(NOBODY, { text: "hi" })).status).toBe(404);
    expect((await h.api("GET", `/v1/test-sessions/${NOBODY}`)).status).toBe(404);
    expect((await h.api("DELETE", `/v1/test-sessions/${NOBODY}`)).status).toBe(404);
    const s = await open(receptionistId);
    const ended = await h.api("DELETE", `/v1/test-sessions/${s.body.id}`);
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: s.body.id, ended: true, state: "ended", outcome: "caller_hung_up" });
    expect(ended.body.ended_at).not.toBeNull();
    const late = await turn(s.body.id, { text: "are you there?" });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("invalid_state");
    expect((await h.api("GET", `/v1/test-sessions/${s.body.id}`)).body.transcript).toHaveLength(1);
  });

  test("at most TEXT_SESSIONS_MAX live sessions: 429 beyond, room again once one ends", async () => {
    const a = await open(receptionistId);
    const b = await open(receptionistId);
    expect([a.status, b.status]).toEqual([201, 201]);
    const c = await open(receptionistId);
    expect(c.status).toBe(429);
    expect(c.body.error.code).toBe("too_many_sessions");
    await h.api("DELETE", `/v1/test-sessions/${a.body.id}`);
    const d = await open(receptionistId);
    expect(d.status).toBe(201);
    await h.api("DELETE", `/v1/test-sessions/${b.body.id}`);
    await h.api("DELETE", `/v1/test-sessions/${d.body.id}`);
  });

  test("a session pins the version it was opened on", async () => {
    const current = await h.api("GET", `/v1/receptionists/${receptionistId}`);
    const definition = { ...current.body.definition, greeting: "Riverside Family Dental, this is the new greeting." };
    expect((await h.api("PUT", `/v1/receptionists/${receptionistId}`, definition)).status).toBe(200);
    // As the README's curl sends it: a JSON content type and no body at all.
    const latest = await h.api("POST", `/v1/receptionists/${receptionistId}/test`, undefined, { "content-type": "application/json" });
    expect(latest.status, JSON.stringify(latest.body)).toBe(201);
    expect(latest.body).toMatchObject({ version: 2, greeting: "Riverside Family Dental, this is the new greeting." });
    const first = await open(receptionistId, { version: 1 });
    expect(first.body).toMatchObject({ version: 1, greeting: "Thank you for calling Riverside Family Dental. How can I help you today?" });
    await h.api("DELETE", `/v1/test-sessions/${latest.body.id}`);
    await h.api("DELETE", `/v1/test-sessions/${first.body.id}`);
  });

  test("behind the API key, and in the OpenAPI document", async () => {
    expect((await h.api("POST", `/v1/receptionists/${receptionistId}/test`, undefined, { authorization: "Bearer nope" })).status).toBe(401);
    expect((await h.api("GET", `/v1/test-sessions/${NOBODY}`, undefined, { authorization: "" })).status).toBe(401);
    const doc = await fetch(`${h.sb.url}/docs/json`).then((r) => r.json() as Promise<{ paths: Record<string, unknown> }>);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/receptionists/{id}/test", "/v1/test-sessions/{id}/turns", "/v1/test-sessions/{id}"]));
  });

  test("the store: a turn while the last is still answered is refused; an idle session is ended, then forgotten", async () => {
    // A model that answers each request only when released.
    const pending: Array<() => void> = [];
    const llm: LanguageModel = {
      async *stream(_request: ChatRequest): AsyncIterable<LlmChunk> {
        await new Promise<void>((resolve) => pending.push(resolve));
        yield { type: "llm.text", receivedAt: performance.now(), text: "Of course." };
        yield { type: "llm.finish", receivedAt: performance.now(), reason: "stop", usage: null };
      },
    };
    const sessions = new TextSessions({
      db: h.sb.database.db,
      llm,
      metrics: createRuntimeMetrics(),
      defaults: { model: "gpt-4o-mini", voice: { engine: "flite", voice: "slt" } },
      limits: { idleTtlMs: 300, max: 5 },
    });
    try {
      const { session, first } = await sessions.open({ receptionistId, version: 1 });
      expect(first.reply).toBe("Thank you for calling Riverside Family Dental. How can I help you today?");
      const answering = sessions.turn(session.id, "Hello there, I have a question");
      await expect(sessions.turn(session.id, "Hello?")).rejects.toBeInstanceOf(TurnInProgressError);
      while (pending.length === 0) await Bun.sleep(5);
      pending.shift()!();
      expect((await answering).reply).toBe("Of course.");

      // Idle past the TTL: ended (a turn is refused), then forgotten.
      const deadline = Date.now() + 10_000;
      while (session.live && Date.now() < deadline) await Bun.sleep(25);
      expect(session.live).toBe(false);
      expect(session.context.outcome).toBe("caller_hung_up");
      await expect(session.turn("hi")).rejects.toBeInstanceOf(SessionEndedError);
      while (sessions.get(session.id) !== null && Date.now() < deadline) await Bun.sleep(25);
      expect(sessions.get(session.id)).toBeNull();
      await expect(sessions.turn(session.id, "hi")).rejects.toBeInstanceOf(TextSessionRefusal);
    } finally {
      sessions.stop();
    }
  }, 20_000);
});

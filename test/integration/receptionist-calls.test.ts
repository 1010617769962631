/**
 * A receptionist answering its number, end to end on the embedded default
 * (HTTP API, ESL against the switch simulator, mod_audio_stream, the
 * simulated Deepgram and the offline OpenAI responder, PGlite): a receptionist
 * created from the medical-office template, a number routed to it
 * (POST /v1/numbers), and simulated callers dialling that number:
 *  - one books an appointment → GET /v1/appointments shows it, the
 *    conversation ran the flow (node path, tool calls journalled and stored);
 *  - one leaves a message → GET /v1/messages shows it;
 *  - a number routed nowhere still gets the configured default.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { listEvents } from "../../src/db/queries/call-events.ts";
import { conversations } from "../../src/db/schema.ts";
import { endedConversationOfCall } from "../support/conversations.ts";
import { createReceptionist, placeCall, routeNumber, startVoiceHarness } from "../support/receptionist-calls.ts";
import type { Harness } from "../support/switchboard.ts";

const DID = "+12125550123";

describe("a receptionist answers its number", () => {
  let h: Harness;
  let receptionistId: string;

  const ended = (callId: string) => endedConversationOfCall(h, callId);
  const call = (from: string, turns: unknown[]) => placeCall(h, DID, from, turns);

  beforeAll(async () => {
    h = await startVoiceHarness();
    receptionistId = await createReceptionist(h);
    await routeNumber(h, DID, receptionistId);
  });
  afterAll(async () => {
    await h?.close();
  });

  test("a caller books a cleaning: the appointment row exists, the conversation ran the flow and is stored with its tool calls", async () => {
    const callId = await call("+13105550177", [
      { afterBotMs: 300, say: "Hi, I'd like to book a cleaning next Tuesday at 10 am" },
      { afterBotMs: 300, say: "It's Ann Lee" },
      { afterBotMs: 300, say: "five five five, two three four, seven seven eight eight" },
      { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
      { afterBotMs: 2000, hangup: true },
    ]);
    const view = await ended(callId);
    const c = view.context;
    const said = c.transcript.map((e) => `${e.who}: ${e.text}`).join("\n");
    expect(c.transcript[0]).toMatchObject({ who: "bot", text: "Thank you for calling Riverside Family Dental. How can I help you today?" });
    const names = c.toolCalls.map((t) => t.name);
    expect(names, said).toContain("book_appointment");
    expect(c.toolCalls.find((t) => t.name === "book_appointment")!.outcome).toBe("ok");
    // Booked from the greeting or through the booking node, then wrap-up, then the goodbye node (final).
    const path = c.flow!.state.context.path;
    expect(path[0]).toEqual({ node: "greeting", via: null });
    expect(path.find((v) => v.node === "wrap_up")?.via).toBe("book_appointment");
    expect(path.at(-1)).toEqual({ node: "goodbye", via: "end_call" });
    expect(c.outcome).toBe("completed");

    const appointments = await h.api("GET", `/v1/appointments?receptionist_id=${receptionistId}`);
    expect(appointments.status).toBe(200);
    expect(appointments.body.appointments, said).toHaveLength(1);
    const booked = appointments.body.appointments[0];
    expect(booked).toMatchObject({ phone: "+15552347788", status: "booked", service: "cleaning", conversation_id: view.id, sandbox: false });
    expect(booked.name).toMatch(/^ann lee$/i);
    // Tuesday at 10:00 in the business's timezone (America/New_York).
    const local = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(booked.starts_at));
    expect(local).toBe("Tuesday 10:00");

    // Journalled and stored: the tool calls under the conversation's id, the row with its tool calls.
    await h.sb.journal.flush();
    const rows = await listEvents(h.sb.database.db, view.id);
    expect(rows.filter((r) => r.name === "TOOL_CALLED").map((r) => (r.data as { name: string }).name)).toEqual(names);
    // Every move of the flow journalled, in order.
    const steps = rows.filter((r) => r.name === "FLOW_STEP").map((r) => r.data as { to: string; via: string });
    expect(steps.at(-1)).toMatchObject({ to: "goodbye", via: "end_call", actions: ["say", "hangup"] });
    expect(steps.find((s) => s.via === "book_appointment")?.to).toBe("wrap_up");
    const stored = await h.api("GET", `/v1/conversations/${view.id}`);
    expect(stored.status).toBe(200);
    expect(stored.body.tool_calls.map((t: { name: string }) => t.name)).toEqual(names);
    // Pinned at start: the receptionist's version and the flow's; the node path as the flow went.
    expect(stored.body.receptionist).toEqual({ id: receptionistId, version: 1 });
    expect(stored.body.flow.version).toBe(c.flow!.version);
    expect(stored.body.flow.version).toMatch(/^sha256:/);
    expect(stored.body.flow.path).toEqual(path.map((v) => ({ node: v.node, via: v.via })));
    const [row] = await h.sb.database.db.select().from(conversations).where(eq(conversations.id, view.id));
    expect(row!.receptionistId).toBe(receptionistId);
    expect(row!.flowVersion).toBe(c.flow!.version);
    expect((row!.flow as { initial_node: string }).initial_node).toBe("greeting");
    expect(row!.flowPath).toEqual(stored.body.flow.path);
  }, 90_000);

  test("a caller leaves a message: the messages row exists", async () => {
    const callId = await call("+13105550188", [
      { afterBotMs: 300, say: "Can I leave a message for Dr. Patel?" },
      { afterBotMs: 300, say: "Kevin O'Brien" },
      { afterBotMs: 300, say: "I have some questions about the estimate you sent me" },
      { afterBotMs: 300, say: "617 555 0192" },
      { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
      { afterBotMs: 2000, hangup: true },
    ]);
    const view = await ended(callId);
    const said = view.context.transcript.map((e) => `${e.who}: ${e.text}`).join("\n");
    expect(view.context.toolCalls.map((t) => t.name), said).toContain("take_message");
    const messages = await h.api("GET", `/v1/messages?receptionist_id=${receptionistId}`);
    expect(messages.status).toBe(200);
    expect(messages.body.messages).toHaveLength(1);
    const message = messages.body.messages[0];
    // The recogniser's words (lower case, capitalised by the tool); the number as said, in E.164.
    expect(message.caller_name).toMatch(/^kevin o'brien$/i);
    expect(message.callback_number).toBe("+16175550192");
    expect(message.reason).toMatch(/estimate/);
    expect(message.conversation_id).toBe(view.id);
  }, 90_000);

  test("a number routed to no receptionist gets the configured default (here the greeting, no conversation)", async () => {
    const callId = await h.sim.placeInboundCall({ from: "+13105550199", to: "+12125550999", socket: { host: "127.0.0.1", port: h.sb.outboundSocketPort }, script: { turns: [] } as never });
    const done = await h.waitForCall(callId, (c) => c.status === "completed");
    expect(done.events.filter((e: any) => e.kind === "command").map((e: any) => e.name)).toContain("speak");
    expect(h.sb.conversations.conversationOfCall(callId)).toBeNull();
  }, 30_000);
});

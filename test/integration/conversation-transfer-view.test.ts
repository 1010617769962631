/**
 * GET /v1/conversations/:id shows the conversation's transfer, end to end on
 * the embedded default (switch simulator, simulated Deepgram, offline OpenAI
 * responder, PGlite), set up like warm-transfer.test.ts: a medical-office
 * receptionist whose front desk (+1555…: the simulator's callee answers after
 * a second) and billing (+408…: never answers) take warm transfers.
 *  - answered: bridged to the agent's call, live on the call and once ended;
 *  - unanswered: ringing while the agent is rung, then no_answer (NO_ANSWER);
 *  - a conversation that never transferred: null.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { conversationEnded, conversationOf } from "../support/conversations.ts";
import { createReceptionist, placeCall, routeNumber, startVoiceHarness } from "../support/receptionist-calls.ts";
import type { Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const DID = "+12125550150";
const targets = {
  transfer_targets: [
    { name: "front_desk", description: "the front desk: anything the receptionist cannot do", dial_string: "+15550102001", warm: true, ring_timeout_s: 20 },
    { name: "billing", description: "bills, payments and insurance claims", dial_string: "+4085550102", warm: true, ring_timeout_s: 5 },
    { name: "on_call", description: "the on-call dentist, for dental emergencies at any hour", dial_string: "+15550102099", warm: true, ring_timeout_s: 30 },
  ],
};
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe("GET /v1/conversations/:id: the transfer", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startVoiceHarness();
    await routeNumber(h, DID, await createReceptionist(h, { template: "medical-office", overrides: targets }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const call = (from: string, turns: unknown[]) => placeCall(h, DID, from, turns);
  const shown = async (conversationId: string) => {
    await h.sb.journal.flush();
    const res = await h.api("GET", `/v1/conversations/${conversationId}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  test("answered: the agent's call, bridged; the same once the conversation ended and the call is over", async () => {
    const callId = await call("+13105550177", [{ afterBotMs: 300, say: "Can you put me through to the front desk please?" }, { silent: true }]);
    const conversation = await conversationOf(h, callId);
    await conversationEnded(h, conversation.id);
    const agentCallId = h.sb.conversations.conversationView(conversation.id)!.context.transfer!.agentCallId!;
    await h.waitForCall(callId, (c) => c.state === "in_progress.bridged");

    const body = await until("the bridged transfer", async () => {
      const b = await shown(conversation.id);
      return b.transfer?.result === "bridged" ? b : null;
    });
    expect(body.outcome).toBe("transferred");
    expect(body.transfer).toEqual({
      target: "front_desk",
      warm: true,
      to: "sofia/gateway/carrier/+15550102001",
      agent_call_id: agentCallId,
      result: "bridged",
      cause: null,
      started_at: expect.stringMatching(ISO),
      ended_at: expect.stringMatching(ISO),
    });
    expect(Date.parse(body.transfer.ended_at)).toBeGreaterThanOrEqual(Date.parse(body.transfer.started_at));
    // The agent's call is a real call of ours.
    expect((await h.api("GET", `/v1/calls/${agentCallId}`)).status).toBe(200);

    // The caller hangs up: both legs end; the stored conversation still shows the transfer as it went.
    h.sim.hangup(callId);
    await h.waitForCall(callId, (c) => c.status === "completed");
    await h.waitForCall(agentCallId, (c) => c.status === "completed");
    expect((await shown(conversation.id)).transfer).toEqual(body.transfer);
    // And the conversations list does not carry it (only the one conversation's read does).
    const listed = await h.api("GET", `/v1/conversations?call_id=${callId}`);
    expect(listed.body.conversations[0].id).toBe(conversation.id);
    expect(listed.body.conversations[0].transfer).toBeUndefined();
  }, 60_000);

  test("unanswered: ringing while the agent is rung, then no_answer with the agent's hangup cause", async () => {
    const callId = await call("+13105550188", [
      { afterBotMs: 300, say: "Can you put me through to billing?" },
      { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
      { afterBotMs: 2000, hangup: true },
    ]);
    const conversation = await conversationOf(h, callId);

    // Live, while billing rings (5 s): the agent's leg and no end yet.
    const ringing = await until("the ringing transfer", async () => {
      const b = await shown(conversation.id);
      return b.transfer?.result === "ringing" ? b : null;
    });
    expect(ringing.live).toBe(true);
    expect(ringing.transfer).toMatchObject({ target: "billing", warm: true, to: "sofia/gateway/carrier/+4085550102", cause: null, ended_at: null });
    expect(ringing.transfer.agent_call_id).toEqual(expect.any(String));

    await conversationEnded(h, conversation.id);
    const body = await shown(conversation.id);
    expect(body.live).toBe(false);
    expect(body.outcome).not.toBe("transferred");
    expect(body.transfer).toEqual({
      ...ringing.transfer,
      result: "no_answer",
      cause: "NO_ANSWER",
      ended_at: expect.stringMatching(ISO),
    });
    const agent = await h.waitForCall(ringing.transfer.agent_call_id, (a) => !a.live);
    expect(agent.status).toBe("no-answer");
  }, 60_000);

  test("the OpenAPI document describes the transfer", async () => {
    const doc = (await fetch(`${h.sb.url}/docs/json`).then((r) => r.json())) as any;
    const schema = doc.paths["/v1/conversations/{id}"].get.responses["200"].content["application/json"].schema;
    const transfer = schema.properties.transfer.anyOf?.find((s: any) => s.type === "object") ?? schema.properties.transfer;
    expect(Object.keys(transfer.properties)).toEqual(["target", "warm", "to", "agent_call_id", "result", "cause", "started_at", "ended_at"]);
    expect(transfer.properties.result.enum).toEqual(expect.arrayContaining(["bridged", "no_answer", "busy", "failed", "cancelled"]));
  });

  test("a conversation that never transferred shows null", async () => {
    const callId = await call("+13105550199", [{ afterBotMs: 300, say: "No, that's all, thanks. Bye!" }, { afterBotMs: 2000, hangup: true }]);
    const conversation = await conversationOf(h, callId);
    await conversationEnded(h, conversation.id);
    expect((await shown(conversation.id)).transfer).toBeNull();
  }, 60_000);
});

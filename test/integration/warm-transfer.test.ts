/**
 * Warm transfer, end to end on the embedded default (HTTP API, ESL against the
 * switch simulator, mod_audio_stream, the simulated Deepgram and the offline
 * OpenAI responder, PGlite): a medical-office receptionist whose front desk
 * (+1555…: the simulator's callee answers after a second) and billing
 * (+408…: never answers) take warm transfers at any hour.
 *  - to an agent who answers: the caller holds (HOLD_AUDIO), the agent's call
 *    (a call actor of its own, the caller's call its parent) hears the summary,
 *    then both legs are bridged (uuid_bridge; CHANNEL_BRIDGE on both);
 *  - to an agent who does not answer: NO_ANSWER at the ring timeout, the hold
 *    audio stops, the receptionist offers a message and takes it;
 *  - the caller hangs up while on hold: the agent's ringing leg is cancelled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { listEvents } from "../../src/db/queries/call-events.ts";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import { conversationEnded, conversationOf, endedConversationOfCall } from "../support/conversations.ts";
import { createReceptionist, placeCall, routeNumber, startVoiceHarness } from "../support/receptionist-calls.ts";
import type { Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const DID = "+12125550140";
const SLOW_DID = "+12125550141";
const HOLD = "tone_stream://%(2000,4000,440,480);loops=-1";

const targets = (billingRingS: number) => ({
  transfer_targets: [
    { name: "front_desk", description: "the front desk: anything the receptionist cannot do", dial_string: "+15550102001", warm: true, ring_timeout_s: 20 },
    { name: "billing", description: "bills, payments and insurance claims", dial_string: "+4085550102", warm: true, ring_timeout_s: billingRingS },
    { name: "on_call", description: "the on-call dentist, for dental emergencies at any hour", dial_string: "+15550102099", warm: true, ring_timeout_s: 30 },
  ],
});

describe("warm transfer", () => {
  let h: Harness;
  let receptionistId: string;

  const ended = (callId: string): Promise<ConversationView> => endedConversationOfCall(h, callId);
  /** The agent's leg: the live call actor whose parent is the caller's call. */
  const agentCallOf = (callId: string) =>
    until(`the agent's call of ${callId}`, async () => {
      const r = await h.api("GET", "/v1/actors");
      return (r.body.actors as Array<{ id: string; kind: string; parent: string | null }>).find((a) => a.kind === "call" && a.parent === callId);
    });
  const call = (to: string, from: string, turns: unknown[]) => placeCall(h, to, from, turns);
  const journal = async (id: string) => {
    await h.sb.journal.flush();
    return listEvents(h.sb.database.db, id);
  };

  beforeAll(async () => {
    h = await startVoiceHarness();
    receptionistId = await createReceptionist(h, { template: "medical-office", overrides: targets(5) });
    await routeNumber(h, DID, receptionistId);
    // Billing rings for two minutes here: long enough to hang up on hold.
    await routeNumber(h, SLOW_DID, await createReceptionist(h, { template: "medical-office", overrides: targets(120) }));
   }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  test("an agent who answers hears the summary, then caller and agent are bridged; the conversation is transferred", async () => {
    const callId = await call(DID, "+13105550177", [
      { afterBotMs: 300, say: "Can you put me through to the front desk please?" },
      { silent: true },
    ]);
    const view = await ended(callId);
    const said = view.context.transcript.map((e) => `${e.who}: ${e.text}`).join("\n");
    expect(view.context.toolCalls.map((t) => t.name), said).toContain("transfer_to_human");
    expect(view.context.outcome).toBe("transferred");
    expect(view.context.transfer).toMatchObject({ to: "sofia/gateway/carrier/+15550102001", warm: { ringTimeoutS: 20 } });
    const agentId = view.context.transfer!.agentCallId!;

    // The agent's leg: its own call, the caller's call its parent, bridged to the caller.
    const agent = await agentCallOf(callId);
    expect(agent.id).toBe(agentId);
    // FreeSWITCH reports the bridge on the caller's leg; the agent's call hears it from its side.
    const bridged = await h.waitForCall(agentId, (c) => c.state === "in_progress.bridged");
    expect(bridged.bridged_to).toBe(callId);
    expect(bridged.to).toBe("sofia/gateway/carrier/+15550102001");
    const speak = bridged.events.find((e: any) => e.kind === "command" && e.name === "speak");
    expect(speak, JSON.stringify(bridged.events.map((e: any) => e.name))).toBeDefined();
    expect(JSON.stringify(speak.data)).toContain("Transferring a caller: ");

    // The caller held (the hold audio), stopped listening, then uuid_bridge to the agent: CHANNEL_BRIDGE on its leg too.
    const caller = await h.waitForCall(callId, (c) => c.state === "in_progress.bridged");
    expect(caller.bridged_to).toBe(agentId);
    const names = caller.events.map((e: any) => e.name);
    expect(names).toContain("WARM_TRANSFER_RINGING");
    expect(names).toContain("WARM_TRANSFER_ANSWERED");
    const commands = caller.events.filter((e: any) => e.kind === "command");
    const hold = commands.find((e: any) => e.name === "playback" && JSON.stringify(e.data).includes("tone_stream"));
    expect(hold, JSON.stringify(commands.map((e: any) => e.name))).toBeDefined();
    expect(JSON.stringify(hold.data)).toContain(HOLD.replace(";loops=-1", ""));
    const order = commands.map((e: any) => e.name);
    expect(order.lastIndexOf("audio_stream")).toBeLessThan(order.indexOf("uuid_bridge"));
    expect(JSON.stringify(commands.find((e: any) => e.name === "uuid_bridge").data)).toContain(agentId);
    // The switch holds no caller-audio stream on the bridged caller: nothing said to the agent reaches us.
    expect(h.sim.audioStream(callId)).toBeUndefined();

    // The conversation's own record: journalled as transferred.
    const rows = await journal(view.id);
    expect(rows.find((r) => r.name === "CONVERSATION_ENDED")?.data).toMatchObject({ outcome: "transferred" });

    // The caller hangs up: the bridged agent's leg ends with it; both CDRs are complete.
    h.sim.hangup(callId);
    await h.waitForCall(callId, (c) => c.status === "completed");
    const agentDone = await h.waitForCall(agentId, (c) => c.status === "completed");
    expect(agentDone.answered_at ?? agentDone.answeredAt).toBeTruthy();
  }, 90_000);

  test("an agent who does not answer: the caller is back with the receptionist, offered a message, and leaves one", async () => {
    const callId = await call(DID, "+13105550188", [
      { afterBotMs: 300, say: "Can you put me through to billing?" },
      { afterBotMs: 300, botSays: "take a message", say: "Yes, I'd like to leave a message" },
      { afterBotMs: 300, say: "Kevin O'Brien" },
      { afterBotMs: 300, say: "I have some questions about the estimate you sent me" },
      { afterBotMs: 300, say: "617 555 0192" },
      { afterBotMs: 300, say: "No, that's all, thanks. Bye!" },
      { afterBotMs: 2000, hangup: true },
    ]);
    const view = await ended(callId);
    const c = view.context;
    const said = c.transcript.map((e) => `${e.who}: ${e.text}`).join("\n");
    expect(c.toolCalls.map((t) => t.name), said).toEqual(expect.arrayContaining(["transfer_to_human", "take_message"]));
    expect(c.transcript.some((e) => e.who === "bot" && e.text === "I'm sorry, nobody could take your call right now. Can I take a message?"), said).toBe(true);
    expect(c.outcome).not.toBe("transferred");
    // The model was told why.
    expect(c.messages.some((m) => m.role === "system" && /warm transfer .* did not go through \(NO_ANSWER\)/.test(String(m.content)))).toBe(true);

    const messages = await h.api("GET", `/v1/messages?receptionist_id=${receptionistId}`);
    expect(messages.status).toBe(200);
    const message = messages.body.messages.find((m: { conversation_id: string }) => m.conversation_id === view.id);
    expect(message, said).toBeDefined();
    expect(message.callback_number).toBe("+16175550192");

    // The agent's leg rang for the target's ring timeout and was not answered; the hold audio was broken.
    const rows = await journal(callId);
    const ringing = rows.find((r) => r.name === "WARM_TRANSFER_RINGING")!.data as { agent_call_id: string; ring_timeout_s: number };
    expect(ringing.ring_timeout_s).toBe(5);
    expect(rows.find((r) => r.name === "WARM_TRANSFER_UNANSWERED")?.data).toMatchObject({ reason: "NO_ANSWER" });
    const breakAfterHold = rows.filter((r) => r.kind === "command").map((r) => r.name);
    expect(breakAfterHold.slice(breakAfterHold.indexOf("playback"))).toContain("break");
    const agent = await h.waitForCall(ringing.agent_call_id, (a) => !a.live);
    expect(agent.status).toBe("no-answer");
    const originate = agent.events.find((e: any) => e.kind === "command" && e.name === "originate");
    // originate_timeout = the target's ring timeout.
    expect(originate.data).toMatchObject({ dialString: "sofia/gateway/carrier/+4085550102", timeoutSec: 5, callerIdNumber: "+13105550188" });
  }, 90_000);

  test("the caller hangs up while on hold: the agent's ringing leg is cancelled", async () => {
    const callId = await call(SLOW_DID, "+13105550199", [
      { afterBotMs: 300, say: "Can you put me through to billing?" },
      { silent: true },
    ]);
    const conversation = await conversationOf(h, callId);
    const agent = await agentCallOf(callId);
    expect(h.sb.conversations.conversationView(conversation.id)?.state).toBe("live.transferring");
    h.sim.hangup(callId);
    const done = await h.waitForCall(agent.id, (a) => !a.live);
    expect(done.status).toBe("canceled");
    const view = await conversationEnded(h, conversation.id);
    expect(view.context.outcome).toBe("caller_hung_up");
    const rows = await journal(callId);
    expect(rows.map((r) => r.name)).toContain("WARM_TRANSFER_CANCELLED");
    expect(h.sim.channelCount()).toBe(0);
  }, 60_000);
});

/**
 * The transfer GET /v1/conversations/:id shows, read from journal rows
 * (http/conversation-transfer.ts): each way a warm or blind transfer ends,
 * and only the last of several.
 */
import { describe, expect, test } from "bun:test";
import { transferFromJournals, unansweredResult } from "../../src/http/conversation-transfer.ts";

type Row = { kind: "event" | "command" | "refusal" | "error" | "transition"; name: string; data: unknown; at: Date };
const T0 = Date.parse("2026-11-26T10:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const row = (s: number, kind: Row["kind"], name: string, data: unknown = {}): Row => ({ kind, name, data, at: at(s) });

const AGENT = "agent-1";
const TO = "sofia/gateway/carrier/+15550102001";
const toolCalled = (s: number, target: string, warm: boolean, outcome = "ok") =>
  row(s, "event", "TOOL_CALLED", { name: "transfer_to_human", outcome, result: JSON.stringify({ ok: outcome === "ok", target, warm }) });
const ringing = (s: number, agent = AGENT, to = TO) => row(s, "event", "WARM_TRANSFER_RINGING", { agent_call_id: agent, to, ring_timeout_s: 20 });

describe("transferFromJournals", () => {
  test("no transfer: null", () => {
    expect(transferFromJournals([toolCalled(1, "front_desk", true, "refused")], [row(2, "event", "CHANNEL_ANSWER")])).toBeNull();
  });

  test("warm, still ringing, then answered (bridge pending), then bridged to the agent's call", () => {
    const conversation = [toolCalled(1, "front_desk", true)];
    const call = [ringing(2)];
    const base = { target: "front_desk", warm: true, to: TO, agent_call_id: AGENT, cause: null, started_at: iso(2) };
    expect(transferFromJournals(conversation, call)).toEqual({ ...base, result: "ringing", ended_at: null });
    call.push(row(3, "event", "WARM_TRANSFER_ANSWERED", { agent_call_id: AGENT }));
    expect(transferFromJournals(conversation, call)).toEqual({ ...base, result: "answered", ended_at: null });
    // A bridge to some other channel is not the agent's.
    call.push(row(3.5, "event", "CHANNEL_BRIDGE", { otherUuid: "someone-else" }));
    expect(transferFromJournals(conversation, call)?.result).toBe("answered");
    call.push(row(4, "event", "CHANNEL_BRIDGE", { otherUuid: AGENT }));
    expect(transferFromJournals(conversation, call)).toEqual({ ...base, result: "bridged", ended_at: iso(4) });
  });

  test("warm, unanswered: the agent leg's hangup cause decides no_answer, busy or failed", () => {
    const ended = (reason: string) =>
      transferFromJournals([toolCalled(1, "billing", true)], [ringing(2), row(7, "event", "WARM_TRANSFER_UNANSWERED", { agent_call_id: AGENT, reason })]);
    expect(ended("NO_ANSWER")).toMatchObject({ target: "billing", result: "no_answer", cause: "NO_ANSWER", ended_at: iso(7) });
    expect(ended("USER_BUSY")).toMatchObject({ result: "busy", cause: "USER_BUSY" });
    expect(ended("the agent did not take the call in time")).toMatchObject({ result: "failed", cause: "the agent did not take the call in time" });
    expect(unansweredResult(null)).toBe("failed");
  });

  test("warm: cancelled by the caller, a bridge that failed, a leg that could not be placed", () => {
    const conversation = [toolCalled(1, "front_desk", true)];
    expect(transferFromJournals(conversation, [ringing(2), row(3, "event", "WARM_TRANSFER_CANCELLED", { agent_call_id: AGENT })])).toMatchObject({
      result: "cancelled",
      ended_at: iso(3),
    });
    const bridgeFailed = [ringing(2), row(3, "event", "WARM_TRANSFER_ANSWERED", { agent_call_id: AGENT }), row(4, "error", "WARM_TRANSFER_BRIDGE_FAILED", { agent_call_id: AGENT, reason: "uuid_bridge: -ERR no such channel" })];
    expect(transferFromJournals(conversation, bridgeFailed)).toMatchObject({ result: "failed", cause: "uuid_bridge: -ERR no such channel", ended_at: iso(4) });
    // The caller hung up between the agent's answer and the bridge.
    const left = [ringing(2), row(3, "event", "WARM_TRANSFER_ANSWERED", { agent_call_id: AGENT }), row(3.2, "event", "CHANNEL_HANGUP_COMPLETE", { hangupCause: "NORMAL_CLEARING" })];
    expect(transferFromJournals(conversation, left)).toMatchObject({ result: "cancelled", cause: "NORMAL_CLEARING" });
    const notPlaced = [row(2, "error", "WARM_TRANSFER_FAILED", { to: TO, reason: "the agent's call could not be placed: outbound limit reached" })];
    expect(transferFromJournals(conversation, notPlaced)).toEqual({
      target: "front_desk",
      warm: true,
      to: TO,
      agent_call_id: null,
      result: "failed",
      cause: "the agent's call could not be placed: outbound limit reached",
      started_at: iso(2),
      ended_at: iso(2),
    });
  });

  test("blind: transferring, then bridged; refused by the call; the caller left first", () => {
    const to = "sofia/gateway/carrier/+15550102099";
    const conversation = [toolCalled(1, "on_call", false), row(2, "command", "transfer", { id: "c:5", to, type: "transfer" })];
    const base = { target: "on_call", warm: false, to, agent_call_id: null, started_at: iso(2) };
    expect(transferFromJournals(conversation, [row(2, "command", "bridge", { dialString: to })])).toEqual({ ...base, result: "transferring", cause: null, ended_at: null });
    expect(transferFromJournals(conversation, [row(2, "command", "bridge"), row(3, "event", "CHANNEL_BRIDGE", { otherUuid: "b-leg" })])).toEqual({
      ...base,
      result: "bridged",
      cause: null,
      ended_at: iso(3),
    });
    expect(transferFromJournals(conversation, [row(2, "refusal", "bridge", { reason: "the call is hanging up", state: "hanging_up" })])).toMatchObject({
      result: "failed",
      cause: "the call is hanging up",
    });
    expect(transferFromJournals(conversation, [row(4, "event", "CHANNEL_HANGUP_COMPLETE", { hangupCause: "ORIGINATOR_CANCEL" })])).toMatchObject({
      result: "cancelled",
      cause: "ORIGINATOR_CANCEL",
      ended_at: iso(4),
    });
  });

  test("several transfers: the last is shown, with the target asked for it", () => {
    const conversation = [toolCalled(1, "billing", true), toolCalled(10, "front_desk", true)];
    const call = [
      ringing(2, "agent-billing", "sofia/gateway/carrier/+4085550102"),
      row(7, "event", "WARM_TRANSFER_UNANSWERED", { agent_call_id: "agent-billing", reason: "NO_ANSWER" }),
      ringing(11),
      row(12, "event", "WARM_TRANSFER_ANSWERED", { agent_call_id: AGENT }),
    ];
    expect(transferFromJournals(conversation, call)).toMatchObject({ target: "front_desk", agent_call_id: AGENT, result: "answered", started_at: iso(11) });
    // A warm attempt nobody took, then a blind one: the blind one.
    const blind = [...conversation.slice(0, 1), row(9, "command", "transfer", { to: "1000" })];
    expect(transferFromJournals(blind, call.slice(0, 2))).toMatchObject({ target: "billing", warm: false, to: "1000", result: "transferring" });
  });
});

/**
 * The conversation machine's warm transfer, with fakes for its actors: after
 * the reply that announces it, the caller holds while `warmTransfer` rings the
 * agent (nothing is sent to the call by the machine meanwhile, and what the
 * caller says is not a turn); answered, the caller-audio stream stops and the
 * call is bridged to the agent's call (outcome transferred); unanswered, the
 * caller hears that nobody could take the call and is offered a message, and
 * the model is told; the caller hanging up on hold stops the actor.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_SETTINGS, type ToolActorOutput, type WarmTransferActorInput, type WarmTransferActorOutput } from "../../machines/conversation.ts";
import { deferred, startConversation } from "./conversation-fakes.ts";

const TOOLS = [{ name: "transfer_to_human", description: "a person", parameters: { type: "object", properties: {} } }];
const WARM: ToolActorOutput = {
  content: '{"ok":true}',
  finishedAt: 0,
  then: { type: "transfer", to: "sofia/gateway/carrier/+15550102001", warm: { summary: "Jane Doe, new patient, wants to move Tuesday's cleaning", ringTimeoutS: 20 } },
};

/** A caller asks for a person; the model calls the tool and says it is connecting them; the reply plays. */
async function untilHolding(outcome: () => Promise<WarmTransferActorOutput>) {
  const started: Array<{ input: WarmTransferActorInput; signal: AbortSignal }> = [];
  const h = startConversation({
    input: { tools: TOOLS },
    tools: { transfer_to_human: async () => WARM },
    warmTransfer: (input, signal) => {
      started.push({ input, signal });
      return outcome();
    },
  });
  await h.answer();
  await h.say("put me through to the front desk");
  await h.llmToolCall({ id: "t1", name: "transfer_to_human", arguments: "{}" });
  await h.llmFinish("tool_calls");
  await h.llmText("Connecting you now, please hold.");
  await h.llmFinish();
  expect(started).toHaveLength(0); // not before the reply has been said
  await h.playAll();
  return { h, started };
}

describe("warm transfer", () => {
  test("holding: the warm transfer runs with the target, summary and ring timeout; the machine sends the call nothing, and caller speech is no turn", async () => {
    const { h, started } = await untilHolding(() => new Promise(() => {}));
    expect(h.state()).toContain('"transferring":"holding"');
    expect(started[0]!.input).toEqual({
      conversationId: "conv-1",
      callId: "call-1",
      to: "sofia/gateway/carrier/+15550102001",
      summary: "Jane Doe, new patient, wants to move Tuesday's cleaning",
      ringTimeoutS: 20,
    });
    const sent = h.commands().length;
    const requests = h.llms.length;
    await h.say("hello? is anyone there?");
    await h.advance(30_000);
    expect(h.commands()).toHaveLength(sent);
    expect(h.llms).toHaveLength(requests);
    expect(h.state()).toContain('"transferring":"holding"');
  });

  test("the agent answered: stop listening, then bridge to the agent's call; the conversation ends transferred", async () => {
    const { h } = await untilHolding(async () => ({ outcome: "answered", agentCallId: "agent-call" }));
    const [stop, bridge] = h.commands().slice(-2);
    expect(stop).toMatchObject({ type: "audio_stream.stop" });
    expect(bridge).toMatchObject({ type: "bridge_call", callId: "agent-call" });
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.ctx().outcome).toBe("transferred");
    expect(h.ctx().transfer).toMatchObject({ agentCallId: "agent-call", commandId: bridge!.id });
    expect(h.stt().stopped).toBe(true);
    expect(h.notices("conversation.ended").at(-1)).toMatchObject({ outcome: "transferred" });
  });

  test("nobody answered: the caller is told and offered a message, the model knows why, and the conversation goes on", async () => {
    const { h } = await untilHolding(async () => ({ outcome: "unanswered", reason: "NO_ANSWER" }));
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.transferUnanswered);
    expect(h.ctx().transfer).toBeNull();
    const note = [...h.ctx().messages].reverse().find((m) => m.role === "system");
    expect(String(note?.content)).toMatch(/did not go through \(NO_ANSWER\).*take_message/);
    await h.playAll();
    expect(h.state()).toContain("listening");
    // The caller's answer is a turn again, and the model hears the note with it.
    await h.say("yes please take a message");
    expect(h.llm().input.messages.some((m) => m.role === "system" && String(m.content).includes("NO_ANSWER"))).toBe(true);
    expect(h.actor.getSnapshot().status).toBe("active");
  });

  test("the transfer failed outright (the actor threw): the same way back to the caller", async () => {
    const { h } = await untilHolding(async () => {
      throw new Error("too many calls");
    });
    expect(h.says().at(-1)).toBe(DEFAULT_SETTINGS.phrases.transferUnanswered);
    expect(String([...h.ctx().messages].reverse().find((m) => m.role === "system")?.content)).toContain("too many calls");
  });

  test("the caller hangs up on hold: the warm transfer is stopped (its signal aborts) and the outcome is a hang-up, not a transfer", async () => {
    const pending = deferred<WarmTransferActorOutput>();
    const { h, started } = await untilHolding(() => pending.promise);
    await h.send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: h.now });
    expect(started[0]!.signal.aborted).toBe(true);
    expect(h.actor.getSnapshot().status).toBe("done");
    expect(h.ctx().outcome).toBe("caller_hung_up");
    pending.resolve({ outcome: "answered", agentCallId: "late" });
    await h.advance(10);
    expect(h.commands().some((c) => c.type === "bridge_call")).toBe(false);
  });
});

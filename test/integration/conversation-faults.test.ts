/**
 * Bad input while a conversation runs, end to end on the embedded default:
 * strangers at the caller-audio server (a wrong token, a call that does not
 * exist, a peer sending odd-sized and text frames on the call's stream), and
 * a model that writes invalid tool JSON or calls a tool that throws. Each is
 * journalled clearly; the conversation carries on (the caller's next question
 * is answered) and the process lives.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomUUID } from "node:crypto";
import { listEvents } from "../../src/db/queries/call-events.ts";
import type { ConversationView } from "../../src/runtime/conversation-api.ts";
import { ToolRegistry } from "../../src/runtime/tool-registry.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

const PROMPT = [
  "You are the receptionist of Harbour Dental.",
  "Opening hours: Monday to Friday, 9 am to 5 pm.",
  "Address: 12 Harbour Street, next to the library.",
].join("\n");

describe("a conversation under bad input", () => {
  let h: Harness;
  const toolRuns: string[] = [];
  const tools = new ToolRegistry([
    {
      spec: { name: "check_hours", description: "Opening hours on a date", parameters: { type: "object", properties: { date: { type: "string" } } } },
      run: (args, context) => {
        toolRuns.push(`${context.conversationId} check_hours ${JSON.stringify(args)}`);
        return "Open 9 am to 5 pm.";
      },
    },
    {
      spec: { name: "find_branch", description: "The branch nearest the caller", parameters: { type: "object", properties: {} } },
      run: (_args, context) => {
        toolRuns.push(`${context.conversationId} find_branch`);
        throw new Error("branch directory is offline");
      },
    },
  ]);

  beforeAll(async () => {
    h = await startHarness({
      db: "pglite",
      timeScale: 0.2,
      scenario: {
        name: "faults",
        callees: [
          {
            name: "two questions, a pause between",
            match: { prefix: "7201" },
            outcome: "answer",
            ringMs: 100,
            turns: [
              { afterBotMs: 300, say: "What are your opening hours?" },
              { afterBotMs: 2500, say: "What is your address?" },
              { afterBotMs: 800, hangup: true },
            ],
          },
          {
            name: "asks about tools",
            match: { prefix: "7202" },
            outcome: "answer",
            ringMs: 100,
            turns: [
              { afterBotMs: 300, say: "Are you open on Saturday?" },
              { afterBotMs: 400, say: "Which branch is nearest?" },
              { afterBotMs: 400, say: "What is your address?" },
              { afterBotMs: 800, hangup: true },
            ],
          },
        ],
      },
      start: { openai: { timeToFirstTokenMs: 100, tokensPerSecond: 200 }, tools },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const place = (to: string) => {
    const callId = randomUUID();
    h.sb.runtime.place({ callId, to, dialString: `sofia/gateway/carrier/${to}`, from: "+15550001111", timeoutSec: 30, dryRun: false });
    return callId;
  };
  const ended = (id: string) =>
    until<ConversationView>(`conversation ${id} to end`, () => {
      const v = h.sb.conversations.conversationView(id);
      return v && !v.live ? v : null;
    }, 30_000, 20);
  const journal = async (id: string) => {
    await h.sb.journal.flush();
    return listEvents(h.sb.database.db, id);
  };

  /** Opens a WebSocket to the media server; resolves with how it ended (refused before the upgrade, or closed). */
  const connect = (url: string, send?: (ws: WebSocket) => void) =>
    new Promise<{ opened: boolean; code: number }>((resolve) => {
      const ws = new WebSocket(url);
      ws.binaryType = "arraybuffer";
      let opened = false;
      ws.onopen = () => {
        opened = true;
        send?.(ws);
      };
      ws.onclose = (e) => resolve({ opened, code: e.code });
    });

  test("strangers and garbage at the caller-audio server: refused or skipped and counted; the conversation carries on", async () => {
    const callId = place("72015550100");
    const { id } = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Harbour Dental." });
    const counters = h.sb.media.counters;
    const base = `ws://127.0.0.1:${h.sb.media.port}/audio`;

    // Wait until the first answer is being given: the call's audio stream is up and heard.
    await until("the first answer", () => h.sb.conversations.conversationView(id)?.context.turns.length === 1, 20_000, 20);

    // A wrong token for the live call, and a call that does not exist: refused before the upgrade.
    expect(await connect(`${base}/${callId}?token=${"x".repeat(32)}`)).toMatchObject({ opened: false });
    expect(await connect(`${base}/${randomUUID()}?token=${"y".repeat(32)}`)).toMatchObject({ opened: false });
    expect(counters.streamsRefused.wrong_token + counters.streamsRefused.stale_token + counters.streamsRefused.reused_token).toBeGreaterThanOrEqual(1);
    expect(counters.streamsRefused.unknown_call).toBeGreaterThanOrEqual(1);

    // The switch sends a stray text frame on the call's own stream: skipped, counted.
    const textBefore = counters.textFramesUnexpected;
    await h.sb.link.api("uuid_audio_stream", `${callId} send_text garbage`);
    await until("the stray text frame", () => counters.textFramesUnexpected > textBefore, 20_000, 20);

    // A peer with a valid token (a second stream for the call, as a misbehaving module would open)
    // sends odd-sized frames and text: trimmed or skipped and counted. It displaces the switch's
    // stream (one per call), so the switch reports it lost and the conversation restarts it.
    const oddBefore = counters.framesOddSized;
    const grant = h.sb.media.expect({ callId, sampleRate: 16000, sink: { sendAudio: () => true }, onEvent: () => {} });
    const peer = connect(grant.url, (ws) => {
      ws.send("metadata");
      ws.send(new Uint8Array(641));
      ws.send(new Uint8Array(3));
      ws.send("not audio at all");
      setTimeout(() => ws.close(1000, "done"), 100);
    });
    expect((await peer).opened).toBe(true);
    expect(counters.framesOddSized).toBeGreaterThanOrEqual(oddBefore + 2);

    // The caller's second question, after all that, is heard and answered.
    const view = await ended(id);
    expect(view.context.outcome).toBe("caller_hung_up");
    const said = view.context.transcript.map((e) => `${e.who}: ${e.text}`);
    expect(said).toContainEqual(expect.stringMatching(/^caller: what is your address/i));
    expect(said.at(-1)).toMatch(/^bot: .*12 Harbour Street/);
    const rows = await journal(id);
    expect(rows.filter((r) => r.name === "STT_RETRY").length).toBeGreaterThanOrEqual(1);
    expect(rows.some((r) => r.name === "SPEECH_INPUT_LOST")).toBe(false);
  }, 40_000);

  test("invalid tool JSON and a tool that throws: clear journal entries, the model is told, the call carries on", async () => {
    const sim = h.sb.openai!;
    sim.addChatRule({ when: { lastUser: /saturday/i }, reply: { toolCalls: [{ name: "check_hours", arguments: { date: "Saturday" } }] }, fault: { kind: "invalid_tool_json" }, times: 1 });
    sim.addChatRule({ when: { lastUser: /branch/i }, reply: { toolCalls: [{ name: "find_branch", arguments: {} }] }, times: 1 });
    const callId = place("72025550100");
    const { id } = h.sb.conversations.startConversation(callId, { systemPrompt: PROMPT, firstMessage: "Harbour Dental." });
    const view = await ended(id);

    expect(view.context.outcome).toBe("caller_hung_up");
    // (What the rule-based responder does after an error result is its own: it may try the tool again.)
    const calls = view.context.toolCalls;
    expect([calls[0]!.name, calls[0]!.outcome]).toEqual(["check_hours", "invalid_arguments"]);
    expect(calls[0]!.result).toMatch(/not valid JSON/);
    const branch = calls.filter((c) => c.name === "find_branch");
    expect(branch.length).toBeGreaterThanOrEqual(1);
    for (const c of branch) expect([c.outcome, c.result]).toEqual(["error", "error: branch directory is offline"]);
    // Invalid arguments never reach the tool; the throwing one ran once per call the model made.
    const runs = toolRuns.filter((r) => r.startsWith(id));
    expect(runs.filter((r) => r.endsWith("find_branch"))).toHaveLength(branch.length);
    expect(runs.filter((r) => r.includes("check_hours"))).toHaveLength(calls.filter((c) => c.name === "check_hours" && c.outcome === "ok").length);
    // Every caller turn got an answer, the last one the address.
    const who = view.context.transcript.map((e) => e.who);
    expect(who.filter((w) => w === "caller")).toHaveLength(3);
    expect(who.at(-1)).toBe("bot");
    expect(view.context.transcript.at(-1)!.text).toMatch(/12 Harbour Street/);

    const rows = await journal(id);
    const failures = rows.filter((r) => r.name === "TOOL_FAILED").map((r) => [r.kind, (r.data as { name: string }).name, (r.data as { outcome: string }).outcome]);
    expect(failures[0]).toEqual(["error", "check_hours", "invalid_arguments"]);
    expect(failures).toContainEqual(["error", "find_branch", "error"]);
    const call = await h.waitForCall(callId, (c) => c.status === "completed");
    expect(call.hangup_by).toBe("callee");
  }, 40_000);
});

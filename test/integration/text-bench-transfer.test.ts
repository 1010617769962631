/**
 * The text test bench's transfers, on a receptionist made from the
 * general-business template: a transfer the flow asks for is not dialled but
 * recorded as where the caller would be put through (warm: with the summary
 * the agent would hear; blind: the dial string), and the session ends as the
 * call would; a department that is closed gets the caller offered a message,
 * which is then taken (into the sandbox).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

describe("text test bench: transfers", () => {
  let h: Harness;

  /** The general-business definition with every department open at all hours (no hours), or with sales never open. */
  const receptionist = async (salesHours: "always" | "never"): Promise<string> => {
    const definition = structuredClone(templateById("general-business")!.definition) as any;
    for (const target of definition.transfer_targets) {
      delete target.hours;
      if (target.name === "sales" && salesHours === "never") target.hours = {};
    }
    const created = await h.api("POST", "/v1/receptionists", definition);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  };
  const open = async (receptionistId: string) => {
    const r = await h.api("POST", `/v1/receptionists/${receptionistId}/test`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const turn = async (sessionId: string, text: string) => {
    const r = await h.api("POST", `/v1/test-sessions/${sessionId}/turns`, { text });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    h = await startHarness({ db: "pglite", start: { openai: { timeToFirstTokenMs: 5, tokensPerSecond: 5000 } } });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  test("a warm transfer to sales is recorded with its target and summary, and the session ends transferred", async () => {
    const s = await open(await receptionist("always"));
    expect(s.greeting).toBe("Thanks for calling Brightline Solar. How can I help?");
    const t = await turn(s.id, "Hi, can I talk to someone in sales?");
    expect(t.tool_calls.map((c: any) => [c.name, c.ok, c.arguments.target]), t.reply).toEqual([["transfer_to_human", true, "sales"]]);
    expect(t.transfer).toMatchObject({ type: "transfer", target: "sales", warm: true, note: "the caller would be transferred to sales" });
    // The dial string a call would bridge to: the bare number through the embedded default's gateway.
    expect(t.transfer.to).toBe("sofia/gateway/carrier/+15550103001");
    expect(typeof t.transfer.summary).toBe("string");
    expect(t).toMatchObject({ ended: true, state: "ended", outcome: "transferred" });
    const got = await h.api("GET", `/v1/test-sessions/${s.id}`);
    expect(got.body.line).toHaveLength(1);
    expect(got.body.line[0]).toMatchObject({ type: "transfer", target: "sales" });
    expect((await h.api("POST", `/v1/test-sessions/${s.id}/turns`, { text: "hello?" })).status).toBe(409);
  }, 30_000);

  test("a blind transfer to billing is recorded as the bridge a call would make", async () => {
    const s = await open(await receptionist("always"));
    const t = await turn(s.id, "Put me through to billing.");
    expect(t.tool_calls.map((c: any) => [c.name, c.ok]), t.reply).toEqual([["transfer_to_human", true]]);
    expect(t.transfer).toMatchObject({ target: "billing", warm: false, summary: null, to: "sofia/gateway/carrier/+15550103003" });
    expect(t.outcome).toBe("transferred");
  }, 30_000);

  test("sales out of hours: the caller is offered a message instead, and it is taken into the sandbox", async () => {
    const receptionistId = await receptionist("never");
    const s = await open(receptionistId);
    const asked = await turn(s.id, "Hi, can I talk to someone in sales?");
    const transfer = asked.tool_calls.find((c: any) => c.name === "transfer_to_human");
    expect(transfer, asked.reply).toMatchObject({ ok: false, result: { ok: false, status: "out_of_hours", target: "sales" } });
    expect(asked.transfer).toBeNull();
    expect(asked.ended).toBe(false);
    expect(asked.reply).toMatch(/message/i);
    const lines = ["Yes, please take a message, it is about the estimate you sent me", "Tom Reyes", "415 555 0123", "I have some questions about the estimate you sent me"];
    const turns = [];
    for (const text of lines) {
      turns.push(await turn(s.id, text));
      if (turns.at(-1).tool_calls.some((c: any) => c.name === "take_message")) break;
    }
    const said = turns.map((x) => x.reply).join("\n");
    expect(turns.at(-1).tool_calls.map((c: any) => [c.name, c.ok]), said).toEqual([["take_message", true]]);
    const messages = await h.api("GET", `/v1/messages?receptionist_id=${receptionistId}&sandbox=true`);
    expect(messages.body.messages).toHaveLength(1);
    expect(messages.body.messages[0]).toMatchObject({ callback_number: "+14155550123", sandbox: true });
    expect(messages.body.messages[0].caller_name).toMatch(/^tom reyes$/i);
    expect(messages.body.messages[0].reason).toMatch(/estimate/);
  }, 30_000);
});

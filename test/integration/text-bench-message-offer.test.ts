/**
 * The text test bench on the general-business template, where a department
 * is closed: the line said with the transfer promises nothing the tool then
 * refuses; a plain "yes please" to the offered message starts taking one,
 * and "yes, I'd like to leave a message" is not stored as what the message
 * is about (the reason is asked). Also a service-area question answered from
 * the profile's service area.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { templateById } from "../../machines/flows/index.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

describe("text test bench: a closed department's message offer", () => {
  let h: Harness;

  /** The general-business definition with sales never open and every other department open at all hours. */
  const salesClosed = async (): Promise<string> => {
    const definition = structuredClone(templateById("general-business")!.definition) as any;
    for (const target of definition.transfer_targets) {
      delete target.hours;
      if (target.name === "sales") target.hours = {};
    }
    const created = await h.api("POST", "/v1/receptionists", definition);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.id;
  };
  const open = async (receptionistId: string): Promise<string> => {
    const r = await h.api("POST", `/v1/receptionists/${receptionistId}/test`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id;
  };
  const turn = async (sessionId: string, text: string) => {
    const r = await h.api("POST", `/v1/test-sessions/${sessionId}/turns`, { text });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const sandboxMessages = async (receptionistId: string) => (await h.api("GET", `/v1/messages?receptionist_id=${receptionistId}&sandbox=true`)).body.messages;

  beforeAll(async () => {
    h = await startHarness({ db: "pglite", start: { openai: { timeToFirstTokenMs: 5, tokensPerSecond: 5000 } } });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  /** Asks for sales (refused: out of hours) and checks the reply offers a message without having promised a transfer. */
  async function refused(sessionId: string) {
    const t = await turn(sessionId, "Hi, can I talk to someone in sales?");
    expect(t.tool_calls.map((c: any) => [c.name, c.ok]), t.reply).toEqual([["transfer_to_human", false]]);
    expect(t.reply).toStartWith("Let me check if someone from sales is available.");
    expect(t.reply).not.toMatch(/transfer you|connect you|put you through/i);
    expect(t.reply).toMatch(/Would you like to leave a message\?$/);
  }

  test("'yes please' to the offer starts the message-taking, and the message is stored with its own reason", async () => {
    const receptionistId = await salesClosed();
    const s = await open(receptionistId);
    await refused(s);
    const yes = await turn(s, "yes please");
    expect(yes.reply).toBe("May I have your name, please?");
    expect((await turn(s, "Tom Reyes")).reply).toBe("What is the message regarding?");
    expect((await turn(s, "I have some questions about the estimate you sent me")).reply).toMatch(/phone number/i);
    const done = await turn(s, "415 555 0123");
    expect(done.tool_calls.map((c: any) => [c.name, c.ok]), done.reply).toEqual([["take_message", true]]);
    const [message, ...more] = await sandboxMessages(receptionistId);
    expect(more).toHaveLength(0);
    expect(message).toMatchObject({ caller_name: "Tom Reyes", callback_number: "+14155550123", sandbox: true });
    expect(message.reason).toMatch(/estimate/);
  }, 30_000);

  test("'Yes, I would like to leave a message' is no reason: the reason is asked for and stored", async () => {
    const receptionistId = await salesClosed();
    const s = await open(receptionistId);
    await refused(s);
    const said = [await turn(s, "Yes, I would like to leave a message, this is Tom Reyes at 415 555 0123")];
    expect(said[0].tool_calls).toEqual([]);
    expect(said[0].reply).toBe("What is the message regarding?");
    said.push(await turn(s, "A quote for panels on my garage roof"));
    expect(said[1].tool_calls.map((c: any) => [c.name, c.ok]), said[1].reply).toEqual([["take_message", true]]);
    const [message] = await sandboxMessages(receptionistId);
    expect(message.reason).toMatch(/garage roof/);
    expect(message.reason).not.toMatch(/leave a message/i);
  }, 30_000);

  test("a service-area question is answered from the profile's service area", async () => {
    const s = await open(await salesClosed());
    const t = await turn(s, "do you install in Santa Clara");
    expect(t.tool_calls).toEqual([]);
    expect(t.reply).toStartWith("Yes, we serve Alameda, Contra Costa and Santa Clara counties.");
  }, 30_000);
});

/**
 * The receptionists API over the real HTTP server (embedded default, PGlite):
 *  - POST /v1/receptionists from each template (one request, overrides
 *    merged) and from a full definition; every malformed flow refused with
 *    its precise 422 — the path of the field to fix and the compiler's message;
 *  - versions: PUT replaces the definition as a new version, the old one
 *    stays inspectable (GET …/flow?version=N);
 *  - GET …/flow: states, transitions, global functions, a Mermaid stateDiagram-v2;
 *  - GET /v1/templates; list, paging, soft delete;
 *  - odd input (unknown fields, NUL, lone surrogates, bad ids, odd cursors)
 *    is a 4xx naming the field, never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { DIAL_TARGET_HELP } from "../../machines/dial-target.ts";
import { TEMPLATES } from "../../machines/flows/index.ts";
import { createReceptionistBody, replaceReceptionistBody } from "../../src/http/schemas/receptionists.ts";
import { startHarness, type Harness } from "../support/switchboard.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ db: "pglite" });
});

afterAll(async () => {
  await h?.close();
});

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const jsonCopy = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** A small sound definition: triage ⇄ info, goodbye (final) by the global end_call. Each test breaks one thing. */
function smallDefinition(): any {
  return {
    name: "Front desk",
    greeting: "Hello, Elm Street Clinic.",
    business: {
      name: "Elm Street Clinic",
      timezone: "America/New_York",
      opening_hours: { monday: [{ open: "09:00", close: "17:00" }] },
    },
    voice: { engine: "flite", voice: "kal" },
    flow: {
      initial_node: "triage",
      nodes: {
        triage: {
          task: "Find out what the caller needs.",
          functions: [
            {
              name: "answer_faq",
              description: "Look up an answer.",
              parameters: { type: "object", properties: { question: { type: "string" } }, required: ["question"] },
            },
            { name: "more_info", description: "The caller wants details.", next_node: "info" },
          ],
        },
        info: { task: "Give details.", functions: [{ name: "back", description: "Back to the start.", next_node: "triage" }] },
        goodbye: { final: true, pre_actions: [{ say: "Goodbye!" }, { hangup: true }] },
      },
      global_functions: [{ name: "end_call", description: "End the call.", next_node: "goodbye" }],
    },
  };
}

async function create(body: unknown) {
  const r = await h.api("POST", "/v1/receptionists", body);
  if (r.status !== 201) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The 422's details for a body (the test fails on any other status). */
async function refusal(method: string, path: string, body?: unknown) {
  const r = await h.api(method, path, body);
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 422, code: "invalid_request" });
  return r.body.error.details as { field: string; message: string }[];
}

describe("creating receptionists", () => {
  test("from each template in one request: the template's definition, stored at version 1", async () => {
    for (const template of TEMPLATES) {
      const r = await h.api("POST", "/v1/receptionists", { template: template.id });
      expect(r.status).toBe(201);
      expect(Object.keys(r.body).sort()).toEqual(["created_at", "definition", "deleted_at", "id", "name", "updated_at", "version"]);
      expect(r.body).toMatchObject({ name: template.definition.name, version: 1, deleted_at: null });
      expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.body.definition).toEqual(jsonCopy(template.definition));
      const read = await h.api("GET", `/v1/receptionists/${r.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(r.body);
      // Its flow compiles and can be drawn.
      const flow = await h.api("GET", `/v1/receptionists/${r.body.id}/flow`);
      expect(flow.status).toBe(200);
      expect(flow.body.initial).toBe(template.definition.flow.initial_node);
    }
  });

  test("overrides are merged into the template: objects key by key, arrays replaced, null removes", async () => {
    const medical = TEMPLATES.find((t) => t.id === "medical-office")!.definition;
    const body = await create({
      template: "medical-office",
      overrides: {
        name: "Elm Street Dental receptionist",
        greeting: "Elm Street Dental, how can I help?",
        business: { name: "Elm Street Dental", phone: "+1 212 555 0100" },
        faq: [{ question: "Do you see children?", answer: "Yes, from age three." }],
        transfer_targets: [
          { name: "front_desk", dial_string: "user/1000" },
          { name: "billing", dial_string: "user/1001" },
          { name: "on_call", dial_string: "+12125550199", warm: true },
        ],
        safety: { blocked_topics: null },
      },
    });
    const d = body.definition;
    expect(body.name).toBe("Elm Street Dental receptionist");
    expect(d.greeting).toBe("Elm Street Dental, how can I help?");
    expect(d.business).toEqual({ ...jsonCopy(medical.business), name: "Elm Street Dental", phone: "+1 212 555 0100" });
    expect(d.faq).toEqual([{ question: "Do you see children?", answer: "Yes, from age three." }]);
    expect(d.transfer_targets.map((t: any) => [t.name, t.dial_string, t.warm, t.ring_timeout_s])).toEqual([
      ["front_desk", "user/1000", false, 20],
      ["billing", "user/1001", false, 20],
      ["on_call", "+12125550199", true, 20],
    ]);
    // Removed, then given its default again by the schema.
    expect(d.safety.blocked_topics).toEqual([]);
    expect(d.safety.emergency).toEqual(jsonCopy(medical.safety.emergency));
    expect(d.flow).toEqual(jsonCopy(medical.flow));
  });

  test("from a full definition, with the schema's defaults filled in", async () => {
    const body = await create(smallDefinition());
    expect(body.version).toBe(1);
    expect(body.definition.model).toBe("gpt-4o-mini");
    expect(body.definition.flow.nodes.info.pre_actions).toEqual([]);
    expect(body.definition.flow.nodes.triage.functions[1].parameters).toEqual({ type: "object", properties: {} });
  });

  test("what a template request gets wrong is named: the template, its own fields, the overrides", async () => {
    expect(await refusal("POST", "/v1/receptionists", { template: "dentist" })).toEqual([
      { field: "template", message: "is not a template (templates: medical-office, general-business, after-hours)" },
    ]);
    expect(await refusal("POST", "/v1/receptionists", { template: "medical-office", overides: { name: "x" } })).toEqual([
      { field: "overides", message: "unknown field (a body with a template takes template and overrides)" },
    ]);
    expect(await refusal("POST", "/v1/receptionists", { template: 7, overrides: [] })).toEqual([
      { field: "template", message: "must be a template id (medical-office, general-business, after-hours)" },
      { field: "overrides", message: "must be an object: the parts of the definition to change" },
    ]);
    expect(await refusal("POST", "/v1/receptionists", { template: "medical-office", overrides: { business: { nmae: "X" }, tempo: 1 } })).toEqual([
      { field: "overrides.business.nmae", message: "unknown field" },
      { field: "overrides.tempo", message: "unknown field" },
    ]);
    // Removing what the flow relies on: the booking settings its booking tools read.
    const details = await refusal("POST", "/v1/receptionists", { template: "medical-office", overrides: { booking: null } });
    expect(details).toEqual([{ field: "overrides.booking", message: "is required: the flow offers check_availability (flow.nodes.greeting.functions.0)" }]);
    // A key named __proto__ stays a key, refused as unknown; no prototype is touched.
    const proto = await h.api("POST", "/v1/receptionists", '{"template": "medical-office", "overrides": {"__proto__": {"name": "x"}}}');
    expect(proto.status).toBe(422);
    expect(proto.body.error.details).toEqual([{ field: "overrides.__proto__", message: "unknown field" }]);
  });
});

describe("every malformed flow gets its precise 422", () => {
  const cases: { name: string; breakIt(d: any): void; details: { field: string; message: string }[] }[] = [
    {
      name: "a function leading to an unknown node (and the node it no longer reaches)",
      breakIt: (d) => (d.flow.nodes.triage.functions[1].next_node = "inf"),
      details: [
        { field: "flow.nodes.triage.functions.1.next_node", message: '"inf" is not a node of this flow (nodes: triage, info, goodbye)' },
        { field: "flow.nodes.info", message: 'cannot be reached from initial_node "triage": no function leads here' },
      ],
    },
    {
      name: "an unknown initial node",
      breakIt: (d) => (d.flow.initial_node = "welcome"),
      details: [{ field: "flow.initial_node", message: '"welcome" is not a node of this flow (nodes: triage, info, goodbye)' }],
    },
    {
      name: "an unreachable node",
      breakIt: (d) => (d.flow.nodes.survey = { task: "Ask for a rating.", functions: [{ name: "rated", description: "Rated.", next_node: "goodbye" }] }),
      details: [{ field: "flow.nodes.survey", message: 'cannot be reached from initial_node "triage": no function leads here' }],
    },
    {
      name: "a node with no way out",
      breakIt: (d) => {
        d.flow.global_functions = [];
        d.flow.nodes.triage.functions.push({ name: "done", description: "The caller is done.", next_node: "goodbye" });
        d.flow.nodes.info.functions = [
          { name: "answer_faq", description: "Look up an answer.", parameters: { type: "object", properties: { question: { type: "string" } }, required: ["question"] } },
        ];
      },
      details: [
        { field: "flow.nodes.info", message: "has no way out: no function leads to another node, no pre_action transfers or hangs up, and it is not final" },
      ],
    },
    {
      name: "parameters that are not a valid JSON schema",
      breakIt: (d) => (d.flow.nodes.triage.functions[0].parameters.properties.question.type = "strnig"),
      details: [
        {
          field: "flow.nodes.triage.functions.0.parameters.properties.question.type",
          message: "must be one of string, number, integer, boolean, array, object, null (or a list of them)",
        },
      ],
    },
    {
      name: "parameters that are not an object schema",
      breakIt: (d) => (d.flow.nodes.triage.functions[1].parameters = { type: "array" }),
      details: [{ field: "flow.nodes.triage.functions.1.parameters.type", message: 'must be "object": a tool takes its arguments as one JSON object' }],
    },
    {
      name: "a required argument that is not a property",
      breakIt: (d) => (d.flow.nodes.triage.functions[0].parameters.required = ["topic"]),
      details: [{ field: "flow.nodes.triage.functions.0.parameters.required.0", message: '"topic" is not one of the properties (question)' }],
    },
    {
      name: "end_call leading to a node that is not final",
      breakIt: (d) => (d.flow.global_functions[0].next_node = "info"),
      details: [
        {
          field: "flow.global_functions.0.next_node",
          message: '"info" is not a final node: end_call must lead to one (or have no next_node, and the tool hangs up)',
        },
        { field: "flow.nodes.goodbye", message: 'cannot be reached from initial_node "triage": no function leads here' },
      ],
    },
    {
      name: "a node without a task",
      breakIt: (d) => delete d.flow.nodes.info.task,
      details: [{ field: "flow.nodes.info.task", message: "is required: the model needs to know what to do in this node (only a final node goes without)" }],
    },
    {
      name: "a misspelt node field",
      breakIt: (d) => (d.flow.nodes.info.timeout = 8),
      details: [{ field: "flow.nodes.info.timeout", message: "unknown field" }],
    },
    {
      name: "a transfer action with two endpoints",
      breakIt: (d) => (d.flow.nodes.info.pre_actions = [{ transfer: "user/1000|user/1001" }]),
      details: [{ field: "flow.nodes.info.pre_actions.0.transfer", message: DIAL_TARGET_HELP }],
    },
    {
      name: "a say after a hangup",
      breakIt: (d) => d.flow.nodes.goodbye.pre_actions.push({ say: "Still here?" }),
      details: [{ field: "flow.nodes.goodbye.pre_actions.2", message: "comes after a hangup (nodes.goodbye.pre_actions.1): it would never run" }],
    },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const definition = smallDefinition();
      c.breakIt(definition);
      expect(await refusal("POST", "/v1/receptionists", definition)).toEqual(c.details);
    });
  }

  test("several problems at once: one detail each", async () => {
    const definition = smallDefinition();
    definition.flow.nodes.triage.functions[0].parameters.properties.question.type = "strnig";
    definition.flow.nodes.triage.functions[1].next_node = "inf";
    definition.greeting = "two\nlines";
    expect(await refusal("POST", "/v1/receptionists", definition)).toEqual([
      { field: "greeting", message: "must be a single line (no CR or LF)" },
      {
        field: "flow.nodes.triage.functions.0.parameters.properties.question.type",
        message: "must be one of string, number, integer, boolean, array, object, null (or a list of them)",
      },
      { field: "flow.nodes.triage.functions.1.next_node", message: '"inf" is not a node of this flow (nodes: triage, info, goodbye)' },
      { field: "flow.nodes.info", message: 'cannot be reached from initial_node "triage": no function leads here' },
    ]);
  });

  test("a broken flow from a template is named under overrides", async () => {
    const details = await refusal("POST", "/v1/receptionists", {
      template: "general-business",
      overrides: { flow: { nodes: { message: { functions: [{ name: "take_message_now", description: "x", next_node: "messge" }] } } } },
    });
    expect(details).toEqual([
      {
        field: "overrides.flow.nodes.message.functions.0.next_node",
        message: '"messge" is not a node of this flow (nodes: greeting, message, wrap_up, goodbye)',
      },
    ]);
  });

  test("text PostgreSQL cannot store is refused wherever it is, keys included", async () => {
    const definition = smallDefinition();
    definition.name = "Front\u0000desk";
    definition.flow.nodes.triage.functions[0].parameters.properties.question.description = "bad \ud800 half";
    definition.flow.nodes.triage.functions[0].parameters.properties["q\u0000"] = { type: "string" };
    const details = await refusal("POST", "/v1/receptionists", definition);
    expect(details).toEqual([
      { field: "name", message: "must be well-formed Unicode text without NUL characters" },
      { field: "flow.nodes.triage.functions.0.parameters.properties.question.description", message: "must be well-formed Unicode text without NUL characters" },
      { field: "flow.nodes.triage.functions.0.parameters.properties.q\ufffd", message: "the field name must be well-formed Unicode text without NUL characters" },
    ]);
    const viaTemplate = await refusal("POST", "/v1/receptionists", { template: "after-hours", overrides: { greeting: "hi\u0000" } });
    expect(viaTemplate).toEqual([{ field: "overrides.greeting", message: "must be well-formed Unicode text without NUL characters" }]);
  });

  test("bodies that are not a definition at all", async () => {
    expect(await refusal("POST", "/v1/receptionists", [])).toEqual([{ field: "(body)", message: expect.any(String) }]);
    expect(await refusal("POST", "/v1/receptionists", "null")).toEqual([{ field: "(body)", message: expect.any(String) }]);
    const empty = await refusal("POST", "/v1/receptionists", {});
    expect(empty.map((d) => d.field)).toEqual(["name", "greeting", "business", "voice", "flow"]);
    expect((await h.api("POST", "/v1/receptionists", "{not json")).status).toBe(400);
    expect((await h.api("POST", "/v1/receptionists", undefined)).status).toBe(422);
  });
});

describe("versions", () => {
  test("PUT replaces the definition as a new version; the old version's flow stays inspectable", async () => {
    const created = await create(smallDefinition());
    const v1Flow = (await h.api("GET", `/v1/receptionists/${created.id}/flow`)).body;

    const edited = smallDefinition();
    edited.name = "Front desk (evenings)";
    edited.flow.nodes.info.task = "Give the evening details.";
    const put = await h.api("PUT", `/v1/receptionists/${created.id}`, edited);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: created.id, name: "Front desk (evenings)", version: 2, created_at: created.created_at });
    expect(put.body.definition.flow.nodes.info.task).toBe("Give the evening details.");
    expect((await h.api("GET", `/v1/receptionists/${created.id}`)).body).toEqual(put.body);

    const v2Flow = (await h.api("GET", `/v1/receptionists/${created.id}/flow`)).body;
    expect(v2Flow.version).toBe(2);
    expect(v2Flow.flow_version).not.toBe(v1Flow.flow_version);
    expect(v2Flow.states.find((s: any) => s.name === "info").task).toBe("Give the evening details.");
    // The version a running conversation pinned: as it was.
    const old = await h.api("GET", `/v1/receptionists/${created.id}/flow?version=1`);
    expect(old.status).toBe(200);
    expect(old.body).toEqual(v1Flow);
    expect((await h.api("GET", `/v1/receptionists/${created.id}/flow?version=2`)).body).toEqual(v2Flow);
    const missing = await h.api("GET", `/v1/receptionists/${created.id}/flow?version=3`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe(`receptionist ${created.id} has no version 3 (current: 2)`);

    // A refused replacement changes nothing.
    const broken = smallDefinition();
    broken.flow.initial_node = "nowhere";
    expect(await refusal("PUT", `/v1/receptionists/${created.id}`, broken)).toEqual([
      { field: "flow.initial_node", message: '"nowhere" is not a node of this flow (nodes: triage, info, goodbye)' },
    ]);
    expect((await h.api("GET", `/v1/receptionists/${created.id}`)).body.version).toBe(2);
  });

  test("PUT takes a full definition only, and a live receptionist", async () => {
    const created = await create({ template: "after-hours" });
    expect(await refusal("PUT", `/v1/receptionists/${created.id}`, { template: "after-hours" })).toContainEqual({ field: "template", message: "unknown field" });
    expect((await h.api("PUT", `/v1/receptionists/${UNKNOWN_ID}`, smallDefinition())).status).toBe(404);
    expect(await refusal("PUT", "/v1/receptionists/nope", smallDefinition())).toEqual([{ field: "id", message: expect.stringContaining("UUID") }]);
    // The definition a GET returns is a body PUT takes back as it is.
    const put = await h.api("PUT", `/v1/receptionists/${created.id}`, created.definition);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, definition: created.definition });
  });
});

describe("the flow endpoint", () => {
  test("states, transitions and global functions of the compiled machine, and a Mermaid stateDiagram-v2", async () => {
    const created = await create({ template: "medical-office" });
    const r = await h.api("GET", `/v1/receptionists/${created.id}/flow`);
    expect(r.status).toBe(200);
    const flow = r.body;
    expect(Object.keys(flow).sort()).toEqual(
      ["flow_version", "global_functions", "initial", "mermaid", "receptionist_id", "states", "transitions", "version"].sort(),
    );
    expect(flow).toMatchObject({ receptionist_id: created.id, version: 1, initial: "greeting" });
    expect(flow.flow_version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(flow.states.map((s: any) => s.name).sort()).toEqual(["booking", "emergency", "goodbye", "greeting", "message", "refill", "wrap_up"]);
    const goodbye = flow.states.find((s: any) => s.name === "goodbye");
    expect(goodbye).toMatchObject({ final: true, functions: [], task: null });
    expect(flow.transitions).toContainEqual({ from: "greeting", event: "function.check_availability", to: "booking", function: "check_availability", global: false });
    expect(flow.transitions).toContainEqual({ from: "booking", event: "function.report_emergency", to: "emergency", function: "report_emergency", global: true });
    expect(flow.global_functions.map((f: any) => f.name)).toEqual(["answer_faq", "transfer_to_human", "report_emergency", "end_call"]);
    expect(flow.global_functions.find((f: any) => f.name === "end_call").next_node).toBe("goodbye");
    expect(flow.mermaid.startsWith("stateDiagram-v2\n")).toBe(true);
    expect(flow.mermaid).toContain("[*] --> greeting");
    expect(flow.mermaid).toContain("goodbye --> [*]");
  });

  test("odd ids and queries are 4xx", async () => {
    const created = await create({ template: "after-hours" });
    const base = `/v1/receptionists/${created.id}/flow`;
    for (const q of ["version=0", "version=abc", "version=-1", "version=1.5", "version=99999999999", "version="]) {
      expect({ q, details: await refusal("GET", `${base}?${q}`) }).toEqual({ q, details: [{ field: "version", message: expect.any(String) }] });
    }
    expect(await refusal("GET", `${base}?versoin=1`)).toEqual([{ field: "versoin", message: "unknown field" }]);
    expect((await h.api("GET", `/v1/receptionists/${UNKNOWN_ID}/flow`)).status).toBe(404);
    expect(await refusal("GET", "/v1/receptionists/123/flow")).toEqual([{ field: "id", message: expect.any(String) }]);
  });
});

describe("templates", () => {
  test("GET /v1/templates lists every shipped template with its definition", async () => {
    const r = await h.api("GET", "/v1/templates");
    expect(r.status).toBe(200);
    expect(r.body.templates.map((t: any) => t.id)).toEqual(["medical-office", "general-business", "after-hours"]);
    for (const t of r.body.templates) {
      expect(Object.keys(t).sort()).toEqual(["definition", "description", "id", "name"]);
      expect(t.definition).toEqual(jsonCopy(TEMPLATES.find((x) => x.id === t.id)!.definition));
    }
    const one = await h.api("GET", "/v1/templates/general-business");
    expect(one.status).toBe(200);
    expect(one.body).toEqual(r.body.templates[1]);
    expect((await h.api("GET", "/v1/templates/dentist")).status).toBe(404);
    expect(await refusal("GET", "/v1/templates/Medical%20Office")).toEqual([{ field: "id", message: expect.any(String) }]);
  });
});

describe("listing and deleting", () => {
  test("newest first, paged by cursor; a deleted receptionist is gone from the list and its reads", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ template: "general-business", overrides: { name: `Desk ${i}` } })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { status: number; body: any } = await h.api("GET", `/v1/receptionists?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.receptionists.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.receptionists.map((x: any) => x.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    // Newest first: the three just made lead the list, last made first.
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());

    const gone = await h.api("DELETE", `/v1/receptionists/${ids[1]}`);
    expect(gone.status).toBe(200);
    expect(gone.body).toMatchObject({ id: ids[1], name: "Desk 1", version: 1 });
    expect(gone.body.deleted_at).toEqual(expect.any(String));
    expect((await h.api("GET", `/v1/receptionists/${ids[1]}`)).status).toBe(404);
    expect((await h.api("GET", `/v1/receptionists/${ids[1]}/flow`)).status).toBe(404);
    expect((await h.api("PUT", `/v1/receptionists/${ids[1]}`, smallDefinition())).status).toBe(404);
    expect((await h.api("DELETE", `/v1/receptionists/${ids[1]}`)).status).toBe(404);
    const after = (await h.api("GET", "/v1/receptionists?limit=100")).body.receptionists.map((x: any) => x.id);
    expect(after).toContain(ids[0]);
    expect(after).not.toContain(ids[1]);
  });

  test("odd queries, cursors and ids are 4xx naming the field", async () => {
    expect(await refusal("GET", "/v1/receptionists?limit=0")).toEqual([{ field: "limit", message: expect.any(String) }]);
    expect(await refusal("GET", "/v1/receptionists?limit=101")).toEqual([{ field: "limit", message: expect.any(String) }]);
    expect(await refusal("GET", "/v1/receptionists?status=active")).toEqual([{ field: "status", message: "unknown field" }]);
    expect(await refusal("GET", "/v1/receptionists?cursor=%00")).toEqual([{ field: "cursor", message: expect.any(String) }]);
    const forged = Buffer.from(JSON.stringify([-5, "x"])).toString("base64url");
    expect(await refusal("GET", `/v1/receptionists?cursor=${forged}`)).toEqual([{ field: "cursor", message: expect.stringContaining("invalid cursor") }]);
    for (const id of ["nope", "%00", "00000000-0000-4000-8000-00000000000g", "x".repeat(200)]) {
      expect({ id, details: await refusal("GET", `/v1/receptionists/${id}`) }).toEqual({ id, details: [{ field: "id", message: expect.any(String) }] });
      expect({ id, status: (await h.api("DELETE", `/v1/receptionists/${id}`)).status }).toEqual({ id, status: 422 });
    }
    expect((await h.api("GET", `/v1/receptionists/${UNKNOWN_ID}`)).status).toBe(404);
    // An upper-case UUID names the same row.
    const created = await create({ template: "after-hours" });
    expect((await h.api("GET", `/v1/receptionists/${created.id.toUpperCase()}`)).body.id).toBe(created.id);
  });
});

describe("the OpenAPI document", () => {
  test("lists the receptionist routes; the create body's schema shows both shapes it may take", async () => {
    const r = await h.api("GET", "/docs/json");
    expect(r.status).toBe(200);
    for (const path of ["/v1/receptionists", "/v1/receptionists/{id}", "/v1/receptionists/{id}/flow", "/v1/templates", "/v1/templates/{id}", "/v1/numbers", "/v1/numbers/{did}", "/v1/appointments", "/v1/messages"]) {
      expect(r.body.paths).toHaveProperty([path]);
    }
    expect(r.body.paths["/v1/receptionists/{id}/flow"].get.parameters.map((p: any) => p.name).sort()).toEqual(["id", "version"]);
    // What the document renders for the bodies (as app.ts maps zod schemas).
    const body = z.toJSONSchema(createReceptionistBody, { io: "input", unrepresentable: "any" }) as any;
    expect(body.anyOf).toHaveLength(2);
    expect(body.anyOf[0].required).toEqual(["template"]);
    expect(body.anyOf[0].properties.template.enum).toEqual(["medical-office", "general-business", "after-hours"]);
    expect(body.anyOf[1].required).toEqual(expect.arrayContaining(["name", "greeting", "business", "voice", "flow"]));
    const put = z.toJSONSchema(replaceReceptionistBody, { io: "input", unrepresentable: "any" }) as any;
    expect(put.properties.flow.properties.nodes).toBeDefined();
  });
});

describe("the README's receptionist in three requests", () => {
  test("create from the medical-office template with overrides, route a number, list its appointments", async () => {
    const created = await h.api("POST", "/v1/receptionists", {
      template: "medical-office",
      overrides: {
        name: "Elm Street Dental",
        greeting: "Elm Street Dental, how can I help?",
        business: { name: "Elm Street Dental", timezone: "America/Chicago" },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.definition.business).toMatchObject({ name: "Elm Street Dental", timezone: "America/Chicago", address: expect.any(String) });
    const routed = await h.api("POST", "/v1/numbers", { did: "(212) 555-0123", receptionist_id: created.body.id });
    expect(routed.status).toBe(201);
    expect(routed.body.did).toBe("+12125550123");
    const listed = await h.api("GET", `/v1/appointments?receptionist_id=${created.body.id}&from=2026-03-02T00:00:00-06:00`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ appointments: [], next_cursor: null });
  });
});

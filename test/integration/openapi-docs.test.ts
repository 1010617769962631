/** The OpenAPI document at /docs shows every request body's schema, from the same zod schemas that validate it. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startHarness, type Harness } from "../support/switchboard.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ db: "pglite" });
});
afterAll(async () => {
  await h?.close();
});

test("every POST and PUT body is documented as JSON with its schema", async () => {
  const doc = (await fetch(`${h.sb.url}/docs/json`).then((r) => r.json())) as any;
  const bodies: Array<[string, any]> = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const method of ["post", "put"]) if (item[method]?.requestBody) bodies.push([`${method.toUpperCase()} ${path}`, item[method].requestBody]);
  }
  expect(bodies.map(([name]) => name)).toContain("POST /v1/calls");
  for (const [name, body] of bodies) {
    const schema = body.content?.["application/json"]?.schema;
    // An object, or a union of objects (a live action is one of several shapes).
    expect({ name, documented: schema?.type === "object" || Array.isArray(schema?.anyOf) || Array.isArray(schema?.oneOf) }).toEqual({ name, documented: true });
  }
  expect(Object.keys(doc.paths["/v1/calls"].post.requestBody.content["application/json"].schema.properties)).toContain("to");
});

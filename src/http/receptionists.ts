/**
 * /v1/receptionists — the AI receptionists an owner defines: create (a full
 * definition, or a template with overrides), list, read, replace (each save
 * is a new version; a running conversation keeps the version it pinned),
 * delete (soft; its numbers stop routing), and inspect the compiled flow.
 *
 * The definition is the owner's own data and is returned to the key holder
 * as stored; nothing else of the runtime (conversations, actors) is read here.
 */
import { Elysia } from "elysia";
import { compileFlow } from "../../machines/receptionist/flow-compiler.ts";
import { describeFlow } from "../../machines/receptionist/flow-describe.ts";
import { flowMermaid } from "../../machines/receptionist/flow-mermaid.ts";
import type { Database } from "../db/client.ts";
import {
  createReceptionist,
  deleteReceptionist,
  getReceptionist,
  getReceptionistVersion,
  InvalidCursorError,
  listReceptionists,
  updateReceptionist,
} from "../db/queries/receptionists.ts";
import type { ReceptionistRow } from "../db/schema.ts";
import { childLog } from "../log.ts";
import { ApiError, invalidRequest, notFound } from "./errors.ts";
import { JSON_BODY } from "./request-limits.ts";
import {
  createReceptionistBody,
  listReceptionistsQuery,
  receptionistFlowQuery,
  receptionistIdParams,
  replaceReceptionistBody,
} from "./schemas/receptionists.ts";

const log = childLog({ mod: "http.receptionists" });

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A receptionist as the API shows it (every answer: create, read, list, replace, delete). */
export function receptionistJson(row: ReceptionistRow) {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    definition: row.definition,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    deleted_at: iso(row.deletedAt),
  };
}

export interface ReceptionistsRouteDeps {
  database: Database;
}

export function receptionistsRoutes({ database }: ReceptionistsRouteDeps) {
  const db = database.db;

  const mustExist = async (id: string) => {
    const row = await getReceptionist(db, id);
    if (!row) throw notFound("receptionist", id);
    return row;
  };

  return new Elysia({ name: "receptionists", prefix: "/v1/receptionists" })
    .post(
      "",
      async ({ body, set }) => {
        const row = await createReceptionist(db, { name: body.definition.name, definition: body.definition });
        set.status = 201;
        return receptionistJson(row);
      },
      {
        parse: JSON_BODY,
        body: createReceptionistBody,
        detail: {
          summary: "Create a receptionist from a full definition, or from a template with overrides",
          description:
            "422 names each problem at its path: a field of the definition, or a flow problem the compiler finds (flow.nodes.<node>.functions.<i>.next_node that is not a node, a node that cannot be reached, a node with no way out, parameters that are not a valid JSON schema). From a template, paths are under overrides. The answer is the stored receptionist at version 1.",
          tags: ["receptionists"],
        },
      },
    )
    .get(
      "",
      async ({ query }) => {
        try {
          const page = await listReceptionists(db, { limit: query.limit, cursor: query.cursor });
          return { receptionists: page.receptionists.map(receptionistJson), next_cursor: page.nextCursor };
        } catch (err) {
          if (err instanceof InvalidCursorError) throw invalidRequest([{ field: "cursor", message: err.message }]);
          throw err;
        }
      },
      {
        query: listReceptionistsQuery,
        detail: { summary: "List receptionists, newest first (deleted ones are not listed)", tags: ["receptionists"] },
      },
    )
    .get("/:id", async ({ params }) => receptionistJson(await mustExist(params.id)), {
      params: receptionistIdParams,
      detail: { summary: "A receptionist: its current version and definition", tags: ["receptionists"] },
    })
    .put(
      "/:id",
      async ({ params, body }) => {
        const row = await updateReceptionist(db, params.id, { name: body.definition.name, definition: body.definition });
        if (!row) throw notFound("receptionist", params.id);
        return receptionistJson(row);
      },
      {
        params: receptionistIdParams,
        parse: JSON_BODY,
        body: replaceReceptionistBody,
        detail: {
          summary: "Replace a receptionist's definition: a new version",
          description:
            "The full definition, checked as on create. New calls use the new version; a conversation already running keeps the version it started with.",
          tags: ["receptionists"],
        },
      },
    )
    .delete(
      "/:id",
      async ({ params }) => {
        if (!(await deleteReceptionist(db, params.id))) throw notFound("receptionist", params.id);
        const row = await getReceptionist(db, params.id, { includeDeleted: true });
        return receptionistJson(row!);
      },
      {
        params: receptionistIdParams,
        detail: {
          summary: "Delete a receptionist (its numbers are released)",
          description: "Soft: its appointments and messages stay listed under its id; calls to its numbers get the default from now on.",
          tags: ["receptionists"],
        },
      },
    )
    .get(
      "/:id/flow",
      async ({ params, query }) => {
        const current = await mustExist(params.id);
        let version = current.version;
        let definition = current.definition;
        if (query.version !== undefined && query.version !== current.version) {
          const saved = query.version < current.version ? await getReceptionistVersion(db, params.id, query.version) : null;
          if (!saved) throw new ApiError(404, "not_found", `receptionist ${params.id} has no version ${query.version} (current: ${current.version})`);
          version = saved.version;
          definition = saved.definition;
        }
        const compiled = compileFlow((definition as { flow?: unknown } | null)?.flow);
        if (!compiled.ok) {
          // Stored definitions passed the same checks; a stored flow that no longer compiles is ours to fix.
          log.error({ receptionistId: params.id, version, errors: compiled.errors.slice(0, 5) }, "a stored flow does not compile");
          throw new ApiError(500, "internal_error", "this version's flow cannot be compiled");
        }
        const { version: flowVersion, ...description } = describeFlow(compiled.compiled);
        return {
          receptionist_id: params.id,
          version,
          flow_version: flowVersion,
          ...description,
          mermaid: flowMermaid(compiled.compiled),
        };
      },
      {
        params: receptionistIdParams,
        query: receptionistFlowQuery,
        detail: {
          summary: "The compiled flow: states, transitions, global functions, and a Mermaid stateDiagram-v2",
          description:
            "Read off the compiled state machine of the current version (or ?version=N, a saved one). version is the receptionist's version, flow_version the compiled flow's content hash that a conversation pins.",
          tags: ["receptionists"],
        },
      },
    );
}

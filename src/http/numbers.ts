/**
 * /v1/numbers — which receptionist answers a DID. An inbound call whose
 * destination number is routed here starts that receptionist's conversation
 * (the runtime asks routeForNumber); any other number gets the configured
 * default. A DID is stored in E.164; one receptionist per DID: to move one,
 * release it and assign it again.
 */
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { claimNumber, getNumber, InvalidCursorError, listNumbers, releaseNumber } from "../db/queries/numbers.ts";
import type { NumberRow } from "../db/schema.ts";
import { ApiError, invalidRequest, notFound } from "./errors.ts";
import { JSON_BODY } from "./request-limits.ts";
import { assignNumberBody, listNumbersQuery, numberParams } from "./schemas/numbers.ts";

export function numberJson(row: NumberRow) {
  return {
    did: row.did,
    receptionist_id: row.receptionistId,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export interface NumbersRouteDeps {
  database: Database;
}

export function numbersRoutes({ database }: NumbersRouteDeps) {
  const db = database.db;
  return new Elysia({ name: "numbers", prefix: "/v1/numbers" })
    .post(
      "",
      async ({ body, set }) => {
        const claim = await claimNumber(db, body.did, body.receptionist_id);
        switch (claim.outcome) {
          case "no_receptionist":
            throw invalidRequest([{ field: "receptionist_id", message: "is not a receptionist (unknown or deleted)" }]);
          case "taken":
            throw new ApiError(
              409,
              "number_taken",
              `${body.did} is routed to another receptionist; release it (DELETE /v1/numbers/${body.did}) to move it`,
              claim.number ? [{ did: claim.number.did, receptionist_id: claim.number.receptionistId }] : [{ did: body.did }],
            );
          case "already_assigned":
            set.status = 200;
            return numberJson(claim.number);
          case "assigned":
            set.status = 201;
            return numberJson(claim.number);
        }
      },
      {
        parse: JSON_BODY,
        body: assignNumberBody,
        detail: {
          summary: "Route a number (DID) to a receptionist",
          description:
            "The DID is normalised to E.164. 201 when routed; 200 when it already routes to this receptionist; 409 when another receptionist has it; 422 when the receptionist does not exist.",
          tags: ["numbers"],
        },
      },
    )
    .get(
      "",
      async ({ query }) => {
        try {
          const page = await listNumbers(db, { receptionistId: query.receptionist_id, limit: query.limit, cursor: query.cursor });
          return { numbers: page.numbers.map(numberJson), next_cursor: page.nextCursor };
        } catch (err) {
          if (err instanceof InvalidCursorError) throw invalidRequest([{ field: "cursor", message: err.message }]);
          throw err;
        }
      },
      { query: listNumbersQuery, detail: { summary: "Routed numbers, newest first (filter by receptionist_id)", tags: ["numbers"] } },
    )
    .get(
      "/:did",
      async ({ params }) => {
        const row = await getNumber(db, params.did);
        if (!row) throw notFound("number", params.did);
        return numberJson(row);
      },
      { params: numberParams, detail: { summary: "A routed number", tags: ["numbers"] } },
    )
    .delete(
      "/:did",
      async ({ params }) => {
        const row = await getNumber(db, params.did);
        if (!row || !(await releaseNumber(db, params.did))) throw notFound("number", params.did);
        return numberJson(row);
      },
      {
        params: numberParams,
        detail: { summary: "Release a number: calls to it get the default from now on", tags: ["numbers"] },
      },
    );
}

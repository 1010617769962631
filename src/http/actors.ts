/** /v1/actors — inspect any live actor of any kind: state, status, parent, children, context summary. */
import { Elysia } from "elysia";
import { z } from "zod";
import type { ActorHost } from "../runtime/actor-host.ts";
import { notFound } from "./errors.ts";
import { resourceId } from "./schemas/text.ts";

export function actorsRoutes({ host }: { host: Pick<ActorHost, "inspect" | "inspectAll"> }) {
  return new Elysia({ name: "actors", prefix: "/v1/actors" })
    .get("", () => ({ actors: host.inspectAll() }), {
      detail: { summary: "Every live actor: kind, state, status, parent, children, context summary", tags: ["actors"] },
    })
    .get(
      "/:id",
      ({ params }) => {
        const actor = host.inspect(params.id);
        if (!actor) throw notFound("actor", params.id);
        return actor;
      },
      { params: z.strictObject({ id: resourceId }), detail: { summary: "One live actor", tags: ["actors"] } },
    );
}

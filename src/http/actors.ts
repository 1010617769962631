/** /v1/actors — inspect any live actor: kind, state value, context summary, children. */
import { Elysia } from "elysia";
import { z } from "zod";
import type { CallRuntime } from "../runtime/call-runtime.ts";
import { notFound } from "./errors.ts";
import { resourceId } from "./schemas/text.ts";

export function actorsRoutes({ runtime }: { runtime: CallRuntime }) {
  const summary = (id: string) => {
    const a = runtime.inspect(id);
    return a && { id: a.id, kind: a.kind, state: a.state, status: a.status, context: a.context, children: [] as string[] };
  };
  return new Elysia({ name: "actors", prefix: "/v1/actors" })
    .get("", () => ({ actors: runtime.actorIds().map(summary).filter((a) => a !== null) }), {
      detail: { summary: "Every live actor", tags: ["actors"] },
    })
    .get(
      "/:id",
      ({ params }) => {
        const a = summary(params.id);
        if (!a) throw notFound("actor", params.id);
        return a;
      },
      { params: z.strictObject({ id: resourceId }), detail: { summary: "One live actor's snapshot", tags: ["actors"] } },
    );
}

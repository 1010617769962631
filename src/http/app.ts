/**
 * The Elysia app: one plugin per resource, one error shape, bearer auth on /v1,
 * and the OpenAPI document (from the same zod schemas) at /docs.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { z } from "zod";
import type { Database } from "../db/client.ts";
import { childLog } from "../log.ts";
import type { CallRuntime } from "../runtime/call-runtime.ts";
import type { RuntimeMetrics } from "../runtime/runtime-metrics.ts";
import type { SwitchLink } from "../runtime/switch-link.ts";
import { actorsRoutes } from "./actors.ts";
import { bearerAuth, type KeyVerifier } from "./auth.ts";
import { callsRoutes } from "./calls.ts";
import { ApiError, validationDetails } from "./errors.ts";
import { healthRoutes } from "./health.ts";

const log = childLog({ mod: "http" });

export interface AppDeps {
  runtime: CallRuntime;
  database: Database;
  link: SwitchLink;
  metrics: RuntimeMetrics;
  keys: KeyVerifier;
  dialGateway: string | undefined;
}

export function createApp(deps: AppDeps) {
  const { metrics } = deps;
  return new Elysia()
    .use(
      openapi({
        path: "/docs",
        documentation: {
          info: { title: "Switchboard", version: "0.1.0", description: "Calls as actors over FreeSWITCH: HTTP call control." },
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
          security: [{ bearer: [] }],
        },
        mapJsonSchema: { zod: (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" }) },
      }),
    )
    .onError({ as: "global" }, ({ code, error, set, path }) => {
      if (error instanceof ApiError) {
        set.status = error.status;
        return error.body();
      }
      if (code === "VALIDATION") {
        set.status = 422;
        const details = validationDetails((error as { all?: unknown }).all);
        return new ApiError(422, "invalid_request", `request is invalid: ${details.map((d) => d.field).join(", ")}`, details).body();
      }
      if (code === "PARSE") {
        set.status = 400;
        return new ApiError(400, "invalid_json", "the request body is not valid JSON").body();
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        return new ApiError(404, "not_found", `no route for ${path}`).body();
      }
      log.error({ err: error, path }, "unhandled error in an HTTP handler");
      set.status = 500;
      return new ApiError(500, "internal_error", "internal error").body();
    })
    .onAfterResponse({ as: "global" }, ({ set }) => {
      const status = typeof set.status === "number" ? set.status : 200;
      metrics.apiRequests.inc({ class: `${Math.floor(status / 100)}xx` });
    })
    .use(bearerAuth(deps.keys))
    .use(healthRoutes(deps))
    .use(callsRoutes(deps))
    .use(actorsRoutes(deps));
}

export type App = ReturnType<typeof createApp>;

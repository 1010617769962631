/**
 * The Elysia app: one plugin per resource, one error shape, bearer auth on
 * everything but /health, /metrics and /docs, and the OpenAPI document (from
 * the same zod schemas) at /docs.
 *
 * Order of work for a request: the key (onRequest, before routing), the body's
 * size, type and depth (request-limits.ts), then the route's zod schemas, then
 * the handler. Each step refuses in the error shape of errors.ts.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { z } from "zod";
import type { Database } from "../db/client.ts";
import type { JournalStats } from "../db/journal.ts";
import { childLog } from "../log.ts";
import type { ActorHost } from "../runtime/actor-host.ts";
import type { CallRuntime } from "../runtime/call-runtime.ts";
import type { RuntimeMetrics } from "../runtime/runtime-metrics.ts";
import type { SwitchLink } from "../runtime/switch-link.ts";
import { actorsRoutes } from "./actors.ts";
import { appointmentsRoutes } from "./appointments.ts";
import { bearerAuth, type KeyVerifier } from "./auth.ts";
import { callsRoutes } from "./calls.ts";
import { conversationsRoutes, type ConversationsApi } from "./conversations.ts";
import { apiErrorOf } from "./errors.ts";
import { healthRoutes } from "./health.ts";
import { messagesRoutes } from "./messages.ts";
import { numbersRoutes } from "./numbers.ts";
import { receptionistsRoutes } from "./receptionists.ts";
import { DEFAULT_REQUEST_LIMITS, requestLimits } from "./request-limits.ts";
import { templatesRoutes } from "./templates.ts";
import { testSessionsRoutes } from "./test-sessions.ts";
import type { TextSessions } from "../runtime/text-sessions.ts";

const log = childLog({ mod: "http" });

export interface AppDeps {
  /** Every live actor, of every kind (GET /v1/actors). */
  host: ActorHost;
  /** Calls: place, command, view (the /v1/calls routes). */
  runtime: CallRuntime;
  database: Database;
  link: SwitchLink;
  metrics: RuntimeMetrics;
  keys: KeyVerifier;
  dialGateway: string | undefined;
  /** What the edge accepts (config.edge); defaults: 64 KiB bodies, no private webhook targets. */
  edge?: Partial<EdgeSettings>;
  /** Conversations: started by POST /v1/calls, read live by /v1/conversations (absent: read from the database only). */
  conversations?: ConversationsApi;
  /** The journal writer, so /metrics can show rows the database refused. */
  journal?: { stats(): JournalStats };
  /** The receptionist text test bench (POST /v1/receptionists/:id/test, /v1/test-sessions); absent: not served. */
  textSessions?: TextSessions;
}

export interface EdgeSettings {
  /** Largest request body, bytes (HTTP_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** status_callback may target loopback and private networks (WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
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
      const refusal = apiErrorOf(code, error, path);
      if (refusal.status >= 500) log.error({ err: error, path }, "unhandled error in an HTTP handler");
      set.status = refusal.status;
      return refusal.body();
    })
    .onAfterResponse({ as: "global" }, ({ set }) => {
      const status = typeof set.status === "number" ? set.status : 200;
      metrics.apiRequests.inc({ class: `${Math.floor(status / 100)}xx` });
    })
    .use(bearerAuth(deps.keys))
    .use(requestLimits({ ...DEFAULT_REQUEST_LIMITS, maxBodyBytes: deps.edge?.maxBodyBytes ?? DEFAULT_REQUEST_LIMITS.maxBodyBytes }))
    .use(healthRoutes(deps))
    .use(callsRoutes({ ...deps, webhookAllowPrivate: deps.edge?.webhookAllowPrivate ?? false }))
    .use(conversationsRoutes(deps))
    .use(receptionistsRoutes(deps))
    .use(templatesRoutes())
    .use(numbersRoutes(deps))
    .use(appointmentsRoutes(deps))
    .use(messagesRoutes(deps))
    .use(actorsRoutes(deps))
    .use(deps.textSessions ? testSessionsRoutes({ textSessions: deps.textSessions }) : new Elysia({ name: "test-sessions" }));
}

export type App = ReturnType<typeof createApp>;

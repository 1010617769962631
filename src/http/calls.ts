/**
 * /v1/calls — place, list, inspect, act on and cancel calls.
 *
 * The route only translates: JSON in → runtime call → JSON out. What a call may
 * do is decided by its machine (refusals answer 409 with the state).
 */
import { randomUUID } from "node:crypto";
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { getCall, InvalidCursorError, listCalls } from "../db/queries/calls.ts";
import { listEvents } from "../db/queries/call-events.ts";
import { latestConversationIds } from "../db/queries/conversations.ts";
import type { CallAction } from "../../machines/call.ts";
import { RuntimeRefusal, type CallRuntime } from "../runtime/call-runtime.ts";
import type { SwitchLink } from "../runtime/switch-link.ts";
import { scriptStepOf, userCommandOf } from "./call-actions.ts";
import { callJson, eventJson } from "./call-view.ts";
import type { ConversationSpec } from "../runtime/conversation-api.ts";
import type { ConversationsApi } from "./conversations.ts";
import { ApiError, conflict, invalidRequest, notFound, switchUnavailable } from "./errors.ts";
import { JSON_BODY } from "./request-limits.ts";
import { callActionBody, callIdParams, createCallBody, listCallsQuery, type CreateCallBody } from "./schemas/calls.ts";
import { privateTargetReason } from "./schemas/webhook-url.ts";

export interface CallsRouteDeps {
  runtime: CallRuntime;
  database: Database;
  link: SwitchLink;
  /** Gateway a bare number is dialled through: sofia/gateway/<gw>/<number>. */
  dialGateway: string | undefined;
  /** status_callback may name loopback or private-network targets (WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: boolean;
  /** Starts the conversation a call asks for, and names a live call's; absent: POST with a conversation is 503. */
  conversations?: Pick<ConversationsApi, "startConversation" | "conversationOfCall">;
}

export function callsRoutes({ runtime, database, link, dialGateway, webhookAllowPrivate, conversations }: CallsRouteDeps) {
  const db = database.db;

  /** The call's conversation: the live one the runtime names, else the latest stored. */
  const conversationIdsOf = async (callIds: string[]): Promise<Map<string, string>> => {
    const live = new Map<string, string>();
    for (const callId of callIds) {
      const id = conversations?.conversationOfCall?.(callId)?.id;
      if (id) live.set(callId, id);
    }
    const stored = await latestConversationIds(db, callIds.filter((id) => !live.has(id)));
    return new Map([...stored, ...live]);
  };

  /**
   * Hands the call's conversation to the runtime, which starts it once the call
   * is answered. If the runtime refuses, the call just placed is cancelled: a
   * call placed to talk must not ring someone with nothing to say.
   */
  const startConversation = (callId: string, spec: NonNullable<CreateCallBody["conversation"]>): string => {
    const request: ConversationSpec = {
      systemPrompt: spec.system_prompt,
      ...(spec.first_message !== undefined ? { firstMessage: spec.first_message } : {}),
      ...(spec.voice ? { voice: { engine: spec.voice.engine, voice: spec.voice.voice } } : {}),
      ...(spec.model !== undefined ? { model: spec.model } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
    };
    try {
      return conversations!.startConversation(callId, request).id;
    } catch (err) {
      runtime.command(callId, { type: "hangup" });
      throw refusalOf(err);
    }
  };

  const dialStringFor = (to: string): string => {
    if (!/^\+?[0-9*#]+$/.test(to)) return to;
    if (!dialGateway) {
      throw new ApiError(422, "invalid_request", "request is invalid", [
        { field: "to", message: "a bare number needs DIAL_GATEWAY to be configured; give a dial string like sofia/gateway/<gw>/<number>" },
      ]);
    }
    return `sofia/gateway/${dialGateway}/${to}`;
  };

  /** The schema checked the URL's syntax; where it points depends on the deployment. */
  const checkStatusCallback = (url: string | undefined) => {
    const reason = url && !webhookAllowPrivate ? privateTargetReason(url) : null;
    if (reason) {
      throw invalidRequest([
        { field: "status_callback", message: `must be a public address: the host ${reason} (set WEBHOOK_ALLOW_PRIVATE=true to allow)` },
      ]);
    }
  };

  const withRefusal = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RuntimeRefusal) throw new ApiError(err.status, err.code, err.message);
      throw err;
    }
  };

  return new Elysia({ name: "calls", prefix: "/v1/calls" })
    .post(
      "",
      ({ body, set }) => {
        const requestReceivedAt = performance.now();
        const dialString = dialStringFor(body.to);
        checkStatusCallback(body.status_callback);
        if (!body.dry_run && !link.connected) throw switchUnavailable();
        // A dry run validates the conversation and starts none (the call is never dialled).
        const converse = body.conversation && !body.dry_run ? body.conversation : undefined;
        if (converse && !conversations) throw conversationsUnavailable();
        const view = withRefusal(() =>
          runtime.place({
            callId: randomUUID(),
            to: body.to,
            dialString,
            from: body.from,
            fromName: body.from_name,
            timeoutSec: body.timeout_s,
            timeLimitSec: body.time_limit_s,
            script: scriptOf(body),
            statusCallback: body.status_callback,
            dryRun: body.dry_run,
            requestReceivedAt,
          }),
        );
        const conversationId = converse ? startConversation(view.cdr.id, converse) : null;
        set.status = 201;
        return { ...callJson(view.cdr, view), conversation_id: conversationId };
      },
      { parse: JSON_BODY, body: createCallBody, detail: { summary: "Place an outbound call", tags: ["calls"] } },
    )
    .get(
      "",
      async ({ query }) => {
        try {
          const page = await listCalls(db, { status: query.status, direction: query.direction, limit: query.limit, cursor: query.cursor });
          const conversationIds = await conversationIdsOf(page.calls.map((row) => row.id));
          return {
            calls: page.calls.map((row) => {
              const live = runtime.view(row.id);
              return { ...(live?.live ? callJson(live.cdr, live) : callJson(row)), conversation_id: conversationIds.get(row.id) ?? null };
            }),
            next_cursor: page.nextCursor,
          };
        } catch (err) {
          if (err instanceof InvalidCursorError) {
            throw invalidRequest([{ field: "cursor", message: err.message }]);
          }
          throw err;
        }
      },
      { query: listCallsQuery, detail: { summary: "List live and recent calls, newest first", tags: ["calls"] } },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const live = runtime.view(params.id);
        const row = live ? null : await getCall(db, params.id);
        if (!live && !row) throw notFound("call", params.id);
        const events = (await listEvents(db, params.id)).map(eventJson);
        const conversationId = (await conversationIdsOf([params.id])).get(params.id) ?? null;
        return { ...(live ? callJson(live.cdr, live) : callJson(row!)), conversation_id: conversationId, events };
      },
      { params: callIdParams, detail: { summary: "A call: status, state, timestamps, hangup cause and its event journal", tags: ["calls"] } },
    )
    .post(
      "/:id/actions",
      async ({ params, body, set }) => {
        if (body.type !== "hangup" && !link.connected) throw switchUnavailable();
        const result = runtime.command(params.id, userCommandOf(body, dialStringFor));
        if (result.outcome === "not_found") {
          if (await getCall(db, params.id)) throw conflict(`cannot ${body.type.replace("_", " ")} on a call that has ended`, "ended");
          throw notFound("call", params.id);
        }
        if (result.outcome === "refused") throw conflict(result.reason, result.state);
        set.status = 202;
        const conversationId = (await conversationIdsOf([params.id])).get(params.id) ?? null;
        return { ...callJson(result.view.cdr, result.view), conversation_id: conversationId };
      },
      { params: callIdParams, parse: JSON_BODY, body: callActionBody, detail: { summary: "Act on a live call: say, play, gather, hangup, send_dtmf, transfer, bridge, answer, break", tags: ["calls"] } },
    )
    .delete(
      "/:id",
      async ({ params, set }) => {
        const result = runtime.command(params.id, { type: "hangup" });
        if (result.outcome === "not_found") {
          if (await getCall(db, params.id)) throw conflict("cannot hang up a call that has ended", "ended");
          throw notFound("call", params.id);
        }
        if (result.outcome === "refused") throw conflict(result.reason, result.state);
        set.status = 202;
        const conversationId = (await conversationIdsOf([params.id])).get(params.id) ?? null;
        return { ...callJson(result.view.cdr, result.view), conversation_id: conversationId };
      },
      { params: callIdParams, detail: { summary: "Cancel a call that is not answered yet, or hang up an answered one", tags: ["calls"] } },
    );
}

/** The runtime's refusal (ConversationRefusal, RuntimeRefusal: a status and a code) as the API's error; anything else as is. */
function refusalOf(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  const { status, code, message } = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof status === "number" && status >= 400 && status < 600 && typeof code === "string") {
    return new ApiError(status, code, typeof message === "string" ? message : code);
  }
  return err;
}

const conversationsUnavailable = () =>
  new ApiError(503, "conversations_unavailable", "this runtime has no conversation support wired; the call was not placed");

/** first_action, then the actions list: the steps the call runs once answered. */
function scriptOf(body: CreateCallBody): CallAction[] | undefined {
  const steps = [...(body.first_action ? [body.first_action] : []), ...(body.actions ?? [])];
  return steps.length ? steps.map(scriptStepOf) : undefined;
}

/**
 * The receptionist text test bench: how an owner checks a flow without a
 * phone.
 *
 *   POST   /v1/receptionists/:id/test    open a session (the bot greets)
 *   POST   /v1/test-sessions/:id/turns   the caller says something; the answer
 *                                        is the bot's reply, the flow node it is
 *                                        in, the tool calls and their results
 *   GET    /v1/test-sessions/:id         transcript, node path, tool calls
 *   DELETE /v1/test-sessions/:id         end it
 *
 * The session runs the receptionist's conversation as a call would
 * (runtime/text-sessions.ts); its tools write sandbox rows unless the body
 * says {"sandbox": false}. Nothing here returns the system prompt.
 */
import { Elysia } from "elysia";
import { SessionEndedError, TurnInProgressError, textToolCall, type LineEvent, type TextSession, type TextToolCall, type TextTurnResult } from "../runtime/text-session.ts";
import { TextSessionRefusal, type TextSessions } from "../runtime/text-sessions.ts";
import { ApiError, conflict, notFound } from "./errors.ts";
import { JSON_BODY } from "./request-limits.ts";
import { receptionistIdParams } from "./schemas/receptionists.ts";
import { openTestSessionBody, testSessionIdParams, testSessionTurnBody } from "./schemas/test-sessions.ts";

export interface TestSessionsRouteDeps {
  textSessions: TextSessions;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function lineJson(event: LineEvent) {
  switch (event.type) {
    case "transfer":
      return {
        type: "transfer",
        target: event.target,
        to: event.to,
        warm: event.warm,
        // What the agent would hear first (warm): the caller's words, summarised by the model.
        summary: event.summary,
        note: `the caller would be transferred to ${event.target ?? event.to}`,
        at: iso(event.at),
      };
    case "hangup":
      return { type: "hangup", reason: event.reason, at: iso(event.at) };
    case "unsupported":
      return { type: "unsupported", command: event.command, note: "a command a text test session cannot carry out", at: iso(event.at) };
  }
}

const toolCallJson = (t: TextToolCall) => ({ name: t.name, arguments: t.arguments, result: t.result, ok: t.ok, outcome: t.outcome, turn: t.turn });

function turnJson(turn: TextTurnResult) {
  const transfer = turn.line.find((e) => e.type === "transfer");
  return {
    reply: turn.reply,
    node: turn.node,
    path: turn.path,
    tool_calls: turn.toolCalls.map(toolCallJson),
    transfer: transfer ? lineJson(transfer) : null,
    line: turn.line.map(lineJson),
    state: turn.state,
    ended: turn.ended,
    outcome: turn.outcome,
  };
}

/** A session as GET and DELETE show it: what was said, where the flow went, what the tools did. */
function sessionJson(session: TextSession) {
  const c = session.context;
  const live = session.live;
  return {
    id: session.id,
    receptionist_id: session.receptionist.id,
    version: session.receptionist.version,
    sandbox: session.sandbox,
    state: session.state,
    ended: !live,
    outcome: live ? null : (c.outcome ?? null),
    node: session.node,
    flow_version: c.flow?.version ?? null,
    path: (c.flow?.state.context.path ?? []).map((v) => ({ node: v.node, via: v.via })),
    transcript: c.transcript.map((e) => ({ who: e.who, text: e.text })),
    tool_calls: c.toolCalls.map(textToolCall).map(toolCallJson),
    line: session.line.map(lineJson),
    created_at: iso(session.createdAt),
    last_active_at: iso(session.lastActiveAt),
    ended_at: iso(session.endedAt),
  };
}

/** The runtime's refusals in the API's error shape. */
function refusal(err: unknown): never {
  if (err instanceof TextSessionRefusal) throw new ApiError(err.status, err.code, err.message);
  if (err instanceof SessionEndedError) throw conflict(err.message, "ended");
  if (err instanceof TurnInProgressError) throw new ApiError(409, "turn_in_progress", err.message);
  throw err;
}

export function testSessionsRoutes({ textSessions }: TestSessionsRouteDeps) {
  const mustExist = (id: string) => {
    const session = textSessions.get(id);
    if (!session) throw notFound("test session", id);
    return session;
  };

  return new Elysia({ name: "test-sessions" })
    .post(
      "/v1/receptionists/:id/test",
      async ({ params, body, set }) => {
        try {
          const { session, first } = await textSessions.open({
            receptionistId: params.id,
            ...(body.version !== undefined ? { version: body.version } : {}),
            ...(body.sandbox !== undefined ? { sandbox: body.sandbox } : {}),
            ...(body.caller_number !== undefined ? { callerNumber: body.caller_number } : {}),
          });
          set.status = 201;
          return {
            id: session.id,
            receptionist_id: session.receptionist.id,
            version: session.receptionist.version,
            sandbox: session.sandbox,
            greeting: first.reply,
            ...turnJson(first),
            created_at: iso(session.createdAt),
          };
        } catch (err) {
          return refusal(err);
        }
      },
      {
        params: receptionistIdParams,
        parse: JSON_BODY,
        body: openTestSessionBody,
        detail: {
          summary: "Open a text test session on a receptionist: its conversation, without a phone",
          description:
            'Runs the receptionist\'s pinned version (current, or "version"), its compiled flow, prompt and tools in the same conversation machine a call runs; only the transport is text. The answer carries the greeting and the flow node. Tools write sandbox rows (GET /v1/appointments?sandbox=true) unless "sandbox": false. A session idle for TEXT_SESSION_IDLE_TTL_S ends; at most TEXT_SESSIONS_MAX are held (429 beyond).',
          tags: ["test bench"],
        },
      },
    )
    .post(
      "/v1/test-sessions/:id/turns",
      async ({ params, body }) => {
        try {
          return turnJson(await mustExist(params.id).turn(body.text));
        } catch (err) {
          return refusal(err);
        }
      },
      {
        params: testSessionIdParams,
        parse: JSON_BODY,
        body: testSessionTurnBody,
        detail: {
          summary: "Say something to the bot: its reply, the flow node, the tool calls and their results",
          description:
            "The text is the caller's turn, as a final transcript. The answer comes once the bot is listening again (or the session ended: a hangup, or a transfer, recorded as where the caller would be transferred). 409 when the session has ended or is still answering the previous turn.",
          tags: ["test bench"],
        },
      },
    )
    .get("/v1/test-sessions/:id", ({ params }) => sessionJson(mustExist(params.id)), {
      params: testSessionIdParams,
      detail: { summary: "A test session: transcript, node path, tool calls, what the line did", tags: ["test bench"] },
    })
    .delete(
      "/v1/test-sessions/:id",
      ({ params }) => {
        const session = textSessions.end(params.id);
        if (!session) throw notFound("test session", params.id);
        return sessionJson(session);
      },
      {
        params: testSessionIdParams,
        detail: { summary: "End a test session (it stays readable until it expires)", tags: ["test bench"] },
      },
    );
}

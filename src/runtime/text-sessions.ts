/**
 * The receptionist text test bench: sessions an owner opens to try a
 * receptionist without a phone (POST /v1/receptionists/:id/test). Each runs
 * the receptionist's conversation exactly as a call would — the pinned
 * version, the compiled flow, the prompt and the tools of receptionistSpec(),
 * in the same conversation machine — over the text transport
 * (text-transport.ts, text-session.ts). Its tools write sandbox rows unless
 * the owner asks otherwise.
 *
 * Sessions live in memory only (a test is not a call: nothing to resume after
 * a restart), bounded in number; a session nobody talks to for the idle TTL
 * is ended and forgotten, and an ended one stays readable that long too.
 */
import { randomUUID } from "node:crypto";
import type { ReceptionistDefinition } from "../../machines/receptionist/definition.ts";
import { ReceptionistDefinitionSchema } from "../../machines/receptionist/definition.ts";
import type { LanguageModel, VoiceSpec } from "../../machines/ports/index.ts";
import type { ConversationSafety } from "../ai/safety/index.ts";
import type { Db } from "../db/client.ts";
import type { JournalWriter } from "../db/journal.ts";
import { getReceptionist, getReceptionistVersion } from "../db/queries/receptionists.ts";
import { childLog } from "../log.ts";
import { conversationInput, type ConversationInputDefaults } from "./conversation-input.ts";
import { newConversationMeta, type ConversationMeta } from "./conversation-call.ts";
import { receptionistSpec } from "./receptionist-conversation.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import { TextSession, type TextTurnResult } from "./text-session.ts";
import { textConversationMachine } from "./text-transport.ts";

const log = childLog({ mod: "runtime.test-bench" });

export interface TextSessionLimits {
  /** Sessions held at once, live or ended (TEXT_SESSIONS_MAX). */
  max: number;
  /** A live session idle this long is ended; an ended one is forgotten this long after its end (TEXT_SESSION_IDLE_TTL_S). */
  idleTtlMs: number;
  /** A turn's answer is given as it stands after this long (a model or tool that hangs). */
  turnTimeoutMs: number;
}

export const DEFAULT_TEXT_SESSION_LIMITS: TextSessionLimits = { max: 100, idleTtlMs: 30 * 60_000, turnTimeoutMs: 30_000 };

export interface TextSessionsDeps {
  db: Db;
  llm: LanguageModel;
  metrics: Pick<RuntimeMetrics, "llmTokens" | "sttStreams" | "sttFrames">;
  /** The runtime's safety guard (the one calls have): each session's policy is registered from its spec. */
  safety?: ConversationSafety;
  /** LLM_MODEL and the configured voice, for what a definition leaves unsaid; the runtime's conversation settings. */
  defaults: ConversationInputDefaults;
  /** DIAL_GATEWAY: a transfer to a bare number is recorded with the dial string a call would use. */
  dialGateway?: string | undefined;
  /** The definition's voice when the runtime can speak it (as for calls). */
  voiceFor?: (definition: ReceptionistDefinition) => VoiceSpec | undefined;
  /** Tool calls, flow steps and ends journalled under the session id (call_events). */
  journal?: Pick<JournalWriter, "append">;
  limits?: Partial<TextSessionLimits>;
  now?: () => Date;
}

export interface OpenTextSession {
  receptionistId: string;
  /** A saved version to test; default the current one. */
  version?: number;
  /** Tools write sandbox rows (default true). */
  sandbox?: boolean;
  /** The caller's number as a call would report it (take_message's "this number"). */
  callerNumber?: string | null;
}

/** Why a session could not be opened or used; the HTTP layer maps `status` to its answer. */
export class TextSessionRefusal extends Error {
  constructor(
    readonly status: 404 | 409 | 429 | 503,
    readonly code: "not_found" | "invalid_state" | "too_many_sessions" | "shutting_down",
    message: string,
  ) {
    super(message);
  }
}

export class TextSessions {
  private readonly sessions = new Map<string, TextSession>();
  private readonly metas = new Map<string, ConversationMeta>();
  private readonly machine;
  private readonly limits: TextSessionLimits;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private accepting = true;

  constructor(private readonly deps: TextSessionsDeps) {
    this.limits = { ...DEFAULT_TEXT_SESSION_LIMITS, ...deps.limits };
    this.machine = textConversationMachine({
      llm: deps.llm,
      metrics: deps.metrics,
      safety: deps.safety,
      meta: (id) => this.metas.get(id),
      attachHearing: (id, sendBack) => this.sessions.get(id)?.attachHearing(sendBack),
      warmTransfer: (input) => {
        const session = this.sessions.get(input.conversationId);
        return session ? session.warmTransfer(input) : { outcome: "unanswered", reason: "the test session is gone" };
      },
    });
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(100, this.limits.idleTtlMs / 4)));
    this.sweeper.unref?.();
  }

  /** Open a session on a receptionist; resolves with the greeting once the bot listens. */
  async open(request: OpenTextSession): Promise<{ session: TextSession; first: TextTurnResult }> {
    if (!this.accepting) throw new TextSessionRefusal(503, "shutting_down", "the runtime is shutting down");
    const receptionist = await this.pinned(request.receptionistId, request.version);
    this.makeRoom();
    const id = randomUUID();
    const sandbox = request.sandbox ?? true;
    const spec = receptionistSpec({
      db: this.deps.db,
      receptionist,
      callerNumber: request.callerNumber ?? null,
      dialGateway: this.deps.dialGateway,
      ...(this.deps.voiceFor ? { voiceFor: this.deps.voiceFor } : {}),
      ...(this.deps.now ? { now: this.deps.now } : {}),
      sandbox,
    });
    const meta = newConversationMeta(id, "inbound");
    if (spec.tools) meta.tools = spec.tools;
    meta.receptionist = { id: receptionist.id, version: receptionist.version };
    this.metas.set(id, meta);
    const session = new TextSession({
      id,
      receptionist: meta.receptionist,
      sandbox,
      spec,
      // A session is a call that is already answered, on its own id; only the spec's tools (receptionistSpec brings them).
      input: conversationInput(spec, { conversationId: id, callId: id, answered: true, defaults: this.deps.defaults, defaultTools: [] }),
      machine: this.machine,
      turnTimeoutMs: this.limits.turnTimeoutMs,
      journal: (name, data, error) => this.deps.journal?.append(id, { kind: error ? "error" : "event", name, data }),
      // The session's policy (its definition's blocked topics) is held for the guard while it runs.
      onEnded: () => this.deps.safety?.release(id),
    });
    this.sessions.set(id, session);
    this.deps.safety?.register(id, spec.safety);
    this.deps.journal?.append(id, { kind: "event", name: "TEST_SESSION_OPENED", data: { receptionist: meta.receptionist, sandbox } });
    log.info({ sessionId: id, receptionistId: receptionist.id, version: receptionist.version, sandbox }, "text test session opened");
    const first = await session.open();
    return { session, first };
  }

  get(id: string): TextSession | null {
    return this.sessions.get(id) ?? null;
  }

  /** The caller's turn on a session. */
  async turn(id: string, text: string): Promise<TextTurnResult> {
    const session = this.sessions.get(id);
    if (!session) throw new TextSessionRefusal(404, "not_found", `test session ${id} does not exist`);
    return session.turn(text);
  }

  /** End a session (it stays readable until it is swept); false when there is none. */
  end(id: string, cause = "ended by the API"): TextSession | null {
    const session = this.sessions.get(id);
    if (!session) return null;
    session.end(cause);
    return session;
  }

  get liveCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) if (s.live) n++;
    return n;
  }

  /** Shutdown: no new sessions, every one ended. */
  stop(): void {
    this.accepting = false;
    clearInterval(this.sweeper);
    for (const session of this.sessions.values()) session.end("the runtime is shutting down");
    this.sessions.clear();
    this.metas.clear();
  }

  /** The receptionist at the version to test, parsed; 404 when it or that version does not exist. */
  private async pinned(receptionistId: string, version: number | undefined): Promise<{ id: string; version: number; definition: ReceptionistDefinition }> {
    const current = await getReceptionist(this.deps.db, receptionistId);
    if (!current) throw new TextSessionRefusal(404, "not_found", `receptionist ${receptionistId} does not exist`);
    let definition: unknown = current.definition;
    let pinned = current.version;
    if (version !== undefined && version !== current.version) {
      const saved = version < current.version ? await getReceptionistVersion(this.deps.db, receptionistId, version) : null;
      if (!saved) throw new TextSessionRefusal(404, "not_found", `receptionist ${receptionistId} has no version ${version} (current: ${current.version})`);
      definition = saved.definition;
      pinned = saved.version;
    }
    const parsed = ReceptionistDefinitionSchema.safeParse(definition);
    if (!parsed.success) {
      // Stored definitions passed the same checks: one that no longer parses is ours to fix, not the owner's.
      log.error({ receptionistId, version: pinned }, "a stored receptionist definition does not parse");
      throw new Error(`receptionist ${receptionistId} version ${pinned} cannot be run`);
    }
    return { id: receptionistId, version: pinned, definition: parsed.data };
  }

  /** Room for one more: ended sessions go first (oldest end first); all live → 429. */
  private makeRoom(): void {
    if (this.sessions.size < this.limits.max) return;
    const ended = [...this.sessions.values()].filter((s) => !s.live).sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
    for (const s of ended) {
      if (this.sessions.size < this.limits.max) break;
      this.forget(s);
    }
    if (this.sessions.size >= this.limits.max) {
      throw new TextSessionRefusal(429, "too_many_sessions", `${this.limits.max} test sessions are open; end one (DELETE /v1/test-sessions/:id) or wait for an idle one to expire`);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (s.live && now - s.lastActiveAt > this.limits.idleTtlMs) {
        s.end("idle: the test session expired");
        this.deps.journal?.append(s.id, { kind: "event", name: "TEST_SESSION_EXPIRED", data: { idle_ms: now - s.lastActiveAt } });
      }
      if (!s.live && now - (s.endedAt ?? now) >= this.limits.idleTtlMs) this.forget(s);
    }
  }

  private forget(session: TextSession): void {
    session.end("forgotten");
    this.sessions.delete(session.id);
    this.metas.delete(session.id);
  }
}

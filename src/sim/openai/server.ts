/**
 * The simulated OpenAI service: POST /v1/chat/completions, POST /v1/moderations (moderation.ts) and
 * POST /v1/audio/speech on a loopback port, spoken to by the `openai` package
 * exactly as the real service is (same paths, Bearer auth, JSON and SSE
 * bodies, error objects). It is the language model of the embedded default
 * and of tests — and it is *not a model*: answers come from a deterministic
 * rule-based responder. `label` / `banner()` say so for `npm start`.
 */
import type { Server } from "bun";
import { type ChatExchange, handleChat } from "./chat-endpoint.ts";
import type { Conversation } from "./conversation.ts";
import type { Clock } from "./dates.ts";
import { missingKey, notFound, wrongKey } from "./errors.ts";
import { handleModeration, type ModerationExchange, type ModerationRule, moderationRuleMatches } from "./moderation.ts";
import { createResponder, type Responder } from "./responder.ts";
import { type ChatRule, RuleBook, ruleMatches } from "./script.ts";
import { handleSpeech, type SpeechExchange, type SpeechRule } from "./speech-endpoint.ts";

export const SIMULATED_OPENAI_LABEL = "offline simulator (deterministic rule-based responder, not a language model)";

export interface SimulatedOpenAIOptions {
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** The Bearer key clients must send. Default "sk-sim-switchboard". */
  apiKey?: string;
  label?: string;
  /** Delay before the first token of a chat completion, ms. Default 400. */
  timeToFirstTokenMs?: number;
  /** Generation speed after the first token. Default 60 tokens/s. */
  tokensPerSecond?: number;
  /** Delay before the first byte of speech audio, ms. Default 150. */
  ttsFirstByteMs?: number;
  /** Length of the simulated voice, ms per character at speed 1. Default 60. */
  ttsMsPerChar?: number;
  /** How much faster than real time audio is sent after the first byte. Default 10. */
  ttsRealtimeFactor?: number;
  /** The rule-based responder (createResponder(...) with the receptionist's intents). */
  responder?: Responder;
  /** Scripted chat replies and faults, first match wins; the responder answers the rest. */
  chatRules?: ChatRule[];
  /** Faults for /v1/audio/speech. */
  speechRules?: SpeechRule[];
  /** Scripted flags and faults for /v1/moderations; the rule-based classifier answers the rest. */
  moderationRules?: ModerationRule[];
  /** The responder's "now" for dates ("tomorrow"). Default: the wall clock. */
  now?: () => Date;
  /** The callers' time zone for dates. Default UTC. */
  timeZone?: string;
  /** How many exchanges `chatLog` / `speechLog` keep. Default 200. */
  logLimit?: number;
}

export interface SimulatedOpenAIStats {
  chatRequests: number;
  speechRequests: number;
  /** Streams the client abandoned before their end (aborts, barge-in). */
  chatStreamsCancelled: number;
  unauthorized: number;
  badRequests: number;
}

export class SimulatedOpenAI {
  readonly label: string;
  readonly apiKey: string;
  readonly stats: SimulatedOpenAIStats = { chatRequests: 0, speechRequests: 0, chatStreamsCancelled: 0, unauthorized: 0, badRequests: 0 };
  /** The latest exchanges, oldest first (bounded by logLimit). */
  readonly chatLog: ChatExchange[] = [];
  readonly speechLog: SpeechExchange[] = [];
  readonly moderationLog: ModerationExchange[] = [];
  readonly moderationRules: RuleBook<ModerationRule, string>;
  readonly chatRules: RuleBook<ChatRule, Conversation>;
  readonly speechRules: RuleBook<SpeechRule, string>;
  private server: Server<undefined> | null = null;
  private stopping = new AbortController();
  private readonly options: SimulatedOpenAIOptions;
  private readonly responder: Responder;

  constructor(options: SimulatedOpenAIOptions = {}) {
    this.options = options;
    this.label = options.label ?? SIMULATED_OPENAI_LABEL;
    this.apiKey = options.apiKey ?? "sk-sim-switchboard";
    this.responder = options.responder ?? createResponder();
    this.chatRules = new RuleBook(options.chatRules ?? [], (rule, conv) => ruleMatches(rule.when, conv));
    this.moderationRules = new RuleBook(options.moderationRules ?? [], moderationRuleMatches);
    this.speechRules = new RuleBook(options.speechRules ?? [], (rule, input) =>
      rule.input === undefined ? true : typeof rule.input === "string" ? input.toLowerCase().includes(rule.input.toLowerCase()) : rule.input.test(input),
    );
  }

  async start(): Promise<{ port: number; baseURL: string }> {
    if (this.server) return { port: this.port, baseURL: this.baseURL };
    this.stopping = new AbortController();
    this.server = Bun.serve({
      port: this.options.port ?? 0,
      hostname: this.options.hostname ?? "127.0.0.1",
      // Streams may idle longer than Bun's 10 s default (a stalled stream, a slow model): no idle cut.
      idleTimeout: 0,
      fetch: (req) => this.route(req),
    });
    return { port: this.port, baseURL: this.baseURL };
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.stopping.abort();
    await this.server.stop(true);
    this.server = null;
  }

  get port(): number {
    if (!this.server?.port) throw new Error("simulated OpenAI not started");
    return this.server.port;
  }

  /** What a client passes as `baseURL` (the package appends /chat/completions, /audio/speech). */
  get baseURL(): string {
    return `http://${this.options.hostname ?? "127.0.0.1"}:${this.port}/v1`;
  }

  /** One line for the start-up log: where it listens and that it is not a real model. */
  banner(): string {
    return `language model: ${this.label} at ${this.baseURL} — no real model is called`;
  }

  /** Scripts a reply or fault ahead of the existing rules. */
  addChatRule(rule: ChatRule): void {
    this.chatRules.add(rule);
  }

  addSpeechRule(rule: SpeechRule): void {
    this.speechRules.add(rule);
  }

  addModerationRule(rule: ModerationRule): void {
    this.moderationRules.add(rule);
  }

  private clock(): Clock {
    return { now: this.options.now?.() ?? new Date(), timeZone: this.options.timeZone ?? "UTC" };
  }

  private keep<T>(log: T[], item: T): void {
    log.push(item);
    const limit = this.options.logLimit ?? 200;
    if (log.length > limit) log.splice(0, log.length - limit);
  }

  private authorized(req: Request): Response | null {
    const header = req.headers.get("authorization");
    const m = header?.match(/^Bearer\s+(.+)$/i);
    if (!m) return missingKey();
    return m[1]!.trim() === this.apiKey ? null : wrongKey(m[1]!.trim());
  }

  private async route(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname.replace(/\/+$/, "");
    const endpoint =
      req.method === "POST" && path === "/v1/chat/completions" ? "chat" : req.method === "POST" && path === "/v1/audio/speech" ? "speech" : null;
    if (!endpoint && !(req.method === "POST" && path === "/v1/moderations")) return notFound(req.method, path);
    const refused = this.authorized(req);
    if (refused) {
      this.stats.unauthorized++;
      return refused;
    }
    if (!endpoint) {
      return handleModeration(req, { rules: this.moderationRules, record: (x) => this.keep(this.moderationLog, x), stopped: this.stopping.signal });
    }
    const response =
      endpoint === "chat"
        ? await handleChat(req, {
            timing: { timeToFirstTokenMs: this.options.timeToFirstTokenMs ?? 400, tokensPerSecond: this.options.tokensPerSecond ?? 60 },
            responder: this.responder,
            rules: this.chatRules,
            clock: () => this.clock(),
            record: (x) => {
              this.stats.chatRequests++;
              this.keep(this.chatLog, x);
            },
            onCancel: () => this.stats.chatStreamsCancelled++,
            stopped: this.stopping.signal,
          })
        : await handleSpeech(req, {
            timing: {
              firstByteMs: this.options.ttsFirstByteMs ?? 150,
              msPerChar: this.options.ttsMsPerChar ?? 60,
              realtimeFactor: this.options.ttsRealtimeFactor ?? 10,
              chunkBytes: 4800,
            },
            rules: this.speechRules,
            record: (x) => {
              this.stats.speechRequests++;
              this.keep(this.speechLog, x);
            },
            stopped: this.stopping.signal,
          });
    if (response.status === 400) this.stats.badRequests++;
    return response;
  }
}

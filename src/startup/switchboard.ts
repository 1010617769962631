/**
 * The face of a running Switchboard: what startSwitchboard() returns (every
 * adapter and runtime a test, benchmark or the CLI banner may reach) and the
 * options it takes. Kept apart from the wiring in main.ts so that file reads
 * as the start-up order alone.
 */
import type { ConversationSettingsInput } from "../../machines/conversation.ts";
import type { ConversationSafety } from "../ai/safety/index.ts";
import type { Database } from "../db/client.ts";
import type { JournalWriter } from "../db/journal.ts";
import type { EslInboundClient, EslOutboundServer } from "../esl/index.ts";
import type { MediaServer } from "../media/index.ts";
import type { ActorHost } from "../runtime/actor-host.ts";
import type { CallRuntime } from "../runtime/call-runtime.ts";
import type { ConversationSink } from "../runtime/conversation-api.ts";
import type { ConversationRuntime } from "../runtime/conversation-runtime.ts";
import type { PostCallAnalyser } from "../runtime/post-call.ts";
import type { TextSessions } from "../runtime/text-sessions.ts";
import type { ToolRegistry } from "../runtime/tool-registry.ts";
import type { SwitchSimulator } from "../sim/index.ts";
import type { SimulatedDeepgram, SimulatedDeepgramOptions } from "../sim/deepgram/index.ts";
import type { SimulatedOpenAI, SimulatedOpenAIOptions } from "../sim/openai/index.ts";

export interface Switchboard {
  /** The HTTP API's base URL. */
  url: string;
  port: number;
  /** The embedded simulator, when no ESL_HOST is configured. */
  simulator?: SwitchSimulator;
  /** Every live actor, of every kind. */
  host: ActorHost;
  /** Calls on top of the host: place, adopt, command, view, resume. */
  runtime: CallRuntime;
  /** Conversations on top of the host: start one on a call, read, list (runtime/conversation-api.ts). */
  conversations: ConversationRuntime;
  /** The receptionist text test bench's sessions (POST /v1/receptionists/:id/test). */
  textSessions: TextSessions;
  /** Each live conversation's and test session's safety policy, and the guard of their model requests. */
  safety: ConversationSafety;
  /** The tools conversations offer the model (empty until the receptionist registers its own). */
  tools: ToolRegistry;
  /** The caller-audio WebSocket server mod_audio_stream connects to. */
  media: MediaServer;
  /** The embedded simulated Deepgram, when no DEEPGRAM_API_KEY / DEEPGRAM_URL is configured. */
  deepgram?: SimulatedDeepgram;
  /** The embedded simulated OpenAI, when no OPENAI_API_KEY / OPENAI_BASE_URL is configured. */
  openai?: SimulatedOpenAI;
  link: EslInboundClient;
  database: Database;
  journal: JournalWriter;
  outbound: EslOutboundServer;
  outboundSocketPort: number;
  /** A key created on this start (printed once), when none existed. */
  createdApiKey?: string;
  /** Where speech-to-text and the language model are, in words (for the banner; no keys). */
  speechServices: { stt: string; llm: string };
  /** Ended conversations' post-call analysis (runtime/post-call.ts). */
  postCall: PostCallAnalyser;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Use this simulator instead of starting one (tests, benchmarks). */
  simulator?: SwitchSimulator;
  /** Options for the ESL client (tests shorten the reconnect delays). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Options for the embedded simulated Deepgram (service latencies, faults). */
  deepgram?: SimulatedDeepgramOptions;
  /** Options for the embedded simulated OpenAI (time to first token, rules, faults). */
  openai?: SimulatedOpenAIOptions;
  /** The tools conversations offer; default an empty registry. */
  tools?: ToolRegistry;
  /** Settings every conversation starts from (silence, barge-in, timeouts); a spec's own override them. */
  conversationSettings?: ConversationSettingsInput;
  /** Where conversations are stored; default the conversations table (through the journal). */
  conversationSink?: ConversationSink;
}

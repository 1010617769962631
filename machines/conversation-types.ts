/**
 * The conversation machine's vocabulary: its input and settings, the actors it
 * invokes (and their input/output), the events it takes, the commands and
 * notices it emits, and what it records. Times are monotonic milliseconds the
 * runtime stamped (performance.now()): the machine reads no clock.
 */
import type { ChatMessage, LlmChunk, SttEvent, ToolCall, ToolSpec, Utterance, VoiceSpec } from "./ports/index.ts";
import type { TurnLatencies, TurnMarks } from "./turn-latency.ts";
import type { ConversationFlowInput, ConversationFlowState } from "./conversation-flow.ts";

// ─── input ───────────────────────────────────────────────────────────────────

/** Lines the conversation says on its own (not written by the model). */
export interface ConversationPhrases {
  reprompt: string;
  silenceGoodbye: string;
  maxDurationGoodbye: string;
  /** Said when a tool is slow. */
  toolFiller: string;
  /** Speech-to-text could not be recovered; the caller may go on with the keypad. */
  speechInputLost: string;
  speechInputLostGoodbye: string;
  /** The model failed once; the caller is asked to repeat. */
  modelError: string;
  errorGoodbye: string;
  transferFailed: string;
  /** A warm transfer nobody took (no answer, busy, failed): the caller is back with the bot. */
  transferUnanswered: string;
}

export interface ConversationSettings {
  /** Words in an interim transcript that make caller speech a barge-in. */
  bargeInMinWords: number;
  /** The recogniser's speech-started (VAD) event alone is a barge-in; a false one is resumed. */
  bargeInOnSpeechStarted: boolean;
  /** After a barge-in with no words yet: no words within this long and the bot resumes. */
  falseInterruptionMs: number;
  /** No caller speech this long after the bot finished → reprompt. */
  silenceRepromptMs: number;
  /** Reprompts before a polite goodbye and hangup. */
  maxReprompts: number;
  /** The conversation's length limit, from the answer. */
  maxDurationMs: number;
  /** After a final segment with no speech_final/utterance_end this long, ask the recogniser to finalize. */
  turnEndBackstopMs: number;
  /** After asking to finalize, how long to wait for its results before ending the turn with what was heard. */
  finalizeGraceMs: number;
  toolTimeoutMs: number;
  /** A tool still running this long gets a short filler line. */
  toolFillerAfterMs: number;
  /** Rounds of model → tools → model in one reply: a model that keeps calling tools is stopped. */
  maxToolRounds: number;
  /** Speech-to-text restarts after a loss before the conversation says it cannot hear. */
  sttRetries: number;
  /** When speech input is lost for good: go on by keypad (DTMF turns) or say goodbye. */
  onSpeechInputLost: "dtmf" | "end";
  /** Keypad digits end a turn after this pause (or on #). */
  dtmfInterDigitMs: number;
  /** A clause this long without a sentence end is spoken anyway. */
  maxSentenceChars: number;
  /** A say/play the call never reports finished is given up after this long. */
  playbackTimeoutMs: number;
  /** After hangup or transfer, how long to wait for the call to confirm before ending anyway. */
  hangupConfirmMs: number;
  /** Model failures in a row before the conversation gives up politely. */
  maxModelErrors: number;
  phrases: ConversationPhrases;
}

export type ConversationSettingsInput = Partial<Omit<ConversationSettings, "phrases">> & {
  phrases?: Partial<ConversationPhrases>;
};

export interface ConversationInput {
  conversationId: string;
  /** The call this conversation speaks through (its parent). */
  callId: string;
  systemPrompt: string;
  /** Spoken first, once the call is answered, before anything is heard. */
  firstMessage?: string;
  voice: VoiceSpec;
  model: string;
  temperature?: number;
  tools?: ToolSpec[];
  settings?: ConversationSettingsInput;
  /** The call was already answered when the conversation was started: no call.answered will come. */
  answered?: boolean;
  /**
   * A receptionist flow to run (conversation-flow.ts): its node's task and
   * functions replace `tools` as what the model is offered; `tools` are then
   * the functions a tool actor implements (every other offered function routes).
   */
  flow?: ConversationFlowInput;
}

// ─── invoked actors (provided by the runtime; fakes in tests) ───────────────

/** `stt` (fromCallback): opens the recogniser stream, sends back SttEvents, takes SttCommand. */
export interface SttActorInput {
  conversationId: string;
  callId: string;
  /** 1 for the first stream, 2 for the first retry, … */
  attempt: number;
}
export type SttCommand = { type: "finalize" };

/** `llm` (fromCallback): streams LlmChunks back as events; stopping it aborts the request. */
export interface LlmActorInput {
  conversationId: string;
  model: string;
  temperature?: number;
  messages: ChatMessage[];
  tools: ToolSpec[];
}

/** `tts` (fromPromise): SpeechSynthesis.prepare; `readyAt` stamped when the audio exists. */
export interface TtsActorInput {
  conversationId: string;
  text: string;
  voice: VoiceSpec;
}
export interface TtsActorOutput {
  utterance: Utterance;
  readyAt: number;
  /** How long the audio lasts, when the engine knows (a rendered file); else estimated from the text. */
  durationMs?: number;
}

/** What a tool may ask the conversation to do once the reply that follows it has been spoken. */
export type ToolFollowUp = { type: "transfer"; to: string; warm?: WarmTransferRequest } | { type: "hang_up"; reason?: string };

/**
 * A warm transfer: the caller holds while the person at `to` is rung for at
 * most ringTimeoutS and, on answering, hears the one-line summary; then both
 * are bridged. Unanswered, the caller is back with the bot.
 */
export interface WarmTransferRequest {
  summary: string;
  ringTimeoutS: number;
}

/** `warmTransfer` (fromPromise): rings the agent, tells them the summary; stopping it cancels the agent's leg. */
export interface WarmTransferActorInput {
  conversationId: string;
  /** The caller's call (it holds meanwhile). */
  callId: string;
  /** The agent's dial string. */
  to: string;
  summary: string;
  ringTimeoutS: number;
}

/** The agent answered and heard the summary (their call is `agentCallId`), or nobody took the call and why. */
export type WarmTransferActorOutput = { outcome: "answered"; agentCallId: string } | { outcome: "unanswered"; reason: string };

/** `tool` (fromPromise): runs one tool call; a rejection becomes "error: …" for the model. */
export interface ToolActorInput {
  conversationId: string;
  callId: string;
  toolCallId: string;
  name: string;
  arguments: Record<string, unknown>;
}
export interface ToolActorOutput {
  /** The result as the model reads it. */
  content: string;
  finishedAt: number;
  then?: ToolFollowUp;
  /** The tool did what was asked (default true); a flow moves only on an ok result. */
  ok?: boolean;
}

// ─── events in ───────────────────────────────────────────────────────────────

/** Notices from the call actor, routed by the runtime. Playback ids are the say/play command ids. */
export type CallNoticeEvent =
  | { type: "call.answered"; receivedAt: number }
  | { type: "call.playback_started"; id: string; receivedAt: number }
  | {
      type: "call.playback_stopped";
      id: string;
      /** FreeSWITCH Playback-Status: `break` when uuid_break cut it. */
      status: "done" | "break";
      /** playback_ms, when the switch reported it. */
      playbackMs: number | null;
      receivedAt: number;
    }
  | { type: "call.dtmf"; digit: string; receivedAt: number }
  | { type: "call.ended"; cause: string; receivedAt: number }
  /** The call would not take a command (its state gates it), e.g. say while bridged. */
  | { type: "call.command_refused"; id: string; reason: string; receivedAt: number };

/** mod_audio_stream: ::connect, and ::disconnect / ::error (caller audio no longer reaches STT). */
export type MediaEvent =
  | { type: "media.connected"; receivedAt: number }
  | { type: "media.lost"; reason: string; receivedAt: number };

type SttTranscriptEvent = Extract<SttEvent, { type: "stt.transcript" }>;
/** SttEvents; a final transcript may carry when the caller's speech actually ended, on the runtime's clock. */
export type ConversationSttEvent =
  | Exclude<SttEvent, { type: "stt.transcript" }>
  | (SttTranscriptEvent & { speechEndedAt?: number });

/** Raised by the speech-input region for the dialog: recognition is gone for good. */
export type SpeechInputLostEvent = { type: "speech_input.lost"; reason: string };

export type ConversationEvent = CallNoticeEvent | MediaEvent | ConversationSttEvent | LlmChunk | SpeechInputLostEvent;

// ─── events out ──────────────────────────────────────────────────────────────

/** What the conversation asks its call to do; `id` matches playback notices and refusals back. */
export type ConversationCommand =
  | { type: "say"; id: string; text: string; engine: string; voice: string }
  | { type: "play"; id: string; url: string }
  /** uuid_break <uuid> all: stop what plays and flush what is queued. */
  | { type: "break"; id: string }
  | { type: "transfer"; id: string; to: string }
  /** Bridge the call to another live call (uuid_bridge): a warm transfer's last step. */
  | { type: "bridge_call"; id: string; callId: string }
  | { type: "hangup"; id: string; reason: string }
  | { type: "audio_stream.start"; id: string }
  | { type: "audio_stream.stop"; id: string };

export type ConversationOutcome =
  | "completed"
  | "caller_hung_up"
  | "silence"
  | "max_duration"
  | "stt_failed"
  | "error"
  | "transferred";

export type BargeInTrigger = "speech_started" | "words" | "dtmf";

export type ConversationEmitted =
  | { type: "call.command"; command: ConversationCommand }
  | { type: "turn.completed"; turn: TurnRecord }
  | { type: "tool.called"; call: ToolCallRecord }
  | { type: "barge_in"; at: number | null; trigger: BargeInTrigger; turn: number | null }
  | { type: "false_interruption"; at: number | null; resumed: string }
  | { type: "reprompt"; count: number }
  | { type: "stt.retry"; attempt: number; reason: string }
  | { type: "speech_input.lost"; reason: string }
  | { type: "model.error"; message: string; turn: number | null }
  /** A flow took a function: the node it left, the node it entered (the same when it stayed) and what it performs. */
  | { type: "flow.step"; seq: number; from: string | null; to: string; via: string | null; actions: string[] }
  | { type: "conversation.ended"; outcome: ConversationOutcome; cause: string | null };

// ─── records ─────────────────────────────────────────────────────────────────

export interface TranscriptEntry {
  who: "caller" | "bot";
  text: string;
  /** Caller: speech start; bot: the first sentence began playing. Null when unknown. */
  startedAt: number | null;
  endedAt: number | null;
  /** Bot: the caller cut it off (the text is what was heard). */
  interrupted: boolean;
  /** Caller: spoken, or typed on the keypad. */
  via?: "speech" | "keypad";
}

export interface TurnRecord {
  /** 1 for the caller's first turn. */
  index: number;
  callerText: string;
  marks: TurnMarks;
  latencies: TurnLatencies;
  /** The reply was cut off by the caller. */
  interrupted: boolean;
  /** Model requests made for this reply (1 + one per tool round). */
  llmRequests: number;
  toolCallIds: string[];
}

export type ToolCallOutcome = "ok" | "error" | "timeout" | "invalid_arguments" | "unknown_tool" | "cancelled";

export interface ToolCallRecord {
  id: string;
  name: string;
  /** As the model wrote them (JSON text, possibly invalid). */
  arguments: string;
  outcome: ToolCallOutcome;
  /** What the model was given. */
  result: string;
  error: string | null;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  turn: number | null;
}

export interface ConversationUsage {
  promptTokens: number;
  completionTokens: number;
  llmRequests: number;
  ttsRequests: number;
  ttsCharacters: number;
}

// ─── what is being said ──────────────────────────────────────────────────────

/** model: written by the model; script: a line of ours; filler: "One moment."; resume: the rest of a cut sentence. */
export type SentenceSource = "model" | "script" | "filler" | "resume";

export type SentenceStatus = "queued" | "preparing" | "ready" | "playing" | "done" | "cut" | "dropped" | "failed";

export interface BotSentence {
  /** Stable within the reply (the array is re-ordered on resume). */
  key: number;
  text: string;
  source: SentenceSource;
  /** Part of the assistant message the model sees (a filler line is not). */
  forModel: boolean;
  /** Already in the model's history (text of a round that ended in tool calls). */
  inMessages: boolean;
  status: SentenceStatus;
  commandId: string | null;
  utterance: Utterance | null;
  durationMs: number | null;
  startedAt: number | null;
  stoppedAt: number | null;
  playbackMs: number | null;
  /** When the caller cut in while it played. */
  interruptedAt: number | null;
  /** Its unheard rest was queued again after a false interruption. */
  resumed: boolean;
}

export type ReplyKind = "reply" | "greeting" | "reprompt" | "notice";

/** One bot reply: what it says, and the model round(s) and tools that produce it. */
export interface BotReply {
  kind: ReplyKind;
  /** The caller turn it answers (null for a greeting, reprompt or notice). */
  turn: number | null;
  sentences: BotSentence[];
  nextKey: number;
  /** Streamed text not yet a complete sentence. */
  buffer: string;
  /** All text of the current model round. */
  roundText: string;
  /** Tool calls of the current model round. */
  roundToolCalls: ToolCall[];
  /** Index of the next tool call to run. */
  toolIndex: number;
  /** The round's tool calls are in the history and are being run (each needs a result before the model is asked again). */
  toolRoundOpen: boolean;
  toolStartedAt: number | null;
  llmRequests: number;
  /** The model has to be asked (again). */
  needsLlm: boolean;
  generationDone: boolean;
  fillerSpoken: boolean;
  interruption: { at: number | null; trigger: BargeInTrigger } | null;
  then: ToolFollowUp | null;
}

/** The caller's turn being heard. */
export interface ListenState {
  /** is_final segments so far. */
  segments: string[];
  /** The latest interim (not final) text. */
  interim: string;
  startedAt: number | null;
  speechEndedAt: number | null;
  /** The last recogniser event or digit: the backstop and keypad timers count from it. */
  lastActivityAt: number | null;
  /** When the event that ended the turn arrived. */
  endedAt: number | null;
  digits: string;
  /** Set when the turn is complete; the dialog then answers it. */
  complete: "speech" | "keypad" | null;
}

export interface ClosingPlan {
  outcome: ConversationOutcome;
  /** Said before hanging up (null: hang up at once). */
  goodbye: string | null;
  /** The say/play of the goodbye, once emitted. */
  commandId: string | null;
  hangupCommandId: string | null;
}

// ─── context ─────────────────────────────────────────────────────────────────

export interface ConversationContext {
  conversationId: string;
  callId: string;
  model: string;
  temperature: number | undefined;
  voice: VoiceSpec;
  tools: ToolSpec[];
  settings: ConversationSettings;
  firstMessage: string | null;

  /** The call is answered (at start, or call.answered came). */
  answered: boolean;
  /** Command ids: `<conversationId>:<seq>`. */
  seq: number;
  answeredAt: number | null;
  /** The system prompt first, then the conversation as the model sees it. */
  messages: ChatMessage[];
  transcript: TranscriptEntry[];
  turns: TurnRecord[];
  toolCalls: ToolCallRecord[];
  usage: ConversationUsage;

  reply: BotReply | null;
  listen: ListenState;
  reprompts: number;
  modelErrors: number;
  sttAttempts: number;
  audioStreamCommandId: string | null;
  speechInputLost: boolean;
  /** Tell the caller speech input is lost once the current reply ends. */
  lostNoticePending: boolean;
  /**
   * The transfer under way: blind, the command the call may refuse; warm, the
   * request while the agent is rung, then the agent's call once they answered.
   */
  transfer: { to: string; commandId: string | null; warm: WarmTransferRequest | null; agentCallId?: string } | null;
  closing: ClosingPlan | null;
  /** The flow being run (null: a plain conversation). */
  flow: ConversationFlowState | null;

  outcome: ConversationOutcome | null;
  endCause: string | null;
  endedAt: number | null;
}

/**
 * One text test session: the receptionist's conversation machine
 * (machines/conversation.ts, unchanged) running over a text transport instead
 * of a call. Only the transport differs:
 *
 *   hearing   a caller turn is a final transcript (is_final + speech_final)
 *             the session's `stt` actor sends back, as the recogniser would;
 *   speaking  `tts` renders nothing (a `say` of the text at once), and each
 *             say/play the machine sends its "call" is started and stopped
 *             at once, so the machine counts the sentence heard in full;
 *   the line  the call is answered from the start; a hangup ends the session;
 *             a transfer is recorded ("the caller would be transferred to …")
 *             and ends it, as a call that left the bot would. Commands the
 *             text line has no use for (audio stream, break) are taken
 *             silently; ones it does not know are recorded and answered as a
 *             refusal, so the machine goes on as with a call that refused.
 *
 * The model and the tools are the voice path's own actors
 * (conversation-effects.ts), so a turn here is what a call would do.
 * Silence reprompts and the duration limit are off between HTTP turns (the
 * session store's idle TTL ends a forgotten session instead).
 */
import { createActor, type Actor, type Subscription } from "xstate";
import type {
  ConversationCommand,
  ConversationContext,
  ConversationInput,
  ConversationOutcome,
  WarmTransferActorInput,
  WarmTransferActorOutput,
} from "../../machines/conversation.ts";
import type { ConversationMachine, ConversationSnapshot } from "../../machines/conversation.ts";
import type { SttEvent } from "../../machines/ports/index.ts";
import type { ConversationSpec } from "./conversation-api.ts";
import { conversationStateName, toolCallFailed } from "./conversation-kind.ts";

/** What the line did that a caller would notice beyond the words: a transfer, a hangup, a command the text line does not know. */
export type LineEvent =
  | { type: "transfer"; to: string; target: string | null; warm: boolean; summary: string | null; at: number }
  | { type: "hangup"; reason: string; at: number }
  | { type: "unsupported"; command: string; at: number };

export interface TextTurnResult {
  /** The bot's words of this turn, in order. */
  reply: string;
  /** The flow node the conversation is in now (null: no flow). */
  node: string | null;
  /** The nodes this turn entered, with the function that led there. */
  path: Array<{ node: string; via: string | null }>;
  toolCalls: TextToolCall[];
  /** The machine's state ("live.listening", "ended"). */
  state: string;
  ended: boolean;
  outcome: ConversationOutcome | null;
  /** What the line did this turn (a transfer, a hangup). */
  line: LineEvent[];
}

export interface TextToolCall {
  name: string;
  /** As the model wrote them, parsed when they are JSON. */
  arguments: unknown;
  /** What the tool answered the model, parsed when it is JSON. */
  result: unknown;
  ok: boolean;
  outcome: string;
  /** The caller turn it answered (null: the greeting's). */
  turn: number | null;
}

/** A turn sent while the previous one is still being answered. */
export class TurnInProgressError extends Error {}
/** A turn sent to a session that has ended. */
export class SessionEndedError extends Error {}

export interface TextSessionOptions {
  id: string;
  receptionist: { id: string; version: number };
  sandbox: boolean;
  spec: ConversationSpec;
  input: ConversationInput;
  /** The conversation machine with the text transport provided (text-transport.ts). */
  machine: ConversationMachine;
  /** Longest a turn may take before its answer is given as it stands. */
  turnTimeoutMs: number;
  /** Tool calls, flow steps and the end, journalled under the session's id. */
  journal?: (name: string, data: unknown, error?: boolean) => void;
  /** Called once when the session ends, however it ends (its safety policy is released then). */
  onEnded?: () => void;
}

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export class TextSession {
  readonly id: string;
  readonly receptionist: { id: string; version: number };
  readonly sandbox: boolean;
  /** The spec the machine runs (its tools run the receptionist's, sandboxed or not). */
  readonly spec: ConversationSpec;
  readonly createdAt = Date.now();
  lastActiveAt = Date.now();
  endedAt: number | null = null;
  readonly line: LineEvent[] = [];
  private readonly actor: Actor<ConversationMachine>;
  /** The `stt` actor's sendBack while it runs: the caller's words go in through it. */
  private hear: ((event: SttEvent) => void) | null = null;
  private busy = false;
  private readonly subscription: Subscription;
  private readonly journal: NonNullable<TextSessionOptions["journal"]>;

  constructor(private readonly opts: TextSessionOptions) {
    this.id = opts.id;
    this.receptionist = opts.receptionist;
    this.sandbox = opts.sandbox;
    this.spec = opts.spec;
    this.journal = opts.journal ?? (() => {});
    this.actor = createActor(opts.machine, { input: opts.input });
    this.actor.on("call.command", (event) => this.onCommand(event.command));
    this.actor.on("tool.called", (event) => {
      const failed = toolCallFailed(event.call.outcome);
      this.journal(failed ? "TOOL_FAILED" : "TOOL_CALLED", event.call, failed);
    });
    this.actor.on("flow.step", (event) => this.journal("FLOW_STEP", { seq: event.seq, from: event.from, to: event.to, via: event.via, actions: event.actions }));
    this.actor.on("conversation.ended", (event) => this.journal("CONVERSATION_ENDED", { outcome: event.outcome, cause: event.cause }));
    this.subscription = this.actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status !== "active") this.markEnded();
      },
      error: () => this.markEnded(),
    });
  }

  /** The `stt` actor started (or stopped: null) for this session. */
  attachHearing(sendBack: ((event: SttEvent) => void) | null): void {
    this.hear = sendBack;
  }

  /** Start the machine; resolves with the greeting once the bot listens. */
  async open(): Promise<TextTurnResult> {
    return this.exchange(() => this.actor.start(), { wholePath: true });
  }

  /** The caller says `text`; resolves with the bot's answer once it listens again (or the session ended). */
  async turn(text: string): Promise<TextTurnResult> {
    if (!this.live) throw new SessionEndedError(`test session ${this.id} has ended`);
    if (this.busy) throw new TurnInProgressError(`test session ${this.id} is still answering the previous turn`);
    return this.exchange(() => this.say(text));
  }

  /** End the session now (DELETE, idle expiry, shutdown): the caller hangs up. */
  end(cause: string): void {
    if (this.live) this.actor.send({ type: "call.ended", cause, receivedAt: performance.now() });
    if (this.actor.getSnapshot().status === "active") this.actor.stop();
    this.subscription.unsubscribe();
    this.markEnded();
  }

  private markEnded(): void {
    if (this.endedAt !== null) return;
    this.endedAt = Date.now();
    this.opts.onEnded?.();
  }

  get live(): boolean {
    return this.actor.getSnapshot().status === "active" && this.endedAt === null;
  }

  get context(): ConversationContext {
    return this.actor.getSnapshot().context;
  }

  get state(): string {
    return conversationStateName(this.actor.getSnapshot());
  }

  /** The flow node now (null: no flow). */
  get node(): string | null {
    return this.context.flow?.state.context.node ?? null;
  }

  /** Run `action`, wait for the bot to be done with it, and say what happened meanwhile. */
  private async exchange(action: () => void, opts: { wholePath?: boolean } = {}): Promise<TextTurnResult> {
    this.busy = true;
    this.lastActiveAt = Date.now();
    const before = this.context;
    const marks = {
      transcript: before.transcript.length,
      toolCalls: before.toolCalls.length,
      // The greeting's answer shows the node the flow starts in too.
      path: opts.wholePath ? 0 : (before.flow?.state.context.path.length ?? 0),
      line: this.line.length,
    };
    try {
      action();
      await this.settled();
    } finally {
      this.busy = false;
      this.lastActiveAt = Date.now();
    }
    const c = this.context;
    const path = c.flow?.state.context.path ?? [];
    return {
      reply: c.transcript
        .slice(marks.transcript)
        .filter((e) => e.who === "bot")
        .map((e) => e.text)
        .join(" "),
      node: this.node,
      // The flow keeps its last visits only: a turn's are the ones past the mark (all of them when it wrapped).
      path: path.slice(Math.min(marks.path, path.length)).map((v) => ({ node: v.node, via: v.via })),
      toolCalls: c.toolCalls.slice(marks.toolCalls).map(textToolCall),
      state: this.state,
      ended: !this.live,
      outcome: this.live ? null : (c.outcome ?? null),
      line: this.line.slice(marks.line),
    };
  }

  /** The caller's words as the recogniser's last word on them: final, endpointed. */
  private say(text: string): void {
    const receivedAt = performance.now();
    const event: SttEvent = {
      type: "stt.transcript",
      receivedAt,
      text,
      isFinal: true,
      speechFinal: true,
      fromFinalize: false,
      startSec: 0,
      durationSec: 0,
      confidence: 1,
      words: [],
    };
    if (this.hear) this.hear(event);
    else this.actor.send(event);
  }

  /** Resolves when the bot listens (nothing left to say or do) or the machine has stopped; or at the turn timeout. */
  private settled(): Promise<void> {
    const done = (s: ConversationSnapshot) =>
      s.status !== "active" ||
      (conversationStateName(s) === "live.listening" && s.context.reply === null && s.context.listen.complete === null && !s.context.lostNoticePending);
    if (done(this.actor.getSnapshot())) return Promise.resolve();
    return new Promise((resolve) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve();
      };
      const timer = setTimeout(finish, this.opts.turnTimeoutMs);
      const sub = this.actor.subscribe({ next: (s) => done(s) && finish(), error: finish, complete: finish });
    });
  }

  /** The text line answers the machine's commands as a call would, a moment later (never inside its transition). */
  private onCommand(command: ConversationCommand): void {
    const now = () => performance.now();
    const send = (event: Parameters<Actor<ConversationMachine>["send"]>[0]) =>
      queueMicrotask(() => {
        if (this.actor.getSnapshot().status === "active") this.actor.send(event);
      });
    switch (command.type) {
      case "say":
      case "play":
        // Heard in full: started and stopped, done.
        send({ type: "call.playback_started", id: command.id, receivedAt: now() });
        send({ type: "call.playback_stopped", id: command.id, status: "done", playbackMs: null, receivedAt: now() });
        return;
      case "audio_stream.start":
      case "audio_stream.stop":
      case "break":
        // No audio on a text line: the transcripts are its stream; nothing plays when a break comes.
        return;
      case "hangup":
        this.line.push({ type: "hangup", reason: command.reason, at: Date.now() });
        send({ type: "call.ended", cause: "NORMAL_CLEARING", receivedAt: now() });
        return;
      case "transfer":
        this.line.push({ type: "transfer", to: command.to, target: this.lastTransferTarget(), warm: false, summary: null, at: Date.now() });
        this.journal("TRANSFER", { to: command.to, warm: false });
        // The caller would leave the bot here: the session ends as the call's would.
        send({ type: "call.ended", cause: "transferred", receivedAt: now() });
        return;
      case "bridge_call":
        // The last step of a warm transfer the session answered for the agent (warmTransfer): recorded there.
        send({ type: "call.ended", cause: "transferred", receivedAt: now() });
        return;
      default: {
        // A command this text line does not know (a newer machine's): recorded, and refused as a call would refuse it.
        const unknown = command as { type: string; id?: string };
        this.line.push({ type: "unsupported", command: unknown.type, at: Date.now() });
        this.journal("COMMAND_UNSUPPORTED", { command: unknown.type }, true);
        if (typeof unknown.id === "string") send({ type: "call.command_refused", id: unknown.id, reason: "a text test session cannot do this", receivedAt: now() });
      }
    }
  }

  /** The conversation asks for a warm transfer: recorded, and the agent "answers" (nobody is rung from a text session). */
  warmTransfer(input: WarmTransferActorInput): WarmTransferActorOutput {
    this.line.push({ type: "transfer", to: input.to, target: this.lastTransferTarget(), warm: true, summary: input.summary, at: Date.now() });
    this.journal("TRANSFER", { to: input.to, warm: true });
    return { outcome: "answered", agentCallId: `${this.id}:agent` };
  }

  /** The target transfer_to_human named in its last successful result (the command itself carries only a dial string). */
  private lastTransferTarget(): string | null {
    const call = [...this.context.toolCalls].reverse().find((t) => t.name === "transfer_to_human" && t.outcome === "ok");
    const result = call ? parsed(call.result) : null;
    return result !== null && typeof result === "object" && typeof (result as { target?: unknown }).target === "string" ? (result as { target: string }).target : null;
  }
}

/** A recorded tool call as the bench shows it. */
export function textToolCall(t: ConversationContext["toolCalls"][number]): TextToolCall {
  const result = parsed(t.result);
  // A tool's own verdict ({"ok": false, …}) counts as well as how the call went.
  const verdict = result !== null && typeof result === "object" && typeof (result as { ok?: unknown }).ok === "boolean" ? (result as { ok: boolean }).ok : true;
  return { name: t.name, arguments: parsed(t.arguments), result, ok: t.outcome === "ok" && verdict, outcome: t.outcome, turn: t.turn };
}

/**
 * What a conversation keeps: the model's history, the transcript people read,
 * and a record per caller turn with its latency marks. Each function takes the
 * context and returns the fields it changes (plus notices to emit). Pure.
 */
import type { ChatMessage } from "./ports/index.ts";
import { heardReply } from "./conversation-reply.ts";
import { emptyMarks, markOnce, turnLatencies, type TurnMarks } from "./turn-latency.ts";
import type { ConversationContext, ConversationEmitted, ListenState, TurnRecord } from "./conversation-types.ts";

export interface Change {
  patch: Partial<ConversationContext>;
  emitted: ConversationEmitted[];
}

export function emptyListen(): ListenState {
  return { segments: [], interim: "", startedAt: null, speechEndedAt: null, lastActivityAt: null, endedAt: null, digits: "", complete: null };
}

export function heardAnything(listen: ListenState): boolean {
  return listen.segments.length > 0 || listen.interim.trim() !== "";
}

/** What the caller said (or keyed) this turn. */
export function callerText(listen: ListenState): string {
  if (listen.complete === "keypad") return `(keypad) ${listen.digits}`;
  const finals = listen.segments.join(" ").trim();
  return finals !== "" ? finals : listen.interim.trim();
}

/** Set a latency mark on the turn the current reply answers (first time only). */
export function markTurn(context: ConversationContext, name: keyof TurnMarks, at: number | null): Partial<ConversationContext> {
  const turn = context.reply?.turn ?? null;
  if (turn === null || at === null) return {};
  return {
    turns: context.turns.map((t) => (t.index === turn ? { ...t, marks: markOnce(t.marks, name, at) } : t)),
  };
}

/**
 * The reply is over (spoken, cut off, or the call ended): the model's history
 * gets what the caller heard, the transcript gets a bot entry, and the turn it
 * answered is completed with its latencies.
 */
export function commitReply(context: ConversationContext, now: number | null): Change {
  const reply = context.reply;
  if (reply === null) return { patch: {}, emitted: [] };
  const heard = heardReply(reply, now);
  const messages: ChatMessage[] =
    heard.forModel !== "" ? [...context.messages, { role: "assistant", content: heard.forModel }] : context.messages;
  const transcript =
    heard.all !== ""
      ? [
          ...context.transcript,
          { who: "bot" as const, text: heard.all, startedAt: heard.startedAt, endedAt: heard.endedAt, interrupted: heard.interrupted },
        ]
      : context.transcript;
  const emitted: ConversationEmitted[] = [];
  let turns = context.turns;
  if (reply.turn !== null) {
    turns = context.turns.map((t) => {
      if (t.index !== reply.turn) return t;
      const done: TurnRecord = {
        ...t,
        interrupted: heard.interrupted,
        llmRequests: reply.llmRequests,
        latencies: turnLatencies(t.marks),
      };
      emitted.push({ type: "turn.completed", turn: done });
      return done;
    });
  }
  return { patch: { messages, transcript, turns, reply: null }, emitted };
}

/**
 * The caller's turn ended: it joins the history (merged with the previous user
 * message when the bot said nothing in between) and the transcript, and a turn
 * record opens with its first two marks.
 */
export function commitCallerTurn(context: ConversationContext): { patch: Partial<ConversationContext>; turn: number; text: string } {
  const listen = context.listen;
  const text = callerText(listen);
  const last = context.messages[context.messages.length - 1];
  const messages: ChatMessage[] =
    last?.role === "user"
      ? [...context.messages.slice(0, -1), { role: "user", content: `${last.content} ${text}` }]
      : [...context.messages, { role: "user", content: text }];
  const index = context.turns.length + 1;
  const marks = { ...emptyMarks(), endOfSpeech: listen.speechEndedAt, finalTranscript: listen.endedAt };
  const turn: TurnRecord = {
    index,
    callerText: text,
    marks,
    latencies: turnLatencies(marks),
    interrupted: false,
    llmRequests: 0,
    toolCallIds: [],
  };
  const via = listen.complete === "keypad" ? ("keypad" as const) : ("speech" as const);
  return {
    patch: {
      messages,
      transcript: [
        ...context.transcript,
        { who: "caller", text, startedAt: listen.startedAt, endedAt: listen.speechEndedAt ?? listen.endedAt, interrupted: false, via },
      ],
      turns: [...context.turns, turn],
      listen: emptyListen(),
      reprompts: 0,
    },
    turn: index,
    text,
  };
}

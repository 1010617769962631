/**
 * The conversation's steps on the bot's side: the model's stream, tool calls,
 * TTS for each sentence, playback through the call, the goodbye and the
 * transfer. Same shape as conversation-steps.ts: (context, event) → the fields
 * that change and what to emit. Pure.
 */
import type { ToolCall, Utterance } from "./ports/index.ts";
import { commitReply, markTurn, type Change } from "./conversation-records.ts";
import {
  appendModelText,
  flushModelText,
  nextToPlay,
  nextToSynthesize,
  preparingSentence,
  newReply,
  queueSentences,
  sentenceByCommand,
  sentencesSpoken,
  updateSentence,
} from "./conversation-reply.ts";
import { command, NO_CHANGE, timeOf, type StepEvent } from "./conversation-steps.ts";
import { isOffered, nextNodeOf, notOfferedResult, routedResult, takeFunction, toolsNow } from "./conversation-flow.ts";
import {
  errorResult,
  invalidArgumentsResult,
  parseToolArguments,
  timeoutResult,
  toolMessage,
  toolRecord,
  TOO_MANY_ROUNDS_RESULT,
  unknownToolResult,
} from "./conversation-tools.ts";
import type {
  BotReply,
  ConversationCommand,
  ConversationContext,
  ConversationEmitted,
  LlmActorInput,
  ToolActorInput,
  ToolActorOutput,
  ToolCallOutcome,
  TtsActorInput,
  TtsActorOutput,
} from "./conversation-types.ts";

function withReply(context: ConversationContext, reply: BotReply, extra: Partial<ConversationContext> = {}): Change {
  return { patch: { reply, ...extra }, emitted: [] };
}

function utteranceCommand(utterance: Utterance, text: string, id: string): ConversationCommand {
  return utterance.kind === "say"
    ? { type: "say", id, text: utterance.text || text, engine: utterance.engine, voice: utterance.voice }
    : { type: "play", id, url: utterance.file };
}

// ─── the model ───────────────────────────────────────────────────────────────

export function llmInput(context: ConversationContext): LlmActorInput {
  return {
    conversationId: context.conversationId,
    model: context.model,
    ...(context.temperature !== undefined ? { temperature: context.temperature } : {}),
    messages: context.messages,
    tools: toolsNow(context),
  };
}

export function beginLlmRequest(context: ConversationContext): Change {
  const reply = context.reply;
  if (reply === null) return NO_CHANGE;
  return withReply(
    context,
    { ...reply, llmRequests: reply.llmRequests + 1, needsLlm: false, buffer: "", roundText: "", roundToolCalls: [], toolIndex: 0, toolRoundOpen: false },
    { usage: { ...context.usage, llmRequests: context.usage.llmRequests + 1 } },
  );
}

/** Marks the first model sentence once one exists (it went to TTS when it was queued). */
function markFirstSentence(context: ConversationContext, reply: BotReply, at: number | null): Partial<ConversationContext> {
  if (!reply.sentences.some((s) => s.source === "model")) return {};
  return markTurn({ ...context, reply }, "firstSentence", at);
}

export function modelText(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "llm.text" || context.reply === null) return NO_CHANGE;
  const reply = appendModelText(context.reply, event.text, context.settings.maxSentenceChars);
  const first = markTurn(context, "llmFirstToken", event.receivedAt);
  const withFirst = { ...context, ...first };
  return withReply(context, reply, { ...first, ...markFirstSentence(withFirst, reply, event.receivedAt) });
}

export function modelToolCall(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "llm.tool_call" || context.reply === null) return NO_CHANGE;
  const reply = { ...context.reply, roundToolCalls: [...context.reply.roundToolCalls, event.call] };
  return withReply(context, reply, markTurn(context, "llmFirstToken", event.receivedAt));
}

export function modelFinished(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "llm.finish" || context.reply === null) return NO_CHANGE;
  const reply = flushModelText(context.reply, context.settings.maxSentenceChars);
  const usage = event.usage
    ? {
        ...context.usage,
        promptTokens: context.usage.promptTokens + event.usage.promptTokens,
        completionTokens: context.usage.completionTokens + event.usage.completionTokens,
      }
    : context.usage;
  return withReply(context, reply, { usage, modelErrors: 0, ...markFirstSentence(context, reply, event.receivedAt) });
}

/** The model failed (stream error or the actor threw): the caller is asked to repeat, unless this round already said something. */
export function modelFailed(context: ConversationContext, event: StepEvent): Change {
  const reply = context.reply;
  const message =
    event.type === "llm.finish" ? (event.error ?? `finish reason ${event.reason}`) : "error" in event ? String(event.error) : "model failed";
  const emitted: ConversationEmitted[] = [{ type: "model.error", message, turn: reply?.turn ?? null }];
  if (reply === null) return { patch: { modelErrors: context.modelErrors + 1 }, emitted };
  const cleared = { ...reply, buffer: "" };
  // After "Let me check." and a tool, a silent failure would leave the caller waiting: apologise then too.
  const saidSomething = reply.roundText.trim() !== "" && sentencesSpoken(cleared) > 0;
  const next = saidSomething ? cleared : queueSentences(cleared, [context.settings.phrases.modelError], "script");
  return { patch: { reply: next, modelErrors: context.modelErrors + 1 }, emitted };
}

// ─── tools ───────────────────────────────────────────────────────────────────

/** The round ended in tool calls: they join the history with the text said before them, then run one by one. */
export function startToolRound(context: ConversationContext, event: StepEvent): Change {
  const reply = context.reply;
  if (reply === null) return NO_CHANGE;
  const calls = reply.roundToolCalls;
  const messages = [...context.messages, { role: "assistant" as const, content: reply.roundText !== "" ? reply.roundText : null, toolCalls: calls }];
  const ids = calls.map((c) => c.id);
  return withReply(
    context,
    {
      ...reply,
      sentences: reply.sentences.map((s) => (s.forModel ? { ...s, inMessages: true } : s)),
      toolRoundOpen: true,
      toolIndex: 0,
      toolStartedAt: timeOf(event),
    },
    { messages, turns: context.turns.map((t) => (t.index === reply.turn ? { ...t, toolCallIds: [...t.toolCallIds, ...ids] } : t)) },
  );
}

/** Too many rounds: every call of this one is answered with an error and the model is not asked again. */
export function refuseToolRound(context: ConversationContext, event: StepEvent): Change {
  const started = startToolRound(context, event);
  let ctx = { ...context, ...started.patch };
  const emitted: ConversationEmitted[] = [];
  for (const call of ctx.reply?.roundToolCalls ?? []) {
    const done = finishTool(ctx, call, "error", TOO_MANY_ROUNDS_RESULT, timeOf(event), null);
    ctx = { ...ctx, ...done.patch };
    emitted.push(...done.emitted);
  }
  const reply = ctx.reply ? { ...ctx.reply, toolRoundOpen: false } : null;
  return { patch: { ...started.patch, messages: ctx.messages, toolCalls: ctx.toolCalls, reply }, emitted };
}

export function nextToolCall(context: ConversationContext): ToolCall | undefined {
  const reply = context.reply;
  return reply?.toolRoundOpen ? reply.roundToolCalls[reply.toolIndex] : undefined;
}

/** Why the next call cannot run (its arguments are not JSON, no such tool), or null. */
export function toolRejection(context: ConversationContext): { outcome: ToolCallOutcome; result: string } | null {
  const call = nextToolCall(context);
  if (call === undefined) return null;
  if (context.flow !== null) {
    // A flow offers what its node takes: anything else is refused (the flow does not move).
    if (!isOffered(context, call.name)) return { outcome: "unknown_tool", result: notOfferedResult(call.name) };
  } else if (!context.tools.some((t) => t.name === call.name)) return { outcome: "unknown_tool", result: unknownToolResult(call) };
  const parsed = parseToolArguments(call.arguments);
  return parsed.ok ? null : { outcome: "invalid_arguments", result: invalidArgumentsResult(call, parsed.error) };
}

export function toolInput(context: ConversationContext): ToolActorInput {
  const call = nextToolCall(context);
  const parsed = call ? parseToolArguments(call.arguments) : null;
  return {
    conversationId: context.conversationId,
    callId: context.callId,
    toolCallId: call?.id ?? "",
    name: call?.name ?? "",
    arguments: parsed?.ok ? parsed.value : {},
  };
}

/** A tool call is over, whichever way: its result joins the history, a record the journal. */
function finishTool(
  context: ConversationContext,
  call: ToolCall,
  outcome: ToolCallOutcome,
  result: string,
  endedAt: number | null,
  error: string | null,
): Change {
  const reply = context.reply;
  if (reply === null) return NO_CHANGE;
  const record = toolRecord(call, outcome, result, { startedAt: reply.toolStartedAt, endedAt, turn: reply.turn, error });
  return {
    patch: {
      messages: [...context.messages, toolMessage(call, result)],
      toolCalls: [...context.toolCalls, record],
      reply: { ...reply, toolIndex: reply.toolIndex + 1, toolStartedAt: endedAt ?? reply.toolStartedAt },
    },
    emitted: [{ type: "tool.called", call: record }],
  };
}

export function rejectTool(context: ConversationContext): Change {
  const call = nextToolCall(context);
  const rejection = toolRejection(context);
  if (call === undefined || rejection === null) return NO_CHANGE;
  return finishTool(context, call, rejection.outcome, rejection.result, context.reply?.toolStartedAt ?? null, null);
}

export function toolSucceeded(context: ConversationContext, event: StepEvent): Change {
  const call = nextToolCall(context);
  if (call === undefined || !("output" in event)) return NO_CHANGE;
  const output = event.output as ToolActorOutput;
  const done = finishTool(context, call, "ok", output.content, output.finishedAt, null);
  const reply = done.patch.reply;
  if (reply && output.then) done.patch.reply = { ...reply, then: output.then };
  if (context.flow === null || output.ok === false) return done;
  // Only a tool that did what was asked moves the flow (with the arguments the tool took).
  const parsed = parseToolArguments(call.arguments);
  const moved = takeFunction({ ...context, ...done.patch }, call.name, parsed.ok ? parsed.value : {});
  return { patch: { ...done.patch, ...moved.patch }, emitted: [...done.emitted, ...moved.emitted] };
}

/** A routing function of the flow (offered, no tool behind it): answered at once with the node it leads to, and taken. */
export function routeFunction(context: ConversationContext): Change {
  const call = nextToolCall(context);
  if (call === undefined) return NO_CHANGE;
  const parsed = parseToolArguments(call.arguments);
  const at = context.reply?.toolStartedAt ?? null;
  const done = finishTool(context, call, "ok", routedResult(nextNodeOf(context, call.name)), at, null);
  const moved = takeFunction({ ...context, ...done.patch }, call.name, parsed.ok ? parsed.value : {});
  return { patch: { ...done.patch, ...moved.patch }, emitted: [...done.emitted, ...moved.emitted] };
}

export function toolFailed(context: ConversationContext, event: StepEvent): Change {
  const call = nextToolCall(context);
  if (call === undefined) return NO_CHANGE;
  const result = errorResult("error" in event ? event.error : "failed");
  return finishTool(context, call, "error", result, null, result);
}

export function toolTimedOut(context: ConversationContext): Change {
  const call = nextToolCall(context);
  if (call === undefined) return NO_CHANGE;
  const started = context.reply?.toolStartedAt ?? null;
  const endedAt = started === null ? null : started + context.settings.toolTimeoutMs;
  return finishTool(context, call, "timeout", timeoutResult(call, context.settings.toolTimeoutMs), endedAt, null);
}

export function queueFiller(context: ConversationContext): Change {
  if (context.reply === null) return NO_CHANGE;
  const reply = queueSentences({ ...context.reply, fillerSpoken: true }, [context.settings.phrases.toolFiller], "filler");
  return withReply(context, reply);
}

// ─── TTS ─────────────────────────────────────────────────────────────────────

export function markPreparing(context: ConversationContext): Change {
  const next = nextToSynthesize(context.reply);
  if (next === undefined || context.reply === null) return NO_CHANGE;
  const usage = { ...context.usage, ttsRequests: context.usage.ttsRequests + 1, ttsCharacters: context.usage.ttsCharacters + next.text.length };
  return withReply(context, updateSentence(context.reply, next.key, { status: "preparing" }), { usage });
}

export function ttsInput(context: ConversationContext, text: string | undefined): TtsActorInput {
  return { conversationId: context.conversationId, text: text ?? preparingSentence(context.reply)?.text ?? "", voice: context.voice };
}

export function sentenceReady(context: ConversationContext, event: StepEvent): Change {
  const s = preparingSentence(context.reply);
  if (s === undefined || context.reply === null || !("output" in event)) return NO_CHANGE;
  const output = event.output as TtsActorOutput;
  return withReply(context, updateSentence(context.reply, s.key, { status: "ready", utterance: output.utterance, durationMs: output.durationMs ?? null }));
}

/** TTS failed for one sentence: it is skipped, the rest is still said. */
export function sentenceFailed(context: ConversationContext): Change {
  const s = preparingSentence(context.reply);
  if (s === undefined || context.reply === null) return NO_CHANGE;
  return withReply(context, updateSentence(context.reply, s.key, { status: "failed" }));
}

// ─── playback through the call ───────────────────────────────────────────────

/** One sentence at a time: the call's say/play interrupts what plays, so the next waits for playback_stopped. */
export function playNext(context: ConversationContext, event: StepEvent): Change {
  const s = nextToPlay(context.reply);
  if (s === undefined || s.utterance === null || context.reply === null) return NO_CHANGE;
  const utterance = s.utterance;
  const c = command(context, (id) => utteranceCommand(utterance, s.text, id));
  const reply = updateSentence(context.reply, s.key, { status: "playing", commandId: c.id });
  const mark = s.source === "model" ? markTurn(context, "ttsCommand", timeOf(event)) : {};
  return { patch: { reply, seq: c.seq, ...mark }, emitted: [c.emitted] };
}

export function playbackStarted(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "call.playback_started" || context.reply === null) return NO_CHANGE;
  const s = sentenceByCommand(context.reply, event.id);
  if (s === undefined || s.startedAt !== null) return NO_CHANGE;
  const mark = s.source === "model" ? markTurn(context, "playbackStarted", event.receivedAt) : {};
  return withReply(context, updateSentence(context.reply, s.key, { startedAt: event.receivedAt }), mark);
}

export function playbackStopped(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "call.playback_stopped" || context.reply === null) return NO_CHANGE;
  const s = sentenceByCommand(context.reply, event.id);
  if (s === undefined || (s.status !== "playing" && !(s.status === "cut" && s.stoppedAt === null))) return NO_CHANGE;
  const status = event.status === "break" ? ("cut" as const) : ("done" as const);
  return withReply(
    context,
    updateSentence(context.reply, s.key, { status, stoppedAt: event.receivedAt, playbackMs: event.playbackMs }),
  );
}

/** The call never said the sentence finished: assume it played and go on. */
export function playbackGivenUp(context: ConversationContext): Change {
  const s = context.reply?.sentences.find((x) => x.status === "playing");
  if (s === undefined || context.reply === null) return NO_CHANGE;
  return withReply(context, updateSentence(context.reply, s.key, { status: "done" }));
}

export function playbackRefused(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "call.command_refused" || context.reply === null) return NO_CHANGE;
  const s = sentenceByCommand(context.reply, event.id);
  if (s === undefined) return NO_CHANGE;
  return withReply(context, updateSentence(context.reply, s.key, { status: "failed" }));
}

export function finishReply(context: ConversationContext, event: StepEvent): Change {
  const then = context.reply?.then ?? null;
  const committed = commitReply(context, timeOf(event));
  if (then?.type !== "transfer") return committed;
  // Warm: nothing is sent to the call here; the `warmTransfer` actor holds the caller and rings the agent.
  if (then.warm) return { patch: { ...committed.patch, transfer: { to: then.to, commandId: null, warm: then.warm } }, emitted: committed.emitted };
  const c = command({ ...context, ...committed.patch }, (id) => ({ type: "transfer", id, to: then.to }));
  return {
    patch: { ...committed.patch, seq: c.seq, transfer: { to: then.to, commandId: c.id, warm: null } },
    emitted: [...committed.emitted, c.emitted],
  };
}

export function transferRefused(context: ConversationContext, event: StepEvent): Change {
  const reason = event.type === "call.command_refused" ? event.reason : "refused";
  const note = `The transfer to ${context.transfer?.to ?? "?"} failed (${reason}); the caller is still on the line.`;
  const reply = queueSentences(newReply("notice", null, false), [context.settings.phrases.transferFailed], "script");
  return { patch: { transfer: null, reply, messages: [...context.messages, { role: "system", content: note }] }, emitted: [] };
}

// ─── the goodbye ─────────────────────────────────────────────────────────────

export function goodbyeReady(context: ConversationContext, event: StepEvent): Change {
  const closing = context.closing;
  if (closing === null || closing.goodbye === null || !("output" in event)) return NO_CHANGE;
  const text = closing.goodbye;
  const output = event.output as TtsActorOutput;
  const c = command(context, (id) => utteranceCommand(output.utterance, text, id));
  return {
    patch: {
      seq: c.seq,
      closing: { ...closing, commandId: c.id },
      usage: { ...context.usage, ttsRequests: context.usage.ttsRequests + 1, ttsCharacters: context.usage.ttsCharacters + text.length },
      messages: [...context.messages, { role: "assistant", content: text }],
      transcript: [...context.transcript, { who: "bot", text, startedAt: null, endedAt: null, interrupted: false }],
    },
    emitted: [c.emitted],
  };
}

/** Playback notices of the goodbye fill in its transcript entry (the last one). */
export function goodbyePlayback(context: ConversationContext, event: StepEvent): Change {
  if (event.type !== "call.playback_started" && event.type !== "call.playback_stopped") return NO_CHANGE;
  const last = context.transcript[context.transcript.length - 1];
  if (last === undefined || last.who !== "bot" || event.id !== context.closing?.commandId) return NO_CHANGE;
  const entry =
    event.type === "call.playback_started"
      ? { ...last, startedAt: event.receivedAt }
      : { ...last, endedAt: event.receivedAt, interrupted: event.status === "break" };
  return { patch: { transcript: [...context.transcript.slice(0, -1), entry] }, emitted: [] };
}

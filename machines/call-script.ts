/**
 * Script steps: an outbound call's firstAction or a call's script runs one
 * step each time the call is idle (in_progress.idle's `always`). Each step
 * starts the same application a user command would, under an Application-UUID
 * derived from the call id and the step's index unless the step names one.
 */
import { callEnqueue } from "./call-action-kit.ts";
import { pending } from "./call-activity.ts";
import { gatherCommand, hangupCommand, playbackCommand, speakCommand } from "./call-commands.ts";
import { requestedCause } from "./call-hangup.ts";
import type { CallAction, CallContext, PendingApplication } from "./call-types.ts";

function stepApplicationUuid(context: CallContext, step: CallAction, index: number): string {
  return "applicationUuid" in step && step.applicationUuid !== undefined ? step.applicationUuid : `${context.callId}:step:${index}`;
}

/** Moves past the current step, whose application is now pending (since the call was answered, else created). */
function stepStarted(context: CallContext, application: PendingApplication["application"], applicationUuid: string) {
  return { scriptIndex: context.scriptIndex + 1, pending: pending(application, applicationUuid, context.answeredAt ?? context.createdAt) };
}

const runScriptSay = callEnqueue(({ context, enqueue }) => {
  const step = context.script[context.scriptIndex];
  if (step?.type !== "say") return;
  const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
  enqueue.assign(stepStarted(context, "speak", applicationUuid));
  enqueue.emit({ type: "command", command: speakCommand(context, step.text, step.voice, applicationUuid) });
});

const runScriptPlay = callEnqueue(({ context, enqueue }) => {
  const step = context.script[context.scriptIndex];
  if (step?.type !== "play") return;
  const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
  enqueue.assign(stepStarted(context, "playback", applicationUuid));
  enqueue.emit({ type: "command", command: playbackCommand(context, step.url, step.loop, applicationUuid) });
});

const runScriptGather = callEnqueue(({ context, enqueue }) => {
  const step = context.script[context.scriptIndex];
  if (step?.type !== "gather") return;
  const applicationUuid = stepApplicationUuid(context, step, context.scriptIndex);
  enqueue.assign({
    ...stepStarted(context, "play_and_get_digits", applicationUuid),
    gather: { applicationUuid, buffer: "", digits: null, terminator: null },
  });
  enqueue.emit({ type: "command", command: gatherCommand(context, step, applicationUuid) });
});

const runScriptHangup = callEnqueue(({ context, enqueue }) => {
  const step = context.script[context.scriptIndex];
  if (step?.type !== "hangup") return;
  const cause = requestedCause(context, "api", step.reason);
  enqueue.assign({
    scriptIndex: context.scriptIndex + 1,
    requestedCause: cause,
    hangupBy: context.hangupBy ?? "api",
    hangupReason: step.reason ?? null,
  });
  enqueue.emit({ type: "command", command: hangupCommand(context, cause) });
});

export const scriptActions = { runScriptSay, runScriptPlay, runScriptGather, runScriptHangup };

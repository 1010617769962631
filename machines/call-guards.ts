/**
 * The call machine's guards: questions about the call and the event at hand,
 * named so the state tree (call.ts) reads as the rules it follows.
 */
import type { GuardArgs } from "xstate";
import type { CallAction, CallContext, CallEvent } from "./call-types.ts";

type Args = GuardArgs<CallContext, CallEvent>;

export const callGuards = {
  isInbound: ({ context }: Args) => context.direction === "inbound",
  channelSeen: ({ context }: Args) => context.channelSeen,
  linkIsUp: ({ context }: Args) => context.linkUp,
  /**
   * The channel is gone and nothing said why. A leg the endpoint refuses before it
   * exists (sofia: "Gateway 'carrier' is down!") fires only CHANNEL_DESTROY, then the
   * BACKGROUND_JOB with "-ERR GATEWAY_DOWN": the cause is still on its way.
   */
  endUnexplained: ({ context }: Args) => context.hangupCause === null,
  canAnswer: ({ context }: Args) => context.direction === "inbound" && !context.answerRequested,
  originateFailedWithChannel: ({ context, event }: Args) => event.type === "originate.result" && !event.ok && context.channelSeen,
  originateFailedWithoutChannel: ({ context, event }: Args) => event.type === "originate.result" && !event.ok && !context.channelSeen,
  originateNotSent: ({ event }: Args) => event.type === "command.failed" && event.command === "originate",
  /** CHANNEL_EXECUTE_COMPLETE for the application we are waiting on (Application-UUID = our Event-UUID). */
  completesPending: ({ context, event }: Args) =>
    event.type === "channel.execute_complete" && context.pending !== null && event.applicationUuid === context.pending.applicationUuid,
  /** The runtime could not send the command that started the current activity. */
  pendingCommandFailed: ({ context, event }: Args) =>
    event.type === "command.failed" && context.pending !== null && event.command === context.pending.application,
  /** One caller-audio stream per call (mod_audio_stream refuses a second start). */
  startsAudioStream: ({ context, event }: Args) => event.type === "audio_stream" && event.action === "start" && context.audioStream == null,
  stopsAudioStream: ({ context, event }: Args) => event.type === "audio_stream" && event.action === "stop" && context.audioStream != null,
  audioStreamCommandFailed: ({ event }: Args) => event.type === "command.failed" && event.command === "audio_stream",
  /** mod_audio_stream::error: the module closes its media bug after an error, so the call streams nothing now (a new start works). */
  audioStreamErrored: ({ context, event }: Args) =>
    event.type === "channel.custom" && event.subclass === "mod_audio_stream::error" && context.audioStream != null,
  nextStepIs: ({ context }: Args, params: { type: CallAction["type"] }) =>
    context.scriptIndex < context.script.length && context.script[context.scriptIndex]?.type === params.type,
};

/**
 * The call machine's context when it starts: defaults filled in from its input.
 * What each field means is in call-types.ts (CallContext).
 */
import type { CallContext, CallDeadlines, CallInput } from "./call-types.ts";

export const DEFAULT_RING_TIMEOUT_SEC = 60;
/** Twilio's default time limit (4 h). */
export const DEFAULT_TIME_LIMIT_SEC = 14_400;
export const DEFAULT_TTS_ENGINE = "flite";
export const DEFAULT_TTS_VOICE = "kal";

export const NO_DEADLINES: CallDeadlines = Object.freeze({ ring: null, timeLimit: null, hangupConfirm: null, hangupComplete: null });

export function initialContext(input: CallInput): CallContext {
  const script = input.script ?? (input.firstAction !== undefined ? [input.firstAction] : []);
  return {
    callId: input.callId,
    direction: input.direction,
    from: input.from,
    to: input.to,
    callerIdName: input.callerIdName ?? null,
    dialString: input.dialString ?? null,
    timeoutSec: input.timeoutSec ?? DEFAULT_RING_TIMEOUT_SEC,
    timeLimitSec: input.timeLimitSec ?? DEFAULT_TIME_LIMIT_SEC,
    variables: { ...(input.variables ?? {}) },
    tts: { engine: input.tts?.engine ?? DEFAULT_TTS_ENGINE, voice: input.tts?.voice ?? DEFAULT_TTS_VOICE },
    dryRun: input.dryRun ?? false,
    status: "queued",
    liveStatus: "queued",
    createdAt: input.createdAt,
    initiatedAt: null,
    ringingAt: null,
    earlyMediaAt: null,
    answeredAt: null,
    hangupAt: null,
    endedAt: null,
    ringSec: null,
    talkSec: null,
    billing: null,
    hangupCause: null,
    q850: null,
    hangupBy: null,
    hangupReason: null,
    requestedCause: null,
    activity: "none",
    pending: null,
    gather: null,
    dtmf: [],
    bridgedTo: null,
    lastPlayback: null,
    audioStream: null,
    error: null,
    channelSeen: input.direction === "inbound",
    answerRequested: false,
    linkUp: true,
    script: [...script],
    scriptIndex: 0,
    deadlines: { ...NO_DEADLINES },
  };
}

/**
 * How a conversation speaks through its call and hears it: its commands as
 * the call's user commands (the same gate an HTTP command passes), and the
 * call's channel events as the conversation's notices.
 *
 * Which switch facts each notice rests on (FreeSWITCH 1.10, and the simulator
 * that follows it):
 *  - A sentence is a `speak` or `playback` run with sendmsg Event-UUID = the
 *    command id, so CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE carry it as
 *    Application-UUID. `speak` fires no PLAYBACK_* events
 *    (switch_ivr_speak_text): it started at EXECUTE, it ended at
 *    EXECUTE_COMPLETE, and whether uuid_break cut it only we know (we sent the
 *    break), so how much was heard is the time it ran.
 *  - `playback` fires PLAYBACK_START (the file is open and playing) and
 *    PLAYBACK_STOP with Playback-Status done|break before EXECUTE_COMPLETE.
 *    After a break, playback_ms counts what was *read* in 16384-sample chunks;
 *    playback_last_offset_pos (samples at the channel's rate) is what was
 *    *played* (switch_ivr_play_file), so that is what the caller heard.
 *  - A file that does not open completes at once with Application-Response
 *    FILE NOT FOUND and no PLAYBACK events: the call would not say it.
 *  - mod_audio_stream's CUSTOM ::connect / ::disconnect / ::error (the switch's
 *    view of the caller-audio stream) become media.connected / media.lost.
 * The notice is stamped with the event's own receivedAt (when its bytes were
 * framed), so latencies are measured on the clock the transcripts use.
 */
import { isEndpointDialString } from "../../machines/dial-target.ts";
import type { ConversationSpec } from "./conversation-api.ts";
import type { CallUserCommand } from "../../machines/call.ts";
import type { CallNoticeEvent, ConversationCommand, MediaEvent } from "../../machines/conversation.ts";
import type { SttStream } from "../../machines/ports/index.ts";
import { mapAudioStreamEvent } from "../media/index.ts";

/** What the runtime keeps per conversation beside its machine (the host's entry.meta). */
export interface ConversationMeta {
  callId: string;
  direction: "inbound" | "outbound";
  /** The say/play sent to the call and not yet finished (its EXECUTE may not have come yet). */
  sentence: SentenceOnCall | null;
  /**
   * The caller-audio stream: one generation per audio_stream start sent; notices
   * of older ones are stale. `restarted`: a stop went just before this start (a
   * retry), so a failed audio_stream command may be that stop's, not the start's.
   */
  media: { generation: number; connected: boolean; lost: boolean; restarted: boolean };
  /** The speech-to-text stream the `stt` actor has open now: the caller audio's sink. */
  stt: SttStream | null;
  /** Epoch ms the conversation ended; null while live. */
  endedAt: number | null;
  /** Set when the runtime shuts down under it: it is stored as ended (outcome error) with this cause. */
  shutdown?: string;
  /** The conversation's own tools (a receptionist's, bound to its pinned definition); else the runtime's registry. */
  tools?: ConversationSpec["tools"];
  /** The receptionist and version it runs, when it is one. */
  receptionist?: { id: string; version: number };
}

export interface SentenceOnCall {
  id: string;
  application: "speak" | "playback";
  /** receivedAt of its CHANNEL_EXECUTE (speak) or PLAYBACK_START (playback). */
  startedAt: number | null;
  /** We sent uuid_break while it ran. */
  breakSent: boolean;
  /** PLAYBACK_STOP's status and what was played, for the EXECUTE_COMPLETE that follows. */
  stopped: { status: "done" | "break"; playedMs: number | null } | null;
}

export function newConversationMeta(callId: string, direction: "inbound" | "outbound"): ConversationMeta {
  return { callId, direction, sentence: null, media: { generation: 0, connected: false, lost: false, restarted: false }, stt: null, endedAt: null };
}

/** What starting the caller audio needs from the media edge (MediaServer.expect()). */
export interface AudioStreamGrant {
  url: string;
  metadata: string;
  sampleRate: number;
  heartBeatSec: number;
}

/**
 * A conversation command as the call takes it (through its state gate). The
 * ids travel as Application-UUIDs, so playback notices and refusals come back
 * with them. audio_stream.start needs the grant the media server issued.
 */
export function callCommandOf(command: ConversationCommand, at: number, grant?: AudioStreamGrant): CallUserCommand {
  switch (command.type) {
    case "say":
      return { type: "say", at, text: command.text, engine: command.engine, voice: command.voice, applicationUuid: command.id };
    case "play":
      return { type: "play", at, url: command.url, applicationUuid: command.id };
    case "break":
      return { type: "break", at };
    case "transfer":
      // A dial string (sofia/gateway/…, user/…, loopback/…): a blind transfer bridges the caller to it; else a dialplan extension.
      return isEndpointDialString(command.to)
        ? { type: "bridge", at, dialString: command.to, applicationUuid: command.id }
        : { type: "transfer", at, extension: command.to };
    case "bridge_call":
      return { type: "bridge_call", at, otherCallId: command.callId };
    case "hangup":
      return { type: "hangup", at, reason: command.reason };
    case "audio_stream.start":
      if (!grant) throw new Error("audio_stream.start needs a stream grant");
      return {
        type: "audio_stream",
        at,
        action: "start",
        url: grant.url,
        metadata: grant.metadata,
        sampleRate: grant.sampleRate,
        heartBeatSec: grant.heartBeatSec,
      };
    case "audio_stream.stop":
      return { type: "audio_stream", at, action: "stop" };
  }
}

/** The conversation sent a command: what the notices need to remember of it. */
export function noteCommandSent(meta: ConversationMeta, command: ConversationCommand): void {
  if (command.type === "say" || command.type === "play") {
    meta.sentence = { id: command.id, application: command.type === "say" ? "speak" : "playback", startedAt: null, breakSent: false, stopped: null };
  } else if (command.type === "break" && meta.sentence !== null) {
    meta.sentence.breakSent = true;
  } else if (command.type === "audio_stream.start") {
    meta.media = { generation: meta.media.generation + 1, connected: false, lost: false, restarted: false };
  }
}

/** The call refused a command the conversation sent: a sentence it refused is not pending any more. */
export function noteCommandRefused(meta: ConversationMeta, id: string): void {
  if (meta.sentence?.id === id) meta.sentence = null;
}

/** A media notice for the current stream generation, once each (the switch's and our own view can both report a loss). */
export function mediaNotice(meta: ConversationMeta, generation: number, notice: MediaEvent): MediaEvent | null {
  if (generation !== meta.media.generation) return null;
  if (notice.type === "media.connected") {
    if (meta.media.connected || meta.media.lost) return null;
    meta.media.connected = true;
    return notice;
  }
  if (meta.media.lost) return null;
  meta.media.lost = true;
  return notice;
}

/** The loose shape of an event the call took (a channel event as `{ ...event, type: kind }`, or feedback). */
type CallEvent = { type: string; [key: string]: unknown };

const PLAYBACK_FAILED = new Set(["FILE NOT FOUND", "PLAYBACK ERROR"]);

/** Samples played (playback_last_offset_pos, at the channel's rate) → ms. */
function playedMsOf(variables: Record<string, string> | undefined): number | null {
  const offset = Number(variables?.playback_last_offset_pos);
  if (!Number.isFinite(offset) || offset < 0 || variables?.playback_last_offset_pos === undefined) return null;
  const rate = Number(variables?.write_rate ?? variables?.read_rate ?? 8000);
  return (offset / (rate > 0 ? rate : 8000)) * 1000;
}

/**
 * The conversation's notice of an event its call just took, or null. Updates
 * `meta` (what is playing, the stream generation) as it goes.
 */
export function noticeOf(event: CallEvent, meta: ConversationMeta): CallNoticeEvent | MediaEvent | null {
  const receivedAt = typeof event.receivedAt === "number" ? event.receivedAt : performance.now();
  const sentence = meta.sentence;
  switch (event.type) {
    case "channel.answer":
      return { type: "call.answered", receivedAt };

    case "channel.execute": {
      if (sentence === null || event.applicationUuid !== sentence.id) return null;
      if (sentence.application === "playback") return null; // PLAYBACK_START says when the file plays
      sentence.startedAt = receivedAt;
      return { type: "call.playback_started", id: sentence.id, receivedAt };
    }

    case "playback.start": {
      if (sentence === null || sentence.application !== "playback" || sentence.startedAt !== null) return null;
      sentence.startedAt = receivedAt;
      return { type: "call.playback_started", id: sentence.id, receivedAt };
    }

    case "playback.stop": {
      if (sentence === null || sentence.application !== "playback") return null;
      const status = event.status === "break" ? "break" : "done";
      sentence.stopped = { status, playedMs: playedMsOf(event.variables as Record<string, string> | undefined) };
      return null;
    }

    case "channel.execute_complete": {
      if (sentence === null || event.applicationUuid !== sentence.id) return null;
      meta.sentence = null;
      const response = String(event.applicationResponse ?? "");
      if (sentence.application === "playback" && sentence.stopped === null && PLAYBACK_FAILED.has(response)) {
        return { type: "call.command_refused", id: sentence.id, reason: `play: ${response}`, receivedAt };
      }
      if (sentence.application === "playback") {
        const stopped = sentence.stopped ?? { status: sentence.breakSent ? ("break" as const) : ("done" as const), playedMs: null };
        const playbackMs = stopped.status === "break" ? (stopped.playedMs ?? elapsed(sentence, receivedAt)) : stopped.playedMs;
        return { type: "call.playback_stopped", id: sentence.id, status: stopped.status, playbackMs, receivedAt };
      }
      // speak: no playback variables; a sentence we broke off was heard for as long as it ran.
      return sentence.breakSent
        ? { type: "call.playback_stopped", id: sentence.id, status: "break", playbackMs: elapsed(sentence, receivedAt), receivedAt }
        : { type: "call.playback_stopped", id: sentence.id, status: "done", playbackMs: null, receivedAt };
    }

    case "channel.dtmf":
      return { type: "call.dtmf", digit: String(event.digit), receivedAt };

    case "channel.hangup":
    case "channel.hangup_complete":
      return { type: "call.ended", cause: String(event.hangupCause ?? "NORMAL_CLEARING"), receivedAt };

    case "channel.custom": {
      const mapped = mapAudioStreamEvent(String(event.subclass), String(event.body ?? ""));
      if (mapped === null) return null;
      const notice: MediaEvent =
        mapped.type === "media.connected"
          ? { type: "media.connected", receivedAt }
          : { type: "media.lost", reason: describeLoss(mapped.reason), receivedAt };
      return mediaNotice(meta, meta.media.generation, notice);
    }

    case "command.failed": {
      // The switch would not run what the call sent: a sentence that never starts, or a stream that never comes.
      const command = String(event.command);
      const error = String(event.error ?? "failed");
      if ((command === "speak" || command === "playback") && sentence !== null && sentence.startedAt === null) {
        meta.sentence = null;
        return { type: "call.command_refused", id: sentence.id, reason: `${command}: ${error}`, receivedAt };
      }
      // (After a restart the failure may be the stop's: the token's expiry reports a start that never came.)
      if (command === "audio_stream" && !meta.media.connected && !meta.media.restarted) {
        return mediaNotice(meta, meta.media.generation, { type: "media.lost", reason: `uuid_audio_stream: ${error}`, receivedAt });
      }
      return null;
    }

    default:
      return null;
  }
}

function elapsed(sentence: SentenceOnCall, now: number): number | null {
  return sentence.startedAt === null ? null : Math.max(0, now - sentence.startedAt);
}

function describeLoss(reason: { kind: "disconnected"; code: number; reason: string } | { kind: "error"; code: number; codeName: string; error: string }): string {
  return reason.kind === "disconnected"
    ? `mod_audio_stream disconnected (${reason.code}${reason.reason ? ` ${reason.reason}` : ""})`
    : `mod_audio_stream error ${reason.code} ${reason.codeName}${reason.error ? `: ${reason.error}` : ""}`;
}

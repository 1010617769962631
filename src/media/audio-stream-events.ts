/**
 * mod_audio_stream's CUSTOM events, as the switch reports the stream, mapped to
 * typed events for the call's conversation. Pure: the ESL decoder hands over the
 * subclass and the body; what comes back is data (or null: not ours, or not
 * readable).
 *
 * Bodies (mod_audio_stream ec2a781 mod_audio_stream.h / audio_streamer_glue.cpp,
 * checked in ../shared/esl-traces/freeswitch-1.10.12/mod_audio_stream_esl.transcript.txt):
 *   ::connect     {"status":"connected"}
 *   ::disconnect  {"status":"disconnected","message":{"code":1000,"reason":"server bye"}}
 *                 — only when the *server* sent CLOSE; `stop` and hangup fire nothing
 *   ::error       {"status":"error","message":{"code":6,"error":"WebSocket upgrade failed"}}
 *                 — libwsc ErrorCode; the media bug is closed after it
 * Either loss means the recogniser hears nothing more: "speech input lost".
 */
import { z } from "zod";
import { childLog, type Logger } from "../log.ts";

const defaultLog = childLog({ mod: "media.events" });

export const AUDIO_STREAM_SUBCLASS = {
  connect: "mod_audio_stream::connect",
  disconnect: "mod_audio_stream::disconnect",
  error: "mod_audio_stream::error",
  json: "mod_audio_stream::json",
  play: "mod_audio_stream::play",
} as const;

/**
 * The subclasses to subscribe to. In an `event` command every word after
 * CUSTOM is read as a subclass (capture note), so other event names go before
 * CUSTOM or in a second `event` command.
 */
export const AUDIO_STREAM_SUBCLASSES: readonly string[] = [AUDIO_STREAM_SUBCLASS.connect, AUDIO_STREAM_SUBCLASS.disconnect, AUDIO_STREAM_SUBCLASS.error];
export const AUDIO_STREAM_EVENT_SUBSCRIPTION = `CUSTOM ${AUDIO_STREAM_SUBCLASSES.join(" ")}`;

/** libwsc 09d18e5 WebSocketClient.h `enum class ErrorCode` (IO = 1, then in order). */
export const LIBWSC_ERROR_CODES: Readonly<Record<number, string>> = {
  1: "IO",
  2: "INVALID_HEADER",
  3: "SERVER_MASKED",
  4: "NOT_SUPPORTED",
  5: "PING_TIMEOUT",
  6: "CONNECT_FAILED",
  7: "TLS_INIT_FAILED",
  8: "SSL_HANDSHAKE_FAILED",
  9: "SSL_ERROR",
  10: "TIMEOUT",
  11: "PROTOCOL",
};

export type MediaLossReason =
  /** The server (we, or whoever answered) sent CLOSE; the switch's stream stays attached until `stop`. */
  | { kind: "disconnected"; code: number; reason: string }
  /** The connection failed or broke (refused, upgrade refused, timeout, EOF without CLOSE). */
  | { kind: "error"; code: number; codeName: string; error: string };

export type AudioStreamSwitchEvent = { type: "media.connected" } | { type: "media.lost"; reason: MediaLossReason };

const Connected = z.object({ status: z.literal("connected") });
const Disconnected = z.object({
  status: z.literal("disconnected"),
  message: z.object({ code: z.number().catch(0), reason: z.string().catch("") }).catch({ code: 0, reason: "" }),
});
const Errored = z.object({
  status: z.literal("error"),
  message: z.object({ code: z.number().catch(0), error: z.string().catch("") }).catch({ code: 0, error: "" }),
});

/** `mod_audio_stream%3A%3Aconnect` (a plain event's header, not yet decoded) → `mod_audio_stream::connect`. */
function normaliseSubclass(subclass: string): string {
  return subclass.includes("%") ? subclass.replace(/%3A/gi, ":") : subclass;
}

/**
 * A CUSTOM event's subclass and body → a typed media event, or null for other
 * subclasses (::json and ::play included) and for a body that is not what the
 * module sends (logged to `log`, the module's logger by default).
 */
export function mapAudioStreamEvent(
  subclass: string,
  body: string | undefined,
  log: Pick<Logger, "warn"> = defaultLog,
): AudioStreamSwitchEvent | null {
  const name = normaliseSubclass(subclass);
  const schema =
    name === AUDIO_STREAM_SUBCLASS.connect
      ? Connected
      : name === AUDIO_STREAM_SUBCLASS.disconnect
        ? Disconnected
        : name === AUDIO_STREAM_SUBCLASS.error
          ? Errored
          : null;
  if (!schema) return null;

  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    log.warn({ subclass: name, bodyLength: body?.length ?? 0 }, "media: mod_audio_stream event body is not JSON; ignored");
    return null;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    log.warn({ subclass: name, issues: parsed.error.issues.length }, "media: mod_audio_stream event body not as the module sends it; ignored");
    return null;
  }
  const value = parsed.data;
  if (value.status === "connected") return { type: "media.connected" };
  if (value.status === "disconnected") {
    return { type: "media.lost", reason: { kind: "disconnected", code: value.message.code, reason: value.message.reason } };
  }
  const code = value.message.code;
  return {
    type: "media.lost",
    reason: { kind: "error", code, codeName: LIBWSC_ERROR_CODES[code] ?? "UNKNOWN", error: value.message.error },
  };
}

/**
 * POST /v1/audio/speech: the body SpeechCreateParams describes
 * (node_modules/openai/src/resources/audio/speech.ts — model, voice, input of
 * at most 4096 characters, response_format, speed 0.25–4), answered with the
 * audio bytes in a chunked body. The package asks with
 * `Accept: application/octet-stream` and hands back the fetch Response
 * (`__binaryResponse`), so the client reads `.body` as it arrives. The first
 * bytes come after the first-byte latency, the rest faster than real time.
 */
import { z } from "zod";
import { badRequest, httpFault, unparseableJson } from "./errors.ts";
import { randomId } from "./ids.ts";
import type { RuleBook } from "./script.ts";
import { sleep, streamCancellation } from "./stream-pacing.ts";
import { BYTES_PER_MS, renderSpeech, wavHeader } from "./waveform.ts";

export interface SpeechTiming {
  firstByteMs: number;
  /** Length of the voice: ms per character at speed 1. */
  msPerChar: number;
  /** How much faster than real time the audio is sent after the first byte. */
  realtimeFactor: number;
  /** Bytes per body chunk (4800 = 100 ms of audio). */
  chunkBytes: number;
}

export type SpeechFault =
  | { kind: "http_error"; status: number; message?: string; type?: string; code?: string }
  /** The connection is reset after this many bytes of audio. */
  | { kind: "drop_body"; afterBytes: number }
  | { kind: "slow"; firstByteMs: number };

export interface SpeechRule {
  /** The text to speak matches (a string: case-insensitive substring); none = every request. */
  input?: RegExp | string;
  fault: SpeechFault;
  times?: number;
}

export interface SpeechExchange {
  at: number;
  model: string;
  voice: string;
  input: string;
  format: string;
  bytes: number;
  fault: SpeechFault | null;
}

export interface SpeechEndpointDeps {
  timing: SpeechTiming;
  rules: RuleBook<SpeechRule, string>;
  record: (exchange: SpeechExchange) => void;
  /** Aborts when the server stops. */
  stopped: AbortSignal;
}

const speechSchema = z
  .object({
    model: z.string().min(1),
    input: z.string().min(1).max(4096),
    voice: z.union([z.string().min(1), z.object({ id: z.string().min(1) })]),
    instructions: z.string().max(4096).optional(),
    response_format: z.enum(["mp3", "opus", "aac", "flac", "wav", "pcm"]).optional(),
    speed: z.number().min(0.25).max(4).optional(),
    stream_format: z.enum(["audio", "sse"]).optional(),
  })
  .loose();

const CONTENT_TYPE: Record<string, string> = { pcm: "audio/pcm", wav: "audio/wav" };

export async function handleSpeech(req: Request, deps: SpeechEndpointDeps): Promise<Response> {
  let raw: unknown;
  try {
    raw = JSON.parse(await req.text());
  } catch {
    return unparseableJson();
  }
  const parsed = speechSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.join(".");
    return issue.code === "invalid_type" && issue.message.includes("undefined")
      ? badRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter")
      : badRequest(`Invalid value for '${param}': ${issue.message}.`, param, "invalid_value");
  }
  const body = parsed.data;
  const format = body.response_format ?? "mp3";
  if (!CONTENT_TYPE[format]) {
    // mp3 is the API's default; the simulator renders only the uncompressed formats a switch plays directly.
    return badRequest(`The simulator renders response_format 'pcm' or 'wav', not '${format}'.`, "response_format", "invalid_value");
  }
  if (body.stream_format === "sse") {
    return badRequest("The simulator streams raw audio only (stream_format 'audio').", "stream_format", "invalid_value");
  }
  if ((body.model === "tts-1" || body.model === "tts-1-hd") && body.instructions) {
    return badRequest("instructions are not supported by tts-1 and tts-1-hd.", "instructions", "invalid_value");
  }
  const voice = typeof body.voice === "string" ? body.voice : body.voice.id;
  const rule = deps.rules.take(body.input);
  const fault = rule?.fault ?? null;
  const pcm = renderSpeech(body.input, voice, deps.timing.msPerChar, body.speed ?? 1);
  const audio = format === "wav" ? concat(wavHeader(pcm.length), pcm) : pcm;
  deps.record({ at: performance.now(), model: body.model, voice, input: body.input, format, bytes: audio.length, fault });
  if (fault?.kind === "http_error") return httpFault(fault.status, fault.message, fault.type, fault.code);

  const firstByteMs = fault?.kind === "slow" ? fault.firstByteMs : deps.timing.firstByteMs;
  const dropAt = fault?.kind === "drop_body" ? fault.afterBytes : -1;
  return new Response(audioBody(audio, firstByteMs, dropAt, deps, req.signal), {
    headers: { "content-type": CONTENT_TYPE[format]!, "x-request-id": `req_${randomId(24)}` },
  });
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function audioBody(audio: Uint8Array, firstByteMs: number, dropAt: number, deps: SpeechEndpointDeps, clientGone: AbortSignal): ReadableStream<Uint8Array> {
  const { chunkBytes, realtimeFactor } = deps.timing;
  const gone = streamCancellation(clientGone, deps.stopped);
  const wait = (ms: number) => sleep(ms, gone.signal);
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const t0 = performance.now();
      try {
        await wait(firstByteMs);
        for (let at = 0; at < audio.length; at += chunkBytes) {
          if (gone.signal.aborted) return;
          if (dropAt >= 0 && at + chunkBytes > dropAt) {
            if (dropAt > at) controller.enqueue(audio.slice(at, dropAt));
            // Bytes already sent go out first; then the body errors and Bun resets the connection (quietly, without a reason).
            await wait(25);
            controller.error();
            return;
          }
          controller.enqueue(audio.slice(at, Math.min(audio.length, at + chunkBytes)));
          // Paced against the audio's own length: chunk k is due at firstByte + k·(chunk ms)/factor.
          const due = t0 + firstByteMs + ((at + chunkBytes) / BYTES_PER_MS) / realtimeFactor;
          await wait(due - performance.now());
        }
        controller.close();
      } catch {
        // The client went away mid-write.
      } finally {
        gone.release();
      }
    },
    cancel() {
      gone.stop();
    },
  });
}

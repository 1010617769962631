/**
 * The query string of `GET /v1/listen` (Deepgram live), read as the real
 * service reads it (developers.deepgram.com/reference/streaming). The SDK
 * sends every option as a query parameter and every boolean as the string
 * "true"/"false" (@deepgram/sdk 5 CustomClient.mjs buildQueryParams →
 * core/url/qs.mjs toQueryString, which String()s each value).
 *
 * The simulator transcribes only what it can decode: raw linear16, one
 * channel. Anything else is refused before the upgrade with a 400, as the
 * real service refuses a bad option (an HTTP 4xx on the handshake).
 */

export interface ListenParams {
  model: string;
  language: string;
  encoding: "linear16";
  sampleRate: number;
  channels: number;
  interimResults: boolean;
  /** Silence (ms) before speech_final; null when `endpointing=false`. Deepgram's default is 10 ms. */
  endpointingMs: number | null;
  /** null when not asked for (or without interim_results, which UtteranceEnd needs). */
  utteranceEndMs: number | null;
  vadEvents: boolean;
  /** `punctuate` or `smart_format`: transcripts carry punctuated_word and capitals. */
  punctuate: boolean;
}

export type ListenParamsResult = { ok: true; params: ListenParams } | { ok: false; message: string };

/** Deepgram's documented default when `endpointing` is absent (docs/endpointing). */
const DEFAULT_ENDPOINTING_MS = 10;

export function parseListenParams(query: URLSearchParams): ListenParamsResult {
  const bool = (name: string, fallback: boolean): boolean | string => {
    const v = query.get(name);
    if (v === null) return fallback;
    if (v === "true") return true;
    if (v === "false") return false;
    return `${name} must be true or false, not ${JSON.stringify(v)}`;
  };
  const int = (name: string, min: number, max: number): number | null | string => {
    const v = query.get(name);
    if (v === null) return null;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) return `${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(v)}`;
    return Number(v);
  };

  const encoding = query.get("encoding");
  if (encoding !== "linear16") {
    return { ok: false, message: `encoding ${JSON.stringify(encoding)}: the simulator decodes raw linear16 only` };
  }
  // Raw audio needs its rate (developers.deepgram.com/docs/encoding).
  const sampleRate = int("sample_rate", 8000, 48000);
  if (sampleRate === null) return { ok: false, message: "sample_rate is required with encoding=linear16" };
  if (typeof sampleRate === "string") return { ok: false, message: sampleRate };
  if (sampleRate % 50 !== 0) return { ok: false, message: "sample_rate must hold whole 20 ms frames" };
  const channels = int("channels", 1, 1) ?? 1;
  if (typeof channels === "string") return { ok: false, message: `${channels} (the simulator transcribes mono audio)` };

  const interimResults = bool("interim_results", false);
  const vadEvents = bool("vad_events", false);
  const punctuate = bool("punctuate", false);
  const smartFormat = bool("smart_format", false);
  for (const v of [interimResults, vadEvents, punctuate, smartFormat]) if (typeof v === "string") return { ok: false, message: v };

  let endpointingMs: number | null = DEFAULT_ENDPOINTING_MS;
  const endpointing = query.get("endpointing");
  if (endpointing === "false") endpointingMs = null;
  else if (endpointing !== null && endpointing !== "true") {
    const ms = int("endpointing", 0, 60_000);
    if (typeof ms === "string") return { ok: false, message: ms };
    endpointingMs = ms;
  }

  const utteranceEnd = int("utterance_end_ms", 0, 60_000);
  if (typeof utteranceEnd === "string") return { ok: false, message: utteranceEnd };

  return {
    ok: true,
    params: {
      model: query.get("model") ?? "nova-3",
      language: query.get("language") ?? "en",
      encoding: "linear16",
      sampleRate,
      channels,
      interimResults: interimResults as boolean,
      endpointingMs,
      // UtteranceEnd "needs interim results" (developers.deepgram.com/docs/utterance-end).
      utteranceEndMs: interimResults === true ? utteranceEnd : null,
      vadEvents: vadEvents as boolean,
      punctuate: punctuate === true || smartFormat === true,
    },
  };
}

/**
 * The speech services a conversation talks through: speech-to-text (Deepgram),
 * the language model and post-call analysis (OpenAI) and TTS (FreeSWITCH speak
 * or OpenAI TTS). The real services when configured; otherwise the simulated
 * Deepgram and OpenAI on loopback ports with keys made at start. Owns the
 * choice and the start/stop of the simulators, not their use.
 */
import { randomBytes } from "node:crypto";
import type { LanguageModel, SpeechSynthesis, SpeechToText, VoiceSpec } from "../../machines/ports/index.ts";
import { OpenAIChat } from "../ai/index.ts";
import { OpenAIAnalysis, type AnalysisModel } from "../ai/analysis/index.ts";
import type { Config } from "../config.ts";
import { SimulatedDeepgram } from "../sim/deepgram/index.ts";
import { SimulatedOpenAI } from "../sim/openai/index.ts";
import { DeepgramSpeechToText } from "../speech/stt/index.ts";
import { OpenAITts, SpeechByEngine, SwitchSpeak } from "../speech/tts/index.ts";
import type { StartOptions } from "./switchboard.ts";

export interface SpeechServices {
  stt: SpeechToText;
  llm: LanguageModel;
  tts: SpeechSynthesis;
  openaiTts: OpenAITts | null;
  /** The post-call analysis's model pass, on the same OpenAI endpoint as the conversations. */
  analysis: AnalysisModel;
  deepgram?: SimulatedDeepgram;
  openai?: SimulatedOpenAI;
  /** Where each service is, for the start banner (never a key). */
  describe: { stt: string; llm: string };
  stop(): Promise<void>;
}

/** A key for an embedded simulator: made at start, known only to this process. */
const simKey = (prefix: string) => `${prefix}${randomBytes(18).toString("base64url")}`;

/** Speech-to-text, the language model and TTS: the real services when configured, else simulators on loopback. */
export async function startSpeechServices(config: Config, options: StartOptions): Promise<SpeechServices> {
  let deepgram: SimulatedDeepgram | undefined;
  let openai: SimulatedOpenAI | undefined;
  try {
    let stt: DeepgramSpeechToText;
    let sttWhere: string;
    if (config.stt.embedded) {
      const key = simKey("dg-sim-");
      deepgram = new SimulatedDeepgram({ ...options.deepgram, apiKey: key });
      const { url } = await deepgram.start();
      stt = new DeepgramSpeechToText({ apiKey: key, baseUrl: url });
      sttWhere = `simulated Deepgram (embedded, transcribes the simulated callers' audio) at ${url}`;
    } else {
      stt = new DeepgramSpeechToText({ apiKey: config.stt.apiKey!, ...(config.stt.url ? { baseUrl: config.stt.url } : {}) });
      sttWhere = `Deepgram live at ${config.stt.url ?? "wss://api.deepgram.com"}`;
    }

    let apiKey: string;
    let baseURL: string | undefined;
    let llmWhere: string;
    if (config.llm.embedded) {
      openai = new SimulatedOpenAI({ ...options.openai, apiKey: simKey("sk-sim-") });
      await openai.start();
      apiKey = openai.apiKey;
      baseURL = openai.baseURL;
      llmWhere = `offline simulator (rule-based, not a model) at ${baseURL}`;
    } else {
      apiKey = config.llm.apiKey!;
      baseURL = config.llm.baseUrl;
      llmWhere = `OpenAI ${config.llm.model} at ${baseURL ?? "https://api.openai.com/v1"}`;
    }
    const llm = new OpenAIChat({ apiKey, ...(baseURL ? { baseURL } : {}) });
    const openaiTts = new OpenAITts({ apiKey, ...(baseURL ? { baseURL } : {}), cacheDir: config.speech.cacheDir, defaultModel: config.speech.openaiModel });
    const speak = new SwitchSpeak();
    const tts = new SpeechByEngine({ flite: speak, [config.tts.engine]: speak, openai: openaiTts });
    return {
      stt,
      llm,
      tts,
      openaiTts,
      analysis: new OpenAIAnalysis({ apiKey, ...(baseURL ? { baseURL } : {}), model: config.analysis.model }),
      deepgram,
      openai,
      describe: { stt: sttWhere, llm: llmWhere },
      stop: async () => {
        await deepgram?.stop();
        await openai?.stop();
      },
    };
  } catch (err) {
    await deepgram?.stop().catch(() => {});
    await openai?.stop().catch(() => {});
    throw err;
  }
}

/** The voice conversations speak with unless they name their own. */
export function defaultVoice(config: Config): VoiceSpec {
  return config.speech.engine === "openai"
    ? { engine: "openai", voice: config.speech.openaiVoice, model: config.speech.openaiModel }
    : { engine: config.speech.engine, voice: config.speech.voice };
}

/**
 * The post-call analysis over OpenAI chat completions: one non-streamed
 * request with structured outputs (`response_format: json_schema`, strict),
 * whose `choices[0].message.content` is the JSON (node_modules/openai
 * resources/chat/completions: ResponseFormatJSONSchema, ChatCompletion). The
 * same code talks to api.openai.com and to the simulated server, which
 * answers these requests from the call's transcript and tool results.
 *
 * Throws AnalysisFailure, saying why and whether another try may help;
 * retries and timeouts are the caller's (runtime/post-call.ts), so the
 * package's own retries are off.
 */
import OpenAI from "openai";
import type { StoredAnalysis } from "../../db/schema.ts";
import { toOpenAIMessage } from "../openai-messages.ts";
import { analysisMessages, type AnalysisSource } from "./prompt.ts";
import { ANALYSIS_JSON_SCHEMA, ANALYSIS_SCHEMA_NAME, InvalidAnalysisError, parseAnalysis } from "./schema.ts";

/** The port the post-call analyser uses: one model pass over an ended conversation. */
export interface AnalysisModel {
  analyse(source: AnalysisSource, signal?: AbortSignal): Promise<StoredAnalysis>;
}

export class AnalysisFailure extends Error {
  override name = "AnalysisFailure";
  constructor(
    message: string,
    /** A network error, a timeout, a 429 or 5xx: another try may succeed. A refusal or an invalid reply: it would not. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface OpenAIAnalysisOptions {
  apiKey: string;
  baseURL?: string;
  /** The model (ANALYSIS_MODEL, default LLM_MODEL). */
  model: string;
  /** A prepared client (tests); apiKey / baseURL are then ignored. */
  client?: OpenAI;
}

export class OpenAIAnalysis implements AnalysisModel {
  private readonly client: OpenAI;
  readonly model: string;

  constructor(options: OpenAIAnalysisOptions) {
    this.model = options.model;
    this.client = options.client ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  }

  async analyse(source: AnalysisSource, signal?: AbortSignal): Promise<StoredAnalysis> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: analysisMessages(source).map(toOpenAIMessage),
          // No temperature: reasoning models refuse any but their default, and the schema already pins the shape.
          response_format: { type: "json_schema", json_schema: { name: ANALYSIS_SCHEMA_NAME, strict: true, schema: ANALYSIS_JSON_SCHEMA } },
        },
        { ...(signal ? { signal } : {}), maxRetries: 0 },
      );
    } catch (err) {
      throw failureOf(err);
    }
    const choice = completion.choices?.[0];
    if (!choice) throw new AnalysisFailure("the reply has no choices", false);
    if (choice.message.refusal) throw new AnalysisFailure(`the model refused: ${choice.message.refusal.slice(0, 200)}`, false);
    // Cut off by max tokens or a content filter: whatever JSON there is, is not all of it.
    if (choice.finish_reason !== "stop") throw new AnalysisFailure(`the reply ended with finish_reason ${choice.finish_reason}`, choice.finish_reason === "length");
    try {
      return parseAnalysis(choice.message.content, completion.model || this.model);
    } catch (err) {
      if (err instanceof InvalidAnalysisError) throw new AnalysisFailure(err.message, false);
      throw err;
    }
  }
}

function failureOf(err: unknown): AnalysisFailure {
  if (err instanceof OpenAI.APIUserAbortError) return new AnalysisFailure("aborted", true);
  if (err instanceof OpenAI.APIConnectionError) return new AnalysisFailure(`the model could not be reached: ${err.message}`, true);
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 0;
    // OpenAI's 401 text quotes part of the key: the stored error (shown by the API) names the status only.
    if (status === 401 || status === 403) return new AnalysisFailure(`the model's API refused the key (${status})`, false);
    return new AnalysisFailure(`the model answered ${status || "an error"}: ${err.message}`, status === 429 || status >= 500 || status === 0);
  }
  return new AnalysisFailure(err instanceof Error ? err.message || err.name : String(err), true);
}

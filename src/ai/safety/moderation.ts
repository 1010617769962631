/**
 * The moderation port and its OpenAI adapter: `POST /v1/moderations`
 * (omni-moderation-latest by default) through the openai package's
 * `client.moderations.create`. One sentence per request, with its own short
 * timeout: a reply waits for its check, so a slow check is a silent bot.
 */
import OpenAI from "openai";

export interface ModerationVerdict {
  flagged: boolean;
  /** The categories that were flagged ("violence", "self-harm/instructions"). */
  categories: string[];
}

export interface Moderator {
  /** Throws when the service fails or the timeout passes. */
  check(text: string, signal?: AbortSignal): Promise<ModerationVerdict>;
}

export interface OpenAIModerationOptions {
  apiKey: string;
  baseURL?: string;
  /** OPENAI_MODERATION_MODEL. */
  model: string;
  /** Per check, ms. Default 1500. */
  timeoutMs?: number;
  /** A prepared client (tests). */
  client?: OpenAI;
}

export class OpenAIModeration implements Moderator {
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAIModerationOptions) {
    // No retries: a retried check is a longer silence; the caller's policy decides what a failure means.
    this.client = options.client ?? new OpenAI({ apiKey: options.apiKey, ...(options.baseURL ? { baseURL: options.baseURL } : {}), maxRetries: 0 });
  }

  async check(text: string, signal?: AbortSignal): Promise<ModerationVerdict> {
    const response = await this.client.moderations.create(
      { model: this.options.model, input: text },
      { timeout: this.options.timeoutMs ?? 1500, maxRetries: 0, ...(signal ? { signal } : {}) },
    );
    const result = response.results[0];
    if (!result) throw new Error("moderation answered with no result");
    const categories = Object.entries(result.categories as unknown as Record<string, boolean | null>)
      .filter(([, on]) => on === true)
      .map(([name]) => name);
    return { flagged: result.flagged, categories };
  }
}

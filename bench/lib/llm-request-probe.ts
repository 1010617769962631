/**
 * Each model request the runtime makes: when the conversation handed it to
 * the OpenAI adapter, keyed by its first chunk's receivedAt — the same stamp
 * the turn's llmFirstToken mark holds — so a turn's runtime share is exact:
 * (final transcript → request made) + (first sentence → TTS command), with
 * the request's time out at the model left out. Caught by wrapping
 * OpenAIChat.prototype.stream; install before the runtime starts.
 */
import { OpenAIChat } from "../../src/ai/openai-chat.ts";

/** By the first chunk's receivedAt: when that request was made (performance.now()). */
export type LlmRequestTimes = Map<number, number>;

export function installLlmRequestProbe(): LlmRequestTimes {
  const calls: LlmRequestTimes = new Map();
  const stream0 = OpenAIChat.prototype.stream;
  OpenAIChat.prototype.stream = function (this: OpenAIChat, request) {
    const calledAt = performance.now();
    const inner = stream0.call(this, request);
    return (async function* () {
      let first = true;
      for await (const chunk of inner) {
        if (first && "receivedAt" in chunk) {
          calls.set(chunk.receivedAt as number, calledAt);
          first = false;
        }
        yield chunk;
      }
    })();
  };
  return calls;
}

/**
 * The conversation machine's input from a ConversationSpec: one place for what
 * a spec leaves unsaid (the runtime's model, voice and settings), so a call's
 * conversation and the text bench's session (which must run the receptionist
 * exactly as a call would) cannot drift apart.
 */
import type { ConversationInput, ConversationSettingsInput } from "../../machines/conversation.ts";
import type { ToolSpec, VoiceSpec } from "../../machines/ports/index.ts";
import type { ConversationSpec } from "./conversation-api.ts";

export interface ConversationInputDefaults {
  /** LLM_MODEL. */
  model: string;
  /** TTS_ENGINE / TTS_VOICE, or OpenAI TTS's voice and model. */
  voice: VoiceSpec;
  settings?: ConversationSettingsInput;
}

export interface ConversationInputOf {
  conversationId: string;
  /** The call it runs on (the text bench uses the session id). */
  callId: string;
  /** The call is answered already (the bot speaks first at once) or still ringing. */
  answered: boolean;
  defaults: ConversationInputDefaults;
  /** Tools when the spec brings none of its own. */
  defaultTools: ToolSpec[];
}

export function conversationInput(spec: ConversationSpec, of: ConversationInputOf): ConversationInput {
  const { defaults } = of;
  const settings = mergeSettings(defaults.settings, spec.settings);
  return {
    conversationId: of.conversationId,
    callId: of.callId,
    systemPrompt: spec.systemPrompt,
    ...(spec.firstMessage !== undefined ? { firstMessage: spec.firstMessage } : {}),
    voice: spec.voice ?? defaults.voice,
    model: spec.model ?? defaults.model,
    ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
    tools: spec.tools?.specs ?? of.defaultTools,
    ...(settings ? { settings } : {}),
    answered: of.answered,
    ...(spec.flow ? { flow: spec.flow } : {}),
  };
}

/** The spec's settings over the runtime's, the spoken phrases merged one by one. */
function mergeSettings(base: ConversationSettingsInput | undefined, over: ConversationSettingsInput | undefined): ConversationSettingsInput | undefined {
  if (!base) return over;
  if (!over) return base;
  return { ...base, ...over, phrases: { ...base.phrases, ...over.phrases } };
}

/**
 * POST /v1/moderations as OpenAI serves it, with a small rule-based
 * classifier standing in for omni-moderation: the request is `{input, model}`
 * (a string, an array of strings, or multi-modal parts of which the text ones
 * are read), the answer `{id: "modr-…", model, results: [{flagged,
 * categories, category_scores, category_applied_input_types}]}`, one result
 * per input, with every category of the omni model present in all three maps.
 *
 * The classifier flags plain threats, slurs-by-description, self-harm methods
 * and sexual content by word lists; ordinary receptionist talk ("your
 * appointment is Tuesday at 10 AM", "shoot me a message") scores near zero.
 * Rules (tests) can flag any text or inject faults ahead of it.
 */
import { z } from "zod";
import { badRequest, httpFault, unparseableJson } from "./errors.ts";
import { randomId } from "./ids.ts";
import type { RuleBook } from "./script.ts";

export const MODERATION_CATEGORIES = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** What flags a text, by category: phrases, not single ambiguous words ("shoot me an email" is fine). */
const LEXICON: Array<[ModerationCategory[], RegExp]> = [
  [["violence", "harassment/threatening"], /\b(i('| wi)ll|i am going to|i'm going to|gonna) (kill|hurt|shoot|stab|beat|strangle|murder) (you|him|her|them)\b/i],
  [["violence"], /\b(kill|murder|stab|strangle) (you|him|her|them|everyone|somebody|someone)\b|\bblow (it|them|the \w+) up\b/i],
  [["violence/graphic"], /\b(blood everywhere|guts|dismember\w*|decapitat\w*|gore)\b/i],
  [["harassment"], /\b(you('re| are) (an? )?(idiot|moron|stupid|worthless|pathetic|disgusting)|shut up,? (you|idiot)|nobody likes you)\b/i],
  [["hate"], /\b(all|those) (\w+ )?(people|immigrants|foreigners) (are|should) (animals|vermin|subhuman|be (deported|eliminated|exterminated))\b/i],
  [["self-harm", "self-harm/intent"], /\b(i want to|i'm going to|going to) (kill myself|end my life|hurt myself)\b|\bsuicid\w*/i],
  [["self-harm", "self-harm/instructions"], /\b(how to|best way to|ways to) (kill yourself|end your life|self-harm|cut yourself)\b/i],
  [["illicit"], /\b(buy|sell|make|cook) (meth|cocaine|heroin|fentanyl|counterfeit)\b|\bhow to (hack|steal|launder)\b/i],
  [["illicit", "illicit/violent"], /\b(make|build) (a )?(bomb|pipe bomb|explosive|gun)\b/i],
  [["sexual"], /\b(sexual(ly)? explicit|have sex|porn\w*|nude (photos|pictures))\b/i],
];

export interface ModerationScores {
  flagged: boolean;
  categories: Record<ModerationCategory, boolean>;
  category_scores: Record<ModerationCategory, number>;
}

export function classify(text: string, extra: readonly string[] = []): ModerationScores {
  const hit = new Set<string>(extra);
  for (const [cats, re] of LEXICON) if (re.test(text)) for (const c of cats) hit.add(c);
  const categories = {} as Record<ModerationCategory, boolean>;
  const category_scores = {} as Record<ModerationCategory, number>;
  for (const c of MODERATION_CATEGORIES) {
    categories[c] = hit.has(c);
    // Flagged categories score high, the rest a small non-zero number as the real model reports.
    category_scores[c] = hit.has(c) ? 0.93 : 0.000012;
  }
  return { flagged: hit.size > 0, categories, category_scores };
}

/** Scripted moderation: flag text the classifier would not, or fail. */
export interface ModerationRule {
  /** The input matches (a string: case-insensitive substring); absent: every input. */
  input?: string | RegExp;
  /** Flag these categories. */
  flag?: ModerationCategory[];
  fault?: { kind: "http_error"; status: number; message?: string } | { kind: "slow"; delayMs: number };
  times?: number;
}

export function moderationRuleMatches(rule: ModerationRule, text: string): boolean {
  if (rule.input === undefined) return true;
  return typeof rule.input === "string" ? text.toLowerCase().includes(rule.input.toLowerCase()) : rule.input.test(text);
}

export interface ModerationExchange {
  at: number;
  model: string;
  inputs: string[];
  flagged: boolean[];
}

export interface ModerationEndpointDeps {
  rules: RuleBook<ModerationRule, string>;
  record(exchange: ModerationExchange): void;
  stopped: AbortSignal;
}

const textPart = z.object({ type: z.literal("text"), text: z.string() }).loose();
const imagePart = z.object({ type: z.literal("image_url"), image_url: z.object({ url: z.string() }).loose() }).loose();
const moderationSchema = z
  .object({
    input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.union([textPart, imagePart])).min(1)]),
    model: z.string().min(1).optional(),
  })
  .loose();

export async function handleModeration(req: Request, deps: ModerationEndpointDeps): Promise<Response> {
  let raw: unknown;
  try {
    raw = JSON.parse(await req.text());
  } catch {
    return unparseableJson();
  }
  const parsed = moderationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return badRequest(`Invalid value for '${issue.path.join(".") || "input"}': ${issue.message}`, issue.path.join(".") || "input");
  }
  const body = parsed.data;
  const model = body.model ?? "omni-moderation-latest";
  // Multi-modal parts: one result for all of them, from the text parts (images are not looked at).
  const inputs =
    typeof body.input === "string"
      ? [body.input]
      : body.input.every((p) => typeof p === "string")
        ? (body.input as string[])
        : [(body.input as Array<{ type: string; text?: string }>).map((p) => p.text ?? "").join("\n")];
  const results = [];
  for (const text of inputs) {
    const rule = deps.rules.take(text);
    if (rule?.fault?.kind === "http_error") return httpFault(rule.fault.status, rule.fault.message);
    if (rule?.fault?.kind === "slow") await Bun.sleep(rule.fault.delayMs);
    if (deps.stopped.aborted) return httpFault(503);
    const scores = classify(text, rule?.flag ?? []);
    const applied = Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ["text"]]));
    results.push({ ...scores, category_applied_input_types: applied });
  }
  deps.record({ at: performance.now(), model, inputs, flagged: results.map((r) => r.flagged) });
  return new Response(JSON.stringify({ id: `modr-${randomId(24)}`, model, results }), { status: 200, headers: { "content-type": "application/json" } });
}

/**
 * Scenario files: who answers what, how fast, and what the far end does
 * (DTMF, speech, hanging up). Validated with zod so a bad file fails loudly
 * with a readable message. See README.md for the format.
 */

import { readFileSync } from "node:fs";
import { z } from "zod";
import { isHangupCause } from "./hangup-causes.ts";

const Ms = z.number().nonnegative();

const DtmfPress = z.object({
  /** ms after answer (callee) or after the socket app connected (caller). */
  atMs: Ms,
  digits: z.string().regex(/^[0-9*#A-Da-d]+$/, "DTMF digits are 0-9, *, #, A-D"),
  /** Gap between consecutive digits of this press. */
  intervalMs: Ms.optional(),
});

const Speech = z.object({
  atMs: Ms,
  durationMs: Ms,
  text: z.string().min(1),
});

const HangupCause = z.string().refine(isHangupCause, { message: "not a FreeSWITCH hangup cause" });

/**
 * One turn of a reactive far end (an inbound caller, or an answered callee):
 * when it starts, then what it does. Turns run in order; a turn is armed
 * when the one before it is over (its speech ended, its digits sent, its
 * silence passed) — the first one when the call is answered.
 *
 * When (at most one; none = afterBotMs of timing.callerReplyMs):
 * - afterBotMs: the bot stopped speaking and stayed silent this long;
 * - bargeInMs: this far into the bot's speech (the utterance playing when
 *   the turn is armed, else the next one), whether or not it is still playing;
 * - atMs: this long after answer (at once if the turn is armed later).
 * botSays (a case-insensitive regex) makes afterBotMs / bargeInMs wait for
 * bot speech whose text, joined since the turn was armed, matches it.
 *
 * What (exactly one):
 * - say: the words, lasting durationMs (default: text length × callerMsPerChar);
 *   hangupAfterMs hangs up that far into the sentence (mid-sentence);
 * - dtmf: digits, intervalMs apart (default timing.dtmfIntervalMs);
 * - silent: true — says nothing for durationMs (default: for the rest of the call);
 * - hangup: true or a hangup cause (default NORMAL_CLEARING).
 *
 * Offsets that count on the switch's clock (afterBotMs, bargeInMs, atMs,
 * intervalMs) are scaled by timeScale like every scripted delay; lengths of
 * the far end's own audio (durationMs, hangupAfterMs) are real time, because
 * the audio stream is.
 */
export const TurnSchema = z
  .object({
    afterBotMs: Ms.optional(),
    bargeInMs: Ms.optional(),
    atMs: Ms.optional(),
    botSays: z.string().min(1).optional(),
    say: z.string().min(1).optional(),
    durationMs: Ms.optional(),
    hangupAfterMs: Ms.optional(),
    dtmf: z.string().regex(/^[0-9*#A-Da-d]+$/, "DTMF digits are 0-9, *, #, A-D").optional(),
    intervalMs: Ms.optional(),
    silent: z.literal(true).optional(),
    hangup: z.union([z.literal(true), HangupCause]).optional(),
  })
  .strict()
  .superRefine((turn, ctx) => {
    const triggers = [turn.afterBotMs, turn.bargeInMs, turn.atMs].filter((x) => x !== undefined).length;
    if (triggers > 1) ctx.addIssue({ code: "custom", message: "a turn starts one way: afterBotMs, bargeInMs or atMs" });
    if (turn.botSays !== undefined && turn.atMs !== undefined) ctx.addIssue({ code: "custom", message: "botSays goes with afterBotMs or bargeInMs, not atMs" });
    const actions = [turn.say, turn.dtmf, turn.silent, turn.hangup].filter((x) => x !== undefined).length;
    if (actions !== 1) ctx.addIssue({ code: "custom", message: "a turn does one thing: say, dtmf, silent or hangup" });
    if (turn.durationMs !== undefined && turn.say === undefined && turn.silent === undefined) {
      ctx.addIssue({ code: "custom", message: "durationMs goes with say or silent" });
    }
    if (turn.hangupAfterMs !== undefined && turn.say === undefined) ctx.addIssue({ code: "custom", message: "hangupAfterMs goes with say" });
    if (turn.intervalMs !== undefined && turn.dtmf === undefined) ctx.addIssue({ code: "custom", message: "intervalMs goes with dtmf" });
  });

const Match = z.union([
  z.object({ prefix: z.string().min(1) }).strict(),
  z.object({ regex: z.string().min(1) }).strict(),
  z.object({ exact: z.string().min(1) }).strict(),
]);

export const CalleeBehaviourSchema = z
  .object({
    /**
     * answer: answers after ringMs. busy → USER_BUSY, reject → CALL_REJECTED,
     * unallocated → UNALLOCATED_NUMBER (each after ringMs), no_answer → NO_ANSWER
     * at originate_timeout, machine → answers; the amd app reports MACHINE,
     * fail → failCause after ringMs.
     */
    outcome: z.enum(["answer", "busy", "no_answer", "reject", "unallocated", "machine", "fail"]).default("answer"),
    ringMs: Ms.optional(),
    /** Early media (183, CHANNEL_PROGRESS_MEDIA) this many ms after the call starts. */
    earlyMediaMs: Ms.optional(),
    failCause: HangupCause.optional(),
    /** The callee hangs up this many ms after answer. */
    hangupAfterMs: Ms.optional(),
    hangupCause: HangupCause.default("NORMAL_CLEARING"),
    dtmf: z.array(DtmfPress).default([]),
    speech: z.array(Speech).default([]),
    /** What the amd app reports; defaults to MACHINE for outcome machine, HUMAN otherwise. */
    amdResult: z.enum(["HUMAN", "MACHINE", "NOTSURE"]).optional(),
    /** A reactive conversation once answered (see TurnSchema). */
    turns: z.array(TurnSchema).default([]),
  })
  .strict();

export const CallerBehaviourSchema = z
  .object({
    /** The caller hangs up this many ms after the socket app connected. */
    hangupAfterMs: Ms.optional(),
    hangupCause: HangupCause.default("NORMAL_CLEARING"),
    /** DTMF at ms offsets after the call is answered. */
    dtmf: z.array(DtmfPress).default([]),
    /** Speech at ms offsets after the call is answered. */
    speech: z.array(Speech).default([]),
    /** A reactive conversation once answered (see TurnSchema). */
    turns: z.array(TurnSchema).default([]),
  })
  .strict();

/**
 * A SIP gateway of the simulated switch (mod_sofia, profile "external").
 * down: sofia_outgoing_channel refuses calls through it with GATEWAY_DOWN.
 */
export const GatewaySchema = z
  .object({
    status: z.enum(["up", "down"]).default("up"),
  })
  .strict();

/** parse_gateways accepts names matching ^[\w\.\-\_]+$ and ignores the rest. */
const GatewayName = z.string().regex(/^[\w.-]+$/, "a gateway name (letters, digits, _ . -)");

const CalleeRule = CalleeBehaviourSchema.extend({ match: Match, name: z.string().optional() }).strict();
const CallerRule = CallerBehaviourSchema.extend({ match: Match, name: z.string().optional() }).strict();

export const TimingSchema = z
  .object({
    /** Ringing time before answer (or before a busy/reject answer) when a rule gives none. */
    ringMs: Ms.default(1000),
    /** Length of one played file. */
    playbackMs: Ms.default(1000),
    /** speak and tts:// prompts: this many ms per character of text. */
    speakMsPerChar: Ms.default(50),
    /** Upper bound on the NO_ANSWER wait, whatever originate_timeout says. */
    noAnswerCapMs: Ms.default(60000),
    /** How long the amd app listens before it reports. */
    amdMs: Ms.default(800),
    /** DTMF-Duration in samples (8 kHz). */
    dtmfDurationSamples: z.number().int().positive().default(2000),
    /** Gap between the digits of one scripted press. */
    dtmfIntervalMs: Ms.default(150),
    /** Default inter-digit timeout of play_and_get_digits when its arguments give none. */
    digitTimeoutMs: Ms.default(3000),
    /** A far end's `say` with no durationMs lasts this many ms per character (real time: it is audio). */
    callerMsPerChar: Ms.default(60),
    /** A turn with no afterBotMs / bargeInMs / atMs starts this long after the bot stops speaking. */
    callerReplyMs: Ms.default(600),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    name: z.string().optional(),
    timing: TimingSchema.default(TimingSchema.parse({})),
    callees: z.array(CalleeRule).default([]),
    defaultCallee: CalleeBehaviourSchema.default(CalleeBehaviourSchema.parse({})),
    callers: z.array(CallerRule).default([]),
    defaultCaller: CallerBehaviourSchema.default(CallerBehaviourSchema.parse({})),
    /**
     * Files that exist on the simulated switch: absolute paths, or sounds
     * relative to sound_prefix ("ivr/ivr-welcome.wav"). Default none, as on a
     * source build without sound packages: playing anything else is FILE NOT FOUND.
     */
    files: z.array(z.string().min(1)).default([]),
    /** The loaded modules; default the shipped freeswitch-conf/autoload_configs/modules.conf.xml. */
    modules: z.array(z.string().regex(/^mod_\w+$/, "a module name such as mod_flite")).optional(),
    /**
     * The SIP gateways (sofia/gateway/<name>/…) and whether each is up.
     * Left out: every gateway name exists and is up. Given: only these exist;
     * dialling another is INVALID_GATEWAY, as on a switch without it.
     */
    gateways: z.record(GatewayName, GatewaySchema).optional(),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
/** What a scenario file may leave out (defaults fill it in). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type CalleeBehaviour = z.infer<typeof CalleeBehaviourSchema>;
export type CallerBehaviour = z.infer<typeof CallerBehaviourSchema>;
export type CallerBehaviourInput = z.input<typeof CallerBehaviourSchema>;
export type SpeechSegment = z.infer<typeof Speech>;
export type DtmfPressSpec = z.infer<typeof DtmfPress>;
export type Timing = z.infer<typeof TimingSchema>;
export type TurnSpec = z.infer<typeof TurnSchema>;
export type GatewayStatus = z.infer<typeof GatewaySchema>["status"];
type MatchSpec = z.infer<typeof Match>;

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** Validate a scenario object; throws ScenarioError with one line per problem. */
export function parseScenario(input: unknown, source = "scenario"): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (!result.success) {
    throw new ScenarioError(`invalid ${source}:\n${z.prettifyError(result.error)}`);
  }
  const scripts = [...result.data.callees, ...result.data.callers, result.data.defaultCallee, result.data.defaultCaller];
  for (const script of scripts) {
    for (const turn of script.turns) {
      if (turn.botSays === undefined) continue;
      try {
        new RegExp(turn.botSays, "i");
      } catch (err) {
        throw new ScenarioError(`invalid ${source}: bad botSays regex ${JSON.stringify(turn.botSays)}: ${(err as Error).message}`);
      }
    }
  }
  for (const rule of [...result.data.callees, ...result.data.callers]) {
    if ("regex" in rule.match) {
      try {
        new RegExp(rule.match.regex);
      } catch (err) {
        throw new ScenarioError(`invalid ${source}: bad regex ${JSON.stringify(rule.match.regex)}: ${(err as Error).message}`);
      }
    }
  }
  return result.data;
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`scenario ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseScenario(json, `scenario ${path}`);
}

const regexCache = new Map<string, RegExp>();

function matches(match: MatchSpec, number: string): boolean {
  if ("exact" in match) return number === match.exact;
  // Prefix rules ignore a leading '+' so "486" matches "+4865550100" too.
  const bare = number.startsWith("+") ? number.slice(1) : number;
  if ("prefix" in match) return bare.startsWith(match.prefix) || number.startsWith(match.prefix);
  let re = regexCache.get(match.regex);
  if (!re) {
    re = new RegExp(match.regex);
    regexCache.set(match.regex, re);
  }
  return re.test(number);
}

/** The first callee rule matching the dialled number, else defaultCallee. */
export function calleeFor(scenario: Scenario, destination: string): CalleeBehaviour {
  for (const rule of scenario.callees) if (matches(rule.match, destination)) return rule;
  return scenario.defaultCallee;
}

/** The first caller rule matching the called number, else defaultCaller. */
export function callerFor(scenario: Scenario, destination: string): CallerBehaviour {
  for (const rule of scenario.callers) if (matches(rule.match, destination)) return rule;
  return scenario.defaultCaller;
}

/**
 * The built-in scenario (numbers may carry a leading '+'):
 *   486…  busy (USER_BUSY, q850 17) after 300 ms
 *   408…  never answers: NO_ANSWER when originate_timeout expires
 *   603…  rejects (CALL_REJECTED, q850 21) after 300 ms
 *   404…  unallocated (UNALLOCATED_NUMBER, q850 1) after 200 ms
 *   999…  answering machine: answers after 1.5 s, greeting speech, amd → MACHINE
 *   183…  early media after 300 ms, answers after 2 s
 *   410…  answers after 1 s and hangs up 5 s later (NORMAL_CLEARING from the far end)
 *   321…  answers after 500 ms, says a sentence, presses 1 at 2.5 s
 *   anything else: answers after 1 s, a human (amd → HUMAN)
 */
export const defaultScenario: Scenario = parseScenario(
  {
    name: "built-in default",
    callees: [
      { name: "busy", match: { prefix: "486" }, outcome: "busy", ringMs: 300 },
      { name: "no answer", match: { prefix: "408" }, outcome: "no_answer" },
      { name: "reject", match: { prefix: "603" }, outcome: "reject", ringMs: 300 },
      { name: "unallocated", match: { prefix: "404" }, outcome: "unallocated", ringMs: 200 },
      {
        name: "answering machine",
        match: { prefix: "999" },
        outcome: "machine",
        ringMs: 1500,
        speech: [{ atMs: 200, durationMs: 4000, text: "Hi, you have reached the voicemail of Alex. Please leave a message after the tone." }],
      },
      { name: "early media", match: { prefix: "183" }, outcome: "answer", earlyMediaMs: 300, ringMs: 2000 },
      { name: "far end hangs up", match: { prefix: "410" }, outcome: "answer", ringMs: 1000, hangupAfterMs: 5000 },
      {
        name: "talks and presses 1",
        match: { prefix: "321" },
        outcome: "answer",
        ringMs: 500,
        speech: [{ atMs: 300, durationMs: 1500, text: "Hello, who is this?" }],
        dtmf: [{ atMs: 2500, digits: "1" }],
      },
    ],
    defaultCallee: { outcome: "answer" },
    defaultCaller: {},
  },
  "built-in default scenario",
);

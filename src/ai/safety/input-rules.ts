/**
 * What a caller's words are checked for before the model is asked:
 *  - attempts to read out or override the bot's instructions ("ignore your
 *    instructions", "what is your system prompt", "repeat everything above",
 *    "you are now…", "developer mode", "reveal your configuration and any
 *    secret keys");
 *  - the conversation's blocked topics ("medication dosage", "legal advice",
 *    "other patients' information").
 * The patterns are narrow on purpose: a caller who says "forget the Tuesday
 * appointment" or "can you repeat the time" is not probing, and a false
 * refusal costs a real caller a turn. Pure functions.
 */

export interface ProbeMatch {
  /** Which rule matched: override, extraction, repeat_above, role_play, secrets. */
  rule: string;
}

const PROBES: Array<[string, RegExp]> = [
  [
    "override",
    /\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,40}\b(instructions?|prompts?|programming|guidelines|directives|system messages?|restrictions|what you (were|have been) told|everything (above|before|you were told))\b/i,
  ],
  ["extraction", /\b(system|initial|original|hidden|secret|developer|pre-?)\s*(prompt|message|instructions?)\b/i],
  ["extraction", /\byour (instructions|prompt|directives|programming|configuration|setup instructions)\b/i],
  ["extraction", /\bwhat (were|have) you (been )?(told|instructed|programmed|prompted) to\b|\bhow (were|are) you (programmed|prompted|configured)\b/i],
  [
    "repeat_above",
    /\b(repeat|print|recite|dump|reveal|output|display|copy|paste|spell out|read( out| back)?)\b[^.?!]{0,40}\b(text|words|everything|messages?|lines|content|instructions)\b[^.?!]{0,20}\b(above|before this|preceding|so far|verbatim|word for word)\b/i,
  ],
  ["role_play", /\b(you are|you're) now (a|an|my|in|free|unrestricted|dan|no longer)\b|\bfrom now on,? (you|you'll|you are|you're|you will)\b/i],
  ["role_play", /\b(pretend|imagine) (that )?(you'?re|you are|to be)\b|\b(roleplay|role-play) as\b|\bact as (if you were|an? (ai|assistant|bot|chatbot|different|unrestricted|evil|hacker))\b/i],
  ["role_play", /\bdeveloper mode\b|\bjailbreak|\bDAN mode\b|\bdo anything now\b|\bprompt injection\b|\bnew instructions?\s*:/i],
  ["secrets", /\b(reveal|show|tell|give|read|share|send|list|what( is|'s| are))\b[^.?!]{0,40}\b(api keys?|secret keys?|secrets|credentials|access tokens?|your config(uration)?)\b/i],
];

/** The first probe rule the caller's words match, or null. */
export function promptProbe(text: string): ProbeMatch | null {
  for (const [rule, re] of PROBES) if (re.test(text)) return { rule };
  return null;
}

/** Words too general to decide a topic on their own ("medical diagnosis" is decided by "diagnosis"). */
const GENERIC = new Set(
  "medical health general other others advice information info question questions personal details data topic topics matters issues about any the and for your our patient patients customer customers caller callers people client clients".split(
    " ",
  ),
);

/** How callers say a topic's key word, beyond the word itself. */
const SAID_AS: Record<string, RegExp> = {
  diagnosis: /\b(diagnos\w*|what(?:'s| is) wrong with (me|him|her|my)|is (it|this|that) (cancer|serious|infected|contagious))\b/i,
  dosage: /\b(dosage|doses?|milligrams?|mg|how (much|many) (of it |of them )?(should|can|do) (i|he|she|we|they) (take|give))\b/i,
  // Not a bare "sue", "god" or "president": callers are named Sue, say "oh my god", ask for the company's president.
  legal: /\b(legal|lawyer|attorney|sue (you|them|him|her|the|my|your|for)|suing|lawsuit|liable|liability)\b/i,
  politics: /\b(politics|political|elections?|vote|voting|democrats?|republicans?|congress|senators?)\b/i,
  competitors: /\b(competitors?|competition|cheaper than)\b/i,
  religion: /\b(religion|religious|church)\b/i,
};

/** Topics made only of general words, decided by a phrase: someone else's details. */
const OTHERS_TOPIC = /\bother (patients|customers|callers|people|clients)\b/i;
const OTHERS_SAID =
  /\b(other|another|previous|next) (patient|customer|caller|person|client)'?s?\b|\bsomeone else'?s\b|\bwho (had|has) the (appointment|slot) (before|after)\b|\b(is|was|has|did|does) (my )?(neighbou?r|friend|coworker|colleague|boss|ex|wife|husband)\b[^.?!]{0,30}\b(coming in|come in|been in|booked|scheduled|an appointment)\b/i;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * How a topic is recognised in speech: by its head word, the last specific
 * one ("medication dosage" → dosage, "legal advice" → legal), so a caller
 * asking for a medication refill is not taken for one asking for a dose.
 */
function topicMatcher(topic: string): RegExp | null {
  const words = (topic.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length >= 3 && !GENERIC.has(w));
  const head = words.at(-1);
  if (head === undefined) return OTHERS_TOPIC.test(topic) ? OTHERS_SAID : null;
  return SAID_AS[head] ?? new RegExp(`\\b${escape(head.replace(/(es|s)$/, ""))}(s|es)?\\b`, "i");
}

/** The blocked topic the caller's words touch, or null. */
export function blockedTopic(text: string, topics: readonly string[]): string | null {
  for (const topic of topics) if (topicMatcher(topic)?.test(text)) return topic;
  return null;
}

/**
 * What the responder reads from the system prompt, the way a model reads a
 * receptionist's prompt: the business profile, the FAQ, the emergency
 * instruction, the blocked topics, the transfer targets and the time zone.
 * Only plain, readable lines count (a real model understands the same text):
 *
 *   Business name: Riverside Family Dental
 *   Timezone: America/New_York                 (or "Time zone:", or any IANA zone named in the prompt)
 *   Opening hours: Monday to Friday 8 am to 5 pm
 *   Address: 240 Riverside Drive, Springfield
 *   Services: cleaning, check-up, filling
 *   Q: Do you take insurance?                  (FAQ pairs; "- Q:" and "**Q:**" too)
 *   A: We accept most PPO plans.
 *   Emergency instruction: If this is a life-threatening emergency, hang up and dial 911.
 *   Blocked topics: medical diagnosis, legal advice
 *   Transfer targets: sales (new systems and quotes), support (repairs), front_desk
 *
 * Any other `Key: value` line is a fact the caller may ask about (knowledge.ts),
 * unless its key names instructions. Pure and cached by prompt text.
 */
import { factsOf, type Fact, plainLine } from "./knowledge.ts";

export interface TransferTarget {
  name: string;
  description: string;
}

export interface PromptProfile {
  businessName: string | null;
  timeZone: string | null;
  services: string[];
  /** Key: value facts and FAQ pairs (instructions left out). */
  facts: Fact[];
  emergencyInstruction: string | null;
  blockedTopics: string[];
  transferTargets: TransferTarget[];
}

function valueOf(lines: string[], key: RegExp): string | null {
  for (const raw of lines) {
    const line = plainLine(raw);
    const m = line.match(new RegExp(`^(?:${key.source})\\s*:\\s*(.+)$`, "i"));
    if (m) return m[1]!.trim();
  }
  return null;
}

function unquote(s: string): string {
  return s.trim().replace(/^["“'‘]+|["”'’]+$/g, "").trim();
}

/** "a, b and c" / "a; b" → ["a", "b", "c"]. */
export function listOf(value: string): string[] {
  return value
    .replace(/\.$/, "")
    .split(/\s*(?:[,;]|\band\b|\bor\b)\s*/i)
    .map((s) => s.trim())
    .filter((s) => s.length > 1);
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function timeZoneOf(system: string, lines: string[]): string | null {
  const said = valueOf(lines, /time ?zone/);
  if (said) {
    const zone = said.match(/[A-Za-z_]+\/[A-Za-z_]+(?:\/[A-Za-z_]+)?|UTC|GMT/)?.[0];
    if (zone && validZone(zone)) return zone;
  }
  for (const m of system.matchAll(/\b(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)\/[A-Za-z_]+(?:\/[A-Za-z_]+)?/g)) {
    if (validZone(m[0])) return m[0];
  }
  return null;
}

function emergencyOf(system: string, lines: string[]): string | null {
  const said = valueOf(lines, /emergency instructions?|emergency|in an emergency|emergencies/);
  if (said && said.length > 10) return unquote(said);
  // A sentence that quotes what to say: In an emergency, tell the caller: "…"
  const quoted = system.match(/emergenc[^\n"“]*?(?:say|tell (?:them|the caller)|instruct (?:them|the caller))[^\n"“]*["“]([^"”]{10,})["”]/i);
  return quoted ? quoted[1]!.trim() : null;
}

function targetsOf(lines: string[]): TransferTarget[] {
  const said = valueOf(lines, /transfer targets?|departments?|transfer to/);
  if (!said) return [];
  const out: TransferTarget[] = [];
  // "sales (new systems and quotes), support (repairs, monitoring), front_desk"
  for (const m of said.matchAll(/([A-Za-z][\w-]*)\s*(?:\(([^)]*)\))?/g)) {
    if (/^(and|or)$/i.test(m[1]!)) continue;
    out.push({ name: m[1]!, description: m[2] ?? "" });
  }
  return out;
}

function businessNameOf(system: string, lines: string[]): string | null {
  const said = valueOf(lines, /business name|business|company|practice|clinic name/);
  if (said) return said.replace(/\.$/, "");
  const m = system.match(/\b(?:receptionist|assistant|answering service|front desk|agent)\s+(?:for|at|of)\s+((?:[A-Z][\w&'’.-]*[ ]?){1,5})/);
  return m ? m[1]!.trim().replace(/[.,]$/, "") : null;
}

const cache = new Map<string, PromptProfile>();

export function readPrompt(system: string): PromptProfile {
  const hit = cache.get(system);
  if (hit) return hit;
  const lines = system.split(/\r?\n/);
  const services = valueOf(lines, /services?(?: offered)?|treatments|we offer/);
  const blocked = valueOf(lines, /blocked topics?|off-limits topics?|do not discuss|don'?t discuss|never discuss|topics to avoid/);
  const profile: PromptProfile = {
    businessName: businessNameOf(system, lines),
    timeZone: timeZoneOf(system, lines),
    services: services ? listOf(services) : [],
    facts: factsOf(system),
    emergencyInstruction: emergencyOf(system, lines),
    blockedTopics: blocked ? listOf(blocked) : [],
    transferTargets: targetsOf(lines),
  };
  if (cache.size > 100) cache.clear();
  cache.set(system, profile);
  return profile;
}

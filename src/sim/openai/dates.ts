/**
 * Dates and times as callers say them, for the responder's argument
 * extractors: "tomorrow", "next Friday", "March 3rd", "the 14th", "3/14",
 * "2026-03-14"; "3pm", "3:30 p.m.", "15:00", "noon", "half past two",
 * "at 4". Dates come out as YYYY-MM-DD in the given time zone, times as HH:MM.
 * An hour said without am/pm from 1 to 7 is taken as afternoon (a receptionist
 * books office hours). Pure: `now` and the zone are arguments.
 */

export interface Clock {
  now: Date;
  /** IANA zone the caller's "today" is in. */
  timeZone: string;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const MONTH_RE = "(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\\.?";

const SMALL: Record<string, number> = {
  zero: 0, oh: 0, one: 1, a: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50,
};
const ORDINAL: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17,
  eighteenth: 18, nineteenth: 19, twentieth: 20, thirtieth: 30,
};
const ORDINAL_RE = "((?:twenty|thirty)[ -])?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)";

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function today(clock: Clock): Ymd & { weekday: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: clock.timeZone,
    year: "numeric",
    month: "numeric",
    day: "numeric",
    weekday: "long",
  }).formatToParts(clock.now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { y: Number(get("year")), m: Number(get("month")), d: Number(get("day")), weekday: WEEKDAYS.indexOf(get("weekday").toLowerCase()) };
}

function addDays(base: Ymd, days: number): Ymd {
  const t = new Date(Date.UTC(base.y, base.m - 1, base.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function valid(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function before(a: Ymd, b: Ymd): boolean {
  return a.y !== b.y ? a.y < b.y : a.m !== b.m ? a.m < b.m : a.d < b.d;
}

const pad = (n: number) => String(n).padStart(2, "0");
export const isoDate = (x: Ymd) => `${x.y}-${pad(x.m)}-${pad(x.d)}`;

function monthIndex(word: string): number {
  return MONTHS.indexOf(word.slice(0, 3)) + 1;
}

function wordNumber(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  const parts = s.split(/[ -]/);
  let n = 0;
  for (const p of parts) {
    const v = SMALL[p];
    if (v === undefined) return null;
    n += v;
  }
  return n;
}

function ordinalDay(tens: string | undefined, unit: string): number {
  return (tens ? (tens.startsWith("twenty") ? 20 : 30) : 0) + (ORDINAL[unit] ?? 0);
}

/** A calendar date without a year: this year, or next year once it has passed. */
function upcoming(now: Ymd, m: number, d: number, y?: number): Ymd | null {
  if (y !== undefined) return valid(y, m, d) ? { y, m, d } : null;
  if (!valid(now.y, m, d) && !valid(now.y + 1, m, d)) return null;
  const candidate = { y: now.y, m, d };
  return valid(now.y, m, d) && !before(candidate, now) ? candidate : { y: now.y + 1, m, d };
}

/** The first date the text names, as YYYY-MM-DD; null when it names none. */
export function extractDate(text: string, clock: Clock): string | null {
  // A recogniser may split a word: "to morrow".
  const s = text.toLowerCase().replace(/\bto morrow\b/g, "tomorrow");
  const now = today(clock);
  let m: RegExpMatchArray | null;

  if ((m = s.match(/\b(\d{4})-(\d{2})-(\d{2})\b/))) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return valid(y, mo, d) ? isoDate({ y, m: mo, d }) : null;
  }
  if (/\bday after tomorrow\b/.test(s)) return isoDate(addDays(now, 2));
  if (/\btomorrow\b/.test(s)) return isoDate(addDays(now, 1));
  if (/\b(today|tonight|this (morning|afternoon|evening))\b/.test(s)) return isoDate(now);
  if ((m = s.match(/\bin (\d+|a|one|two|three|four|five|six|seven|ten) (day|days|week|weeks)\b/))) {
    const n = wordNumber(m[1]!) ?? 1;
    return isoDate(addDays(now, m[2]!.startsWith("week") ? 7 * n : n));
  }
  if ((m = s.match(new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4}))?`)))) {
    const r = upcoming(now, monthIndex(m[1]!), Number(m[2]), m[3] ? Number(m[3]) : undefined);
    if (r) return isoDate(r);
  }
  if ((m = s.match(new RegExp(`\\b${MONTH_RE}\\s+(?:the\\s+)?${ORDINAL_RE}\\b`)))) {
    const r = upcoming(now, monthIndex(m[1]!), ordinalDay(m[2], m[3]!));
    if (r) return isoDate(r);
  }
  if ((m = s.match(new RegExp(`\\b(?:the\\s+)?(\\d{1,2})(?:st|nd|rd|th)?\\s+of\\s+${MONTH_RE}`)))) {
    const r = upcoming(now, monthIndex(m[2]!), Number(m[1]));
    if (r) return isoDate(r);
  }
  if ((m = s.match(new RegExp(`\\b(?:the\\s+)?${ORDINAL_RE}\\s+of\\s+${MONTH_RE}`)))) {
    const r = upcoming(now, monthIndex(m[3]!), ordinalDay(m[1], m[2]!));
    if (r) return isoDate(r);
  }
  if ((m = s.match(/\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?\b/))) {
    // US order, month first, as a North American caller says and Deepgram formats it.
    const y = m[3] ? (m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3])) : undefined;
    const r = upcoming(now, Number(m[1]), Number(m[2]), y);
    if (r) return isoDate(r);
  }
  // "Thursday the 19th": the day of the month decides.
  if ((m = s.match(new RegExp(`\\b(?:${WEEKDAYS.join("|")}),?\\s+the\\s+(?:(\\d{1,2})(?:st|nd|rd|th)?|${ORDINAL_RE})\\b`)))) {
    const r = dayOfMonth(now, m[1] ? Number(m[1]) : ordinalDay(m[2], m[3]!));
    if (r) return r;
  }
  if ((m = s.match(new RegExp(`\\b(?:(next|this|coming|on)\\s+)?(${WEEKDAYS.join("|")})\\b`)))) {
    const target = WEEKDAYS.indexOf(m[2]!);
    // The next such day after today: "Monday" said on a Monday means next week's.
    let ahead = (target - now.weekday + 7) % 7 || 7;
    if (m[1] === "this" && target === now.weekday) ahead = 0;
    // "Next Thursday" said on a Wednesday is next week's, not tomorrow: "next" skips a day still in
    // this week (weeks run Monday to Sunday); "next Tuesday" said on a Wednesday is already next week's.
    const mondayBased = (d: number) => (d + 6) % 7;
    if (m[1] === "next" && mondayBased(now.weekday) + ahead <= 6) ahead += 7;
    return isoDate(addDays(now, ahead));
  }
  // "Next week" alone names a week, not a day: the receptionist asks which day.
  // "the 14th", "the fourteenth" — not "the first one" (of the times offered).
  const notAChoice = "(?!\\s+(?:one|ones|option|slot|time|of (?:those|them|these)))";
  if ((m = s.match(new RegExp(`\\bthe (\\d{1,2})(?:st|nd|rd|th)\\b${notAChoice}`))) || (m = s.match(new RegExp(`\\bthe ${ORDINAL_RE}\\b${notAChoice}`)))) {
    const r = dayOfMonth(now, m.length > 2 ? ordinalDay(m[1], m[2]!) : Number(m[1]));
    if (r) return r;
  }
  return null;
}

/** A day of the month said alone: this month if still ahead, else next month. */
function dayOfMonth(now: Ymd, d: number): string | null {
  const thisMonth = { y: now.y, m: now.m, d };
  if (valid(now.y, now.m, d) && !before(thisMonth, now)) return isoDate(thisMonth);
  const next = addDays({ y: now.y, m: now.m, d: 1 }, 32);
  return valid(next.y, next.m, d) ? isoDate({ y: next.y, m: next.m, d }) : null;
}

const HOUR_WORD = "(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)";
const MINUTES_WORD = "(?:oh [a-z]+|fifteen|thirty|forty[ -]five|forty|fifty|twenty|ten|forty five)";

function clockTime(h: number, min: number, meridiem: string | undefined): string | null {
  if (min > 59) return null;
  if (meridiem) {
    if (h < 1 || h > 12) return null;
    const pm = meridiem.startsWith("p");
    h = (h % 12) + (pm ? 12 : 0);
  } else {
    if (h > 23) return null;
    if (h >= 1 && h <= 7) h += 12;
  }
  return `${pad(h)}:${pad(min)}`;
}

/** The first clock time the text names, as HH:MM; null when it names none (or only "morning"). */
export function extractTime(text: string): string | null {
  const s = text.toLowerCase().replace(/(\d)\.(\d{2})\b/g, "$1:$2");
  let m: RegExpMatchArray | null;
  const mer = "\\s*(a\\.?\\s?m\\.?|p\\.?\\s?m\\.?)";
  if ((m = s.match(new RegExp(`\\b(\\d{1,2})(?::(\\d{2}))?${mer}(?![a-z])`)))) {
    return clockTime(Number(m[1]), Number(m[2] ?? 0), m[3]!.replace(/[.\s]/g, ""));
  }
  const inPart = partOfDayTime(s);
  if (inPart) return inPart;
  if ((m = s.match(/\b([01]?\d|2[0-3]):([0-5]\d)\b/))) return clockTime(Number(m[1]), Number(m[2]), undefined);
  if ((m = s.match(/\b(\d{1,2})\s+o'?clock\b/))) return clockTime(Number(m[1]), 0, undefined);
  if (/\b(noon|midday)\b/.test(s)) return "12:00";
  if (/\bmidnight\b/.test(s)) return "00:00";
  if ((m = s.match(new RegExp(`\\b(half past|quarter past|quarter to)\\s+(\\d{1,2}|${HOUR_WORD})(?:${mer})?`)))) {
    const h = wordNumber(m[2]!)!;
    const meridiem = m[m.length - 1]?.replace(/[.\s]/g, "");
    if (m[1] === "quarter to") return clockTime(h === 1 ? 12 : h - 1, 45, meridiem);
    return clockTime(h, m[1] === "half past" ? 30 : 15, meridiem);
  }
  const minutesWord = `(o'?clock|${MINUTES_WORD})`;
  if ((m = s.match(new RegExp(`\\b${HOUR_WORD}(?:\\s+${minutesWord})?(?:${mer})`)))) {
    return clockTime(wordNumber(m[1]!)!, minuteWords(m[2]), m[3]!.replace(/[.\s]/g, ""));
  }
  if ((m = s.match(new RegExp(`\\b${HOUR_WORD}\\s+${minutesWord}\\b`)))) {
    return clockTime(wordNumber(m[1]!)!, minuteWords(m[2]), undefined);
  }
  // "like 8", "say ten-ish": an hour offered loosely, at the end of a phrase.
  if ((m = s.match(new RegExp(`\\b(?:like|say|maybe)\\s+(\\d{1,2}|${HOUR_WORD})(?:-?ish)?\\s*(?:$|[,.!?]|o'?clock|or\\b)`)))) {
    return clockTime(wordNumber(m[1]!)!, 0, undefined);
  }
  if ((m = s.match(new RegExp(`\\b(?:at|around|about|by)\\s+(\\d{1,2}|${HOUR_WORD})\\b(?![:/\\d])`)))) {
    return clockTime(wordNumber(m[1]!)!, 0, undefined);
  }
  return null;
}

/** "4 in the afternoon", "eight in the evening", "ten thirty in the morning", "9 tonight". */
function partOfDayTime(s: string): string | null {
  const hourNc = "(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)";
  const said = `(\\d{1,2}(?::\\d{2})?|${hourNc}(?:\\s+${MINUTES_WORD})?)(?:\\s+o'?clock)?`;
  const m = s.match(new RegExp(`\\b${said}\\s+(?:in the|this|tomorrow)\\s+(morning|afternoon|evening)\\b`)) ?? s.match(new RegExp(`\\b${said}\\s+(tonight|at night)\\b`));
  if (!m) return null;
  const [hourSaid, ...rest] = m[1]!.includes(":") ? m[1]!.split(":") : m[1]!.split(/\s+/);
  const h = wordNumber(hourSaid!);
  const minutes = rest.join(" ");
  const min = /^\d+$/.test(minutes) ? Number(minutes) : minuteWords(minutes || undefined);
  return h === null ? null : clockTime(h, min, m[2] === "morning" ? "am" : "pm");
}

function minuteWords(w: string | undefined): number {
  if (!w || /o'?clock/.test(w)) return 0;
  if (w.startsWith("oh ")) return SMALL[w.slice(3)] ?? 0;
  return wordNumber(w) ?? 0;
}

/** A date and/or time said in one clause, and whether it is the appointment the caller has (old) or wants (new). */
export interface Mention {
  date: string | null;
  time: string | null;
  role: "old" | "new" | null;
}

const HOLDS = /\b(?:i|we|he|she|they)\s*(?:have|has|had|'ve got|'ve|got)\s+(?:a|an|my|our|his|her|their)\s*$/;
const EXISTING = /\b(?:appointment|appt|booking|booked|scheduled|visit|cleaning|check-?up|session|consultation)\b/;

/**
 * The dates and times a caller says about an appointment, clause by clause, each
 * marked old or new: "I have an appointment on Friday but can we move it to Monday"
 * → Friday old, Monday new; "from Thursday to next Tuesday at 9" → old, new;
 * "my appointment tomorrow" / "Friday's appointment" / "booked for Wednesday" → old;
 * "to…", "…instead", "rather…" → new; anything else unmarked.
 */
export function appointmentMentions(text: string, clock: Clock): Mention[] {
  const out: Mention[] = [];
  const clauses = text
    .toLowerCase()
    .replace(/\bto morrow\b/g, "tomorrow")
    .split(/(?=\b(?:from|to|instead of|instead|rather|until|till|but)\b)|[,;?!]|\.(?!\d)/);
  for (const raw of clauses) {
    const clause = raw.trim();
    if (!clause) continue;
    const date = extractDate(clause, clock);
    const time = extractTime(clause);
    if (!date && !time) continue;
    let role: Mention["role"] = null;
    const lead = clause.match(/^(from|instead of|to|instead|rather|until|till)\b/)?.[1];
    const before = clause.slice(0, Math.max(0, clause.search(/\b(today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \d|the [a-z]+(st|nd|rd|th)\b|\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/)));
    // "my appointment on Friday", "Friday's appointment", "my Monday appointment": the one the caller has.
    // …and "I have a 2 o'clock on Friday", "we've got a 10:30": a time the caller already holds.
    if (EXISTING.test(before) || HOLDS.test(before) || (/\b(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}(?:st|nd|rd|th)?)(?:['’]s)?\s+(?:appointment|appt|cleaning|check-?up|visit|booking)\b/.test(clause) && !/\b(?:book|schedule|make|new)\b/.test(clause))) role = "old";
    else if (lead === "from" || lead === "instead of") role = "old";
    else if (lead || /\binstead\b|\brather\b/.test(clause)) role = "new";
    out.push({ date, time, role });
  }
  return out;
}

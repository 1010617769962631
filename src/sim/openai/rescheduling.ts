/**
 * Rescheduling's arguments: the date and time of the appointment the caller
 * has (old) and of the one they want (new), told apart clause by clause
 * (dates.ts appointmentMentions), by the question just asked, and by "same
 * time" / "same day".
 */
import { appointmentMentions } from "./dates.ts";
import type { Extractor } from "./extract.ts";

/** The date or time of the appointment the caller has (old) or wants (new), when rescheduling. */
export function rescheduled(which: "old" | "new", part: "date" | "time"): Extractor {
  return (ctx) => {
    const askedOld = /\b(current|existing|original|booked|now|currently|at the moment|is your appointment|was your appointment|have now)\b/i.test(ctx.question ?? "");
    for (const [i, text] of ctx.texts.entries()) {
      const mentions = appointmentMentions(text, ctx).filter((m) => m[part]);
      const marked = mentions.find((m) => m.role === which);
      if (marked) return marked[part];
      const unmarked = mentions.find((m) => m.role === null);
      if (!unmarked) continue;
      // An unmarked date answers the question just asked; said unprompted it is the new one.
      if (i === 0 && ctx.question && /\b(day|date|time|when)\b/i.test(ctx.question)) {
        if ((which === "old") === askedOld) return unmarked[part];
        continue;
      }
      if (which === "new") return unmarked[part];
    }
    // "Same time" / "same day": the new one is the old one.
    if (which === "new" && ctx.texts.some((t) => new RegExp(`\\bsame ${part === "date" ? "(day|date)" : "time"}\\b`, "i").test(t))) {
      return rescheduled("old", part)({ ...ctx, question: "" });
    }
    return undefined;
  };
}

/**
 * Local date + time in an IANA zone ↔ UTC instant, with Intl only: ordinary
 * days, the spring-forward gap (a time that never happens), the fall-back
 * hour (a time that happens twice), both hemispheres, a 30-minute DST shift,
 * and the calendar helpers the booking tools rely on.
 */
import { describe, expect, test } from "bun:test";
import {
  addDays,
  daysBetween,
  isCalendarDate,
  localDateTime,
  offsetMinutes,
  resolveLocal,
  spokenDate,
  spokenDateTime,
  spokenTime,
  startOfLocalDay,
  weekdayOf,
  zonedTimeToUtc,
} from "../../src/ai/tools/zoned-time.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("local time → UTC on ordinary days", () => {
  test("New York in winter is UTC−5, in summer UTC−4", () => {
    expect(iso(zonedTimeToUtc("2026-01-15", "09:30", "America/New_York"))).toBe("2026-01-15T14:30:00.000Z");
    expect(iso(zonedTimeToUtc("2026-07-15", "09:30", "America/New_York"))).toBe("2026-07-15T13:30:00.000Z");
  });

  test("a zone ahead of UTC moves the instant to the day before", () => {
    expect(iso(zonedTimeToUtc("2026-06-01", "08:00", "Asia/Tokyo"))).toBe("2026-05-31T23:00:00.000Z");
    expect(iso(zonedTimeToUtc("2026-06-01", "08:00", "Asia/Kolkata"))).toBe("2026-06-01T02:30:00.000Z");
  });

  test("UTC is itself", () => {
    expect(iso(zonedTimeToUtc("2026-03-08", "02:30", "UTC"))).toBe("2026-03-08T02:30:00.000Z");
  });

  test("the offset in minutes, either side of a change", () => {
    expect(offsetMinutes(new Date("2026-03-08T06:59:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(new Date("2026-03-08T07:00:00Z"), "America/New_York")).toBe(-240);
    expect(offsetMinutes(new Date("2026-07-01T00:00:00Z"), "Asia/Kathmandu")).toBe(345);
  });
});

describe("the spring-forward gap: a local time that never happens", () => {
  test("New York, 8 March 2026: 02:00–02:59 does not exist", () => {
    const r = resolveLocal("2026-03-08", "02:30", "America/New_York");
    expect(r.kind).toBe("gap");
    if (r.kind !== "gap") return;
    expect(r.before.toISOString()).toBe("2026-03-08T07:30:00.000Z"); // read with EST: 03:30 EDT
    expect(r.after.toISOString()).toBe("2026-03-08T06:30:00.000Z"); // read with EDT: 01:30 EST
    expect(zonedTimeToUtc("2026-03-08", "02:30", "America/New_York", "reject")).toBeNull();
    // As Temporal's "compatible": moved forward by the gap.
    expect(localDateTime(zonedTimeToUtc("2026-03-08", "02:30", "America/New_York")!, "America/New_York").time).toBe("03:30");
  });

  test("the minutes either side of the gap are exact", () => {
    expect(resolveLocal("2026-03-08", "01:59", "America/New_York")).toEqual({ kind: "exact", instant: new Date("2026-03-08T06:59:00Z") });
    expect(resolveLocal("2026-03-08", "03:00", "America/New_York")).toEqual({ kind: "exact", instant: new Date("2026-03-08T07:00:00Z") });
  });

  test("London, 29 March 2026: 01:00–01:59 does not exist", () => {
    expect(resolveLocal("2026-03-29", "01:30", "Europe/London").kind).toBe("gap");
    expect(iso(zonedTimeToUtc("2026-03-29", "02:00", "Europe/London"))).toBe("2026-03-29T01:00:00.000Z");
  });

  test("Sydney (southern hemisphere), 4 October 2026: 02:00–02:59 does not exist", () => {
    expect(resolveLocal("2026-10-04", "02:15", "Australia/Sydney").kind).toBe("gap");
    expect(iso(zonedTimeToUtc("2026-10-04", "03:00", "Australia/Sydney"))).toBe("2026-10-03T16:00:00.000Z");
  });

  test("Lord Howe Island shifts by 30 minutes: only 02:00–02:29 is skipped", () => {
    expect(resolveLocal("2026-10-04", "02:15", "Australia/Lord_Howe").kind).toBe("gap");
    expect(resolveLocal("2026-10-04", "02:30", "Australia/Lord_Howe").kind).toBe("exact");
  });
});

describe("the fall-back hour: a local time that happens twice", () => {
  test("New York, 1 November 2026: 01:30 is EDT then EST", () => {
    const r = resolveLocal("2026-11-01", "01:30", "America/New_York");
    expect(r).toEqual({ kind: "ambiguous", earlier: new Date("2026-11-01T05:30:00Z"), later: new Date("2026-11-01T06:30:00Z") });
    expect(iso(zonedTimeToUtc("2026-11-01", "01:30", "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(zonedTimeToUtc("2026-11-01", "01:30", "America/New_York", "later"))).toBe("2026-11-01T06:30:00.000Z");
    expect(zonedTimeToUtc("2026-11-01", "01:30", "America/New_York", "reject")).toBeNull();
  });

  test("Sydney, 5 April 2026: 02:30 happens twice", () => {
    const r = resolveLocal("2026-04-05", "02:30", "Australia/Sydney");
    expect(r.kind).toBe("ambiguous");
  });

  test("every quarter hour of both change days round-trips; the gap and the repeated hour are four quarter hours each", () => {
    for (const [date, zone, change] of [
      ["2026-03-08", "America/New_York", "gap"],
      ["2026-11-01", "America/New_York", "ambiguous"],
      ["2026-03-29", "Europe/Berlin", "gap"],
      ["2026-10-25", "Europe/Berlin", "ambiguous"],
    ] as const) {
      const seen = { exact: 0, gap: 0, ambiguous: 0 };
      for (let m = 0; m < 1440; m += 15) {
        const time = `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
        const r = resolveLocal(date, time, zone);
        seen[r.kind]++;
        if (r.kind === "exact") expect(localDateTime(r.instant, zone)).toMatchObject({ date, time });
        if (r.kind === "ambiguous") {
          expect(localDateTime(r.earlier, zone)).toMatchObject({ date, time });
          expect(localDateTime(r.later, zone)).toMatchObject({ date, time });
          expect(r.later.getTime() - r.earlier.getTime()).toBe(3_600_000);
        }
      }
      expect(seen[change]).toBe(4);
      expect(seen.exact).toBe(96 - 4);
    }
  });

  test("a day in New York has 23 hours in March and 25 in November", () => {
    const hours = (date: string) => (startOfLocalDay(addDays(date, 1), "America/New_York").getTime() - startOfLocalDay(date, "America/New_York").getTime()) / 3_600_000;
    expect(hours("2026-03-08")).toBe(23);
    expect(hours("2026-11-01")).toBe(25);
    expect(hours("2026-06-01")).toBe(24);
  });
});

describe("UTC → local", () => {
  test("late evening in New York is already tomorrow in UTC", () => {
    expect(localDateTime(new Date("2026-03-10T03:30:00Z"), "America/New_York")).toEqual({ date: "2026-03-09", time: "23:30", weekday: "monday" });
  });

  test("midnight is 00:00, never 24:00", () => {
    expect(localDateTime(new Date("2026-01-01T05:00:00Z"), "America/New_York").time).toBe("00:00");
  });
});

describe("calendar helpers", () => {
  test("isCalendarDate knows month lengths and leap years", () => {
    expect(isCalendarDate("2026-02-28")).toBe(true);
    expect(isCalendarDate("2026-02-29")).toBe(false);
    expect(isCalendarDate("2028-02-29")).toBe(true);
    expect(isCalendarDate("2026-04-31")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
    expect(isCalendarDate("26-01-01")).toBe(false);
  });

  test("addDays, daysBetween and weekdays across months and years", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(daysBetween("2026-03-01", "2026-05-01")).toBe(61);
    expect(weekdayOf("2026-03-08")).toBe("sunday");
    expect(weekdayOf("2026-03-09")).toBe("monday");
  });

  test("times and dates are said the way a receptionist says them", () => {
    expect(spokenTime("09:00")).toBe("9 AM");
    expect(spokenTime("09:30")).toBe("9:30 AM");
    expect(spokenTime("12:00")).toBe("12 PM");
    expect(spokenTime("00:15")).toBe("12:15 AM");
    expect(spokenTime("16:45")).toBe("4:45 PM");
    expect(spokenDate("2026-03-10")).toBe("Tuesday, March 10");
    expect(spokenDateTime("2026-03-10", "14:00")).toBe("Tuesday, March 10 at 2 PM");
  });
});

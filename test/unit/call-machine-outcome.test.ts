/** The pure outcome rule the call machine and the CDR writer share. */
import { describe, expect, test } from "bun:test";
import { callOutcome, liveStatusForState, type CancelledBy, type FinalCallStatus } from "../../machines/call-outcome.ts";

describe("callOutcome", () => {
  const cases: Array<[string | null, boolean, CancelledBy, FinalCallStatus]> = [
    ["NORMAL_CLEARING", true, null, "completed"],
    ["ALLOTTED_TIMEOUT", true, null, "completed"],
    ["ORIGINATOR_CANCEL", true, "api", "completed"],
    ["USER_BUSY", false, null, "busy"],
    ["BUSY_EVERYWHERE", false, null, "busy"],
    ["NO_ANSWER", false, null, "no-answer"],
    ["NO_USER_RESPONSE", false, null, "no-answer"],
    ["PROGRESS_TIMEOUT", false, null, "no-answer"],
    ["ALLOTTED_TIMEOUT", false, null, "no-answer"],
    ["ORIGINATOR_CANCEL", false, "api", "canceled"],
    [null, false, "api", "canceled"],
    ["ORIGINATOR_CANCEL", false, "caller", "canceled"],
    // A busy signal that raced our cancel: the far end spoke first.
    ["USER_BUSY", false, "api", "busy"],
    ["ORIGINATOR_CANCEL", false, null, "failed"],
    ["CALL_REJECTED", false, null, "failed"],
    ["UNALLOCATED_NUMBER", false, null, "failed"],
    ["NO_ROUTE_DESTINATION", false, null, "failed"],
    [null, false, null, "failed"],
  ];
  for (const [hangupCause, answered, cancelledBy, status] of cases) {
    test(`${hangupCause ?? "no cause"}, ${answered ? "answered" : "unanswered"}, cancelled by ${cancelledBy ?? "nobody"} → ${status}`, () => {
      expect(callOutcome({ hangupCause, answered, cancelledBy })).toBe(status);
    });
  }
});

describe("liveStatusForState", () => {
  test("maps each live state to Twilio's status", () => {
    expect(liveStatusForState("queued", "queued")).toBe("queued");
    expect(liveStatusForState("initiating", "queued")).toBe("initiated");
    expect(liveStatusForState("ringing", "initiated")).toBe("ringing");
    expect(liveStatusForState("early_media", "ringing")).toBe("ringing");
    expect(liveStatusForState("in_progress.collecting_digits", "ringing")).toBe("in-progress");
    // While the hangup is in flight the call shows what it was.
    expect(liveStatusForState("hanging_up", "initiated")).toBe("initiated");
    expect(liveStatusForState("ending", "in-progress")).toBe("in-progress");
    expect(liveStatusForState("ended", "in-progress")).toBeNull();
  });
});

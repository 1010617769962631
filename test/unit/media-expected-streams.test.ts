/**
 * Who may open a call's audio stream: single-use, expiring, per-call tokens.
 * Time is a variable here, so expiry is tested without waiting.
 */
import { describe, expect, test } from "bun:test";
import { ExpectedStreams } from "../../src/media/expected-streams.ts";
import { digestsEqual, issueStreamToken, tokenDigest } from "../../src/media/stream-token.ts";
import { parseStreamTarget, streamUrl } from "../../src/media/stream-url.ts";

function registry(tokenTtlMs = 1000, tombstoneMs = 5000) {
  let now = 0;
  const expected = new ExpectedStreams<string>({ tokenTtlMs, tombstoneMs, now: () => now });
  return { expected, advance: (ms: number) => (now += ms) };
}

describe("stream tokens", () => {
  test("fresh, URL- and argument-safe, compared by digest", () => {
    const a = issueStreamToken();
    const b = issueStreamToken();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(digestsEqual(tokenDigest(a), tokenDigest(a))).toBe(true);
    expect(digestsEqual(tokenDigest(a), tokenDigest(b))).toBe(false);
  });

  test("the URL carries call id and token; only stream paths parse", () => {
    const url = streamUrl("10.0.0.5", 8090, "8821dbcb-3c76-4aef-8fe2-942603780a5b", "tok_-en");
    expect(url).toBe("ws://10.0.0.5:8090/audio/8821dbcb-3c76-4aef-8fe2-942603780a5b?token=tok_-en");
    expect(parseStreamTarget(url.replace("ws:", "http:"))).toEqual({ callId: "8821dbcb-3c76-4aef-8fe2-942603780a5b", token: "tok_-en" });
    expect(parseStreamTarget("http://h/audio/abc")).toEqual({ callId: "abc", token: null });
    expect(parseStreamTarget("http://h/audio/abc?token=")).toEqual({ callId: "abc", token: null });
    expect(parseStreamTarget("http://h/stream/abc?token=x")).toBeNull();
    expect(parseStreamTarget("http://h/audio/a/b?token=x")).toBeNull();
    expect(parseStreamTarget("http://h/audio/?token=x")).toBeNull();
    expect(() => streamUrl("h", 1, "a b", "t")).toThrow();
  });
});

describe("ExpectedStreams", () => {
  test("the right token is admitted once, with the binding", () => {
    const { expected } = registry();
    const { token } = expected.expect("call-1", "binding-1");
    const first = expected.admit("call-1", token);
    expect(first.ok).toBe(true);
    if (first.ok) expect(first.expected.binding).toBe("binding-1");
    expect(expected.admit("call-1", token)).toEqual({ ok: false, reason: "reused_token" });
  });

  test("unknown call, missing token, wrong token", () => {
    const { expected } = registry();
    const { token } = expected.expect("call-1", "b");
    expect(expected.admit("call-2", token)).toEqual({ ok: false, reason: "unknown_call" });
    expect(expected.admit("call-1", null)).toEqual({ ok: false, reason: "missing_token" });
    expect(expected.admit("call-1", token + "x")).toEqual({ ok: false, reason: "wrong_token" });
    // A wrong attempt does not burn the right token.
    expect(expected.admit("call-1", token).ok).toBe(true);
  });

  test("a token past its time is refused as expired, at admission or after a sweep", () => {
    const { expected, advance } = registry(1000);
    const a = expected.expect("call-a", "A");
    const b = expected.expect("call-b", "B");
    advance(1000);
    const refused = expected.admit("call-a", a.token);
    expect(refused).toMatchObject({ ok: false, reason: "expired_token" });
    if (!refused.ok) expect(refused.expired?.binding).toBe("A");
    expect(expected.sweep().map((e) => e.binding)).toEqual(["B"]);
    expect(expected.admit("call-b", b.token)).toEqual({ ok: false, reason: "expired_token" });
  });

  test("a newer expect() replaces the pending token: the old one is stale", () => {
    const { expected } = registry();
    const old = expected.expect("call-1", "old");
    const fresh = expected.expect("call-1", "new");
    expect(expected.admit("call-1", old.token)).toEqual({ ok: false, reason: "stale_token" });
    const ok = expected.admit("call-1", fresh.token);
    expect(ok.ok && ok.expected.binding).toBe("new");
  });

  test("release forgets the call: later attempts are for an unknown call", () => {
    const { expected } = registry();
    const { token } = expected.expect("call-1", "b");
    expected.release("call-1");
    expect(expected.admit("call-1", token)).toEqual({ ok: false, reason: "unknown_call" });
  });

  test("spent entries are kept while a stream is live, then dropped after the tombstone time", () => {
    const { expected, advance } = registry(1000, 5000);
    const { token } = expected.expect("call-1", "b");
    expect(expected.admit("call-1", token).ok).toBe(true);
    expected.streamOpened("call-1");
    advance(60_000);
    expected.sweep();
    expect(expected.admit("call-1", token)).toEqual({ ok: false, reason: "reused_token" });
    expected.streamClosed("call-1");
    advance(4999);
    expected.sweep();
    expect(expected.size).toBe(1);
    advance(1);
    expected.sweep();
    expect(expected.size).toBe(0);
    expect(expected.admit("call-1", token)).toEqual({ ok: false, reason: "unknown_call" });
  });

  test("pendingBinding is the not-yet-used expectation's", () => {
    const { expected } = registry();
    const { token } = expected.expect("call-1", "b");
    expect(expected.pendingBinding("call-1")).toBe("b");
    expected.admit("call-1", token);
    expect(expected.pendingBinding("call-1")).toBeUndefined();
  });
});

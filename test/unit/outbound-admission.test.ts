/** The outbound socket's admission rules: allowed sources, per-source rate, buffer budget. */
import { describe, expect, test } from "bun:test";
import { BufferBudget, ConnectionRateLimiter, SourceAllowList } from "../../src/esl/outbound-admission.ts";

describe("SourceAllowList", () => {
  const list = new SourceAllowList(["10.0.0.5", "192.168.10.0/24", "fd00::/8"]);

  test("allows the listed addresses and blocks, whatever form the socket reports them in", () => {
    expect(list.allows("10.0.0.5")).toBe(true);
    expect(list.allows("::ffff:10.0.0.5")).toBe(true); // a dual-stack listener reports IPv4 peers like this
    expect(list.allows("192.168.10.77")).toBe(true);
    expect(list.allows("fd00::2")).toBe(true);
  });

  test("refuses everything else, loopback included, and what is not an address", () => {
    for (const a of ["10.0.0.6", "192.168.11.1", "127.0.0.1", "::1", "", undefined, "switch.example"]) expect(list.allows(a)).toBe(false);
  });
});

describe("ConnectionRateLimiter", () => {
  test("a source gets its burst, then ratePerSec a second; sources do not share a bucket", () => {
    const limiter = new ConnectionRateLimiter(5);
    const taken = Array.from({ length: 8 }, () => limiter.take("10.0.0.5", 0)).filter(Boolean).length;
    expect(taken).toBe(5);
    expect(limiter.take("10.0.0.6", 0)).toBe(true);
    expect(limiter.take("10.0.0.5", 100)).toBe(false); // half a token
    expect(limiter.take("10.0.0.5", 200)).toBe(true); // one token after 200 ms at 5/s
  });
});

describe("BufferBudget", () => {
  test("tracks what every session holds against one cap", () => {
    const budget = new BufferBudget(100);
    expect(budget.update(0, 60)).toBe(true);
    expect(budget.update(0, 30)).toBe(true);
    expect(budget.update(30, 50)).toBe(false); // 60 + 50 > 100
    budget.release(50);
    expect(budget.used).toBe(60);
    expect(budget.update(60, 0)).toBe(true);
    expect(budget.used).toBe(0);
  });
});

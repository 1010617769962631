/** The HTTP edge's pure checks: webhook targets, JSON depth, text PostgreSQL stores, unknown-field details. */
import { describe, expect, test } from "bun:test";
import { storableRow } from "../../src/db/storable.ts";
import { validationDetails } from "../../src/http/errors.ts";
import { jsonDepthExceeds } from "../../src/http/request-limits.ts";
import { callActionBody, createCallBody, scriptStep } from "../../src/http/schemas/calls.ts";
import { isStorableText } from "../../src/http/schemas/text.ts";
import { privateAddressReason, privateTargetReason, webhookUrl } from "../../src/http/schemas/webhook-url.ts";

describe("webhook targets", () => {
  const isPrivate = (url: string) => privateTargetReason(url) !== null;

  test("loopback, private, link-local and 'this host' targets in every spelling are private", () => {
    for (const url of [
      "http://localhost/",
      "http://LocalHost./",
      "http://a.b.localhost/",
      "http://127.0.0.1/",
      "http://127.255.255.254/",
      "http://127.1/",
      "http://2130706433/",
      "http://0x7f000001/",
      "http://0177.0.0.1/",
      "http://0.0.0.0/",
      "http://0/",
      "http://10.0.0.1/",
      "http://172.16.0.1/",
      "http://172.31.0.1/",
      "http://192.168.0.1/",
      "http://169.254.169.254/",
      "http://100.64.0.1/",
      "http://[::]/",
      "http://[::1]/",
      "http://[0:0:0:0:0:0:0:1]/",
      "http://[fc00::1]/",
      "http://[fdff:ffff::1]/",
      "http://[fe80::1]/",
      "http://[febf::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:192.168.1.1]/",
      "http://[::ffff:a9fe:a9fe]/",
      "http://[::127.0.0.1]/",
      "http://[64:ff9b::10.0.0.1]/",
    ]) {
      expect({ url, private: isPrivate(url) }).toEqual({ url, private: true });
    }
  });

  test("public addresses and names are not", () => {
    for (const url of [
      "https://example.com/cb",
      "https://localhost.example.com/",
      "http://8.8.8.8/",
      "http://172.15.0.1/",
      "http://172.32.0.1/",
      "http://192.169.0.1/",
      "http://100.128.0.1/",
      "http://[2001:db8::1]/",
      "http://[fec0::1]/",
      "http://[::ffff:8.8.8.8]/",
    ]) {
      expect({ url, private: isPrivate(url) }).toEqual({ url, private: false });
    }
  });

  test("an address that is not a literal IP is left to delivery", () => {
    expect(privateAddressReason("internal.example")).toBeNull();
    expect(privateAddressReason("1.2.3")).toBeNull();
    expect(privateAddressReason("1:2:3")).toBeNull();
  });

  test("the URL schema keeps the URL as sent and names the problem", () => {
    expect(webhookUrl.parse("https://example.com/a?b=c#d")).toBe("https://example.com/a?b=c#d");
    const bad = webhookUrl.safeParse("https://u:p@example.com/");
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual([expect.stringContaining("credentials")]);
    const newline = webhookUrl.safeParse("http://x/\n\napi uuid_kill all");
    expect(newline.error!.issues).toHaveLength(1);
  });
});

describe("JSON depth", () => {
  test("counts nesting, not brackets inside strings", () => {
    expect(jsonDepthExceeds('{"a":[[1]]}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[[[1]]]}', 3)).toBe(true);
    expect(jsonDepthExceeds(`{"a":"${"[".repeat(100)}"}`, 2)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"[[[[","b":1}`, 2)).toBe(false);
    expect(jsonDepthExceeds("[".repeat(50_000), 32)).toBe(true);
  });
});

describe("text PostgreSQL stores", () => {
  test("well-formed Unicode without NUL", () => {
    expect(isStorableText("Zoë 😀 $5")).toBe(true);
    expect(isStorableText("a\u0000")).toBe(false);
    expect(isStorableText("\ud800")).toBe(false);
    expect(isStorableText("\udc00\ud800")).toBe(false);
    expect(isStorableText("x\ud83d")).toBe(false);
  });

  test("storableRow replaces only what PostgreSQL refuses, in values and keys, and says so", () => {
    const at = new Date(0);
    const clean = { id: "x", n: 1, at, data: { a: ["😀"] } };
    expect(storableRow(clean)).toEqual({ value: clean, changed: false });
    const dirty = storableRow({ id: "x", at, data: { "k\u0000": ["a\ud800", 2] } });
    expect(dirty.changed).toBe(true);
    expect(dirty.value as unknown).toEqual({ id: "x", at, data: { "k\uFFFD": ["a\uFFFD", 2] } });
    expect(dirty.value.at).toBe(at);
  });
});

describe("unknown fields", () => {
  test("each unknown field is one detail, named with its path", () => {
    const result = createCallBody.safeParse({
      to: "+15551230000",
      from: "+15550001111",
      recrd: true,
      conversaton: {},
      actions: [{ type: "say", text: "hi", voise: "kal" }],
    });
    expect(result.success).toBe(false);
    const details = validationDetails(result.error!.issues);
    expect(details.map((d) => d.field).sort()).toEqual(["actions.0.voise", "conversaton", "recrd"]);
    expect(new Set(details.map((d) => d.message))).toEqual(new Set(["unknown field"]));
  });

  test("a flood of unknown fields is answered with a bounded list", () => {
    const body: Record<string, unknown> = { to: "+15551230000", from: "+15550001111" };
    for (let i = 0; i < 1000; i++) body[`f${i}`] = i;
    const details = validationDetails(createCallBody.safeParse(body).error!.issues);
    expect(details).toHaveLength(50);
  });
});

describe("one shape for an action", () => {
  test("the same action object is taken live and in a script, with the same defaults", () => {
    for (const action of [
      { type: "say", text: "Your order has shipped.", voice: "kal" },
      { type: "play", url: "ivr/ivr-welcome.wav", loop: 2 },
      { type: "gather", max_digits: 4, say: "Enter your PIN" },
      { type: "hangup", reason: "NORMAL_CLEARING" },
    ]) {
      const live = callActionBody.safeParse(action);
      const step = scriptStep.safeParse(action);
      expect(live.success).toBe(true);
      expect(step.success).toBe(true);
      expect(live.data).toEqual(step.data as never);
    }
    const call = createCallBody.parse({ to: "+15551230000", from: "+15550001111", first_action: { type: "gather", say: "Press 1" } });
    expect(call.first_action).toEqual(callActionBody.parse({ type: "gather", say: "Press 1" }) as never);
  });

  test("the old live shape {\"action\": …} is refused, naming type", () => {
    const result = callActionBody.safeParse({ action: "play", url: "ivr/ivr-welcome.wav" });
    expect(result.success).toBe(false);
    const details = validationDetails(result.error!.issues);
    expect(details.map((d) => d.field)).toEqual(["type"]);
    expect(details[0]!.message).toContain('"type"');
  });

  test("a misspelt field of a live action is named; live-only verbs are not script steps", () => {
    const typo = callActionBody.safeParse({ type: "send_dtmf", digits: "12", duraton: 100 });
    expect(validationDetails(typo.error!.issues).map((d) => d.field)).toEqual(["duraton"]);
    expect(callActionBody.safeParse({ type: "send_dtmf", digits: "12" }).success).toBe(true);
    expect(validationDetails(scriptStep.safeParse({ type: "send_dtmf", digits: "12" }).error!.issues).map((d) => d.field)).toEqual(["type"]);
  });
});


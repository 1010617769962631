import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandReader, MAX_BODY_BYTES, ProtocolViolation } from "../../src/sim/command-reader.ts";
import { parseDialString, parseOriginateArgs } from "../../src/sim/dial-string.ts";
import { SimEvent } from "../../src/sim/event-serialize.ts";
import { apiResponse, commandReply, disconnectNotice, eventFrame, lingerNotice } from "../../src/sim/frames.ts";
import { q850For, str2cause } from "../../src/sim/hangup-causes.ts";
import { calleeFor, defaultScenario, loadScenario, parseScenario, ScenarioError } from "../../src/sim/scenario.ts";
import { urlEncode } from "../../src/sim/url-encode.ts";

describe("switch_url_encode", () => {
  test("encodes the unsafe set, controls and non-ASCII with upper-case hex", () => {
    expect(urlEncode("2026-11-22 02:38:12")).toBe("2026-11-22%2002%3A38%3A12");
    expect(urlEncode("Sun, 22 Nov 2026 02:38:12 GMT")).toBe("Sun,%2022%20Nov%202026%2002%3A38%3A12%20GMT");
    expect(urlEncode("fd00::2")).toBe("fd00%3A%3A2");
    expect(urlEncode("#")).toBe("%23");
    expect(urlEncode("+OK\n")).toBe("%2BOK%0A");
    expect(urlEncode("tone_stream://%(1000,0,440);loops=2")).toBe("tone_stream%3A//%25(1000,0,440)%3Bloops%3D2");
    expect(urlEncode("José")).toBe("Jos%C3%A9");
    expect(urlEncode(`a"b\`c{d}|e^f[g]h\\i`)).toBe("a%22b%60c%7Bd%7D%7Ce%5Ef%5Bg%5Dh%5Ci");
  });

  test("passes an existing upper-case %XX through, but encodes lower-case or short escapes", () => {
    expect(urlEncode("100%41")).toBe("100%41");
    expect(urlEncode("%2b")).toBe("%252b");
    expect(urlEncode("50%")).toBe("50%25");
  });

  test("leaves safe values untouched", () => {
    expect(urlEncode("a0be6064-ca4c-423a-a898-446a4cc9712e")).toBe("a0be6064-ca4c-423a-a898-446a4cc9712e");
    expect(urlEncode("sofia/external/15551234567")).toBe("sofia/external/15551234567");
  });
});

describe("event serialization", () => {
  test("plain: url-encoded values, _undef_ for empty, blank line when there is no body", () => {
    const ev = new SimEvent("API").add("Event-Name", "API").add("API-Command", "show channels").add("Job-Owner-UUID", "");
    expect(ev.serialize("plain")).toBe("Event-Name: API\nAPI-Command: show%20channels\nJob-Owner-UUID: _undef_\n\n");
  });

  test("plain with a body: nested Content-Length in bytes, no trailing newline", () => {
    const ev = new SimEvent("BACKGROUND_JOB").add("Event-Name", "BACKGROUND_JOB");
    ev.body = "+OK é\n";
    expect(ev.serialize("plain")).toBe("Event-Name: BACKGROUND_JOB\nContent-Length: 7\n\n+OK é\n");
  });

  test("json: one line, every value a string, Content-Length and _body last", () => {
    const ev = new SimEvent("BACKGROUND_JOB").add("Event-Name", "BACKGROUND_JOB").add("Event-Sequence", 12);
    ev.body = 'a/"b"\n';
    const json = ev.serialize("json");
    expect(json).toBe('{"Event-Name":"BACKGROUND_JOB","Event-Sequence":"12","Content-Length":"6","_body":"a/\\"b\\"\\n"}');
    expect(Object.keys(JSON.parse(json))).toEqual(["Event-Name", "Event-Sequence", "Content-Length", "_body"]);
  });

  test("xml: url-encoded header elements, Content-Length beside <headers>", () => {
    const ev = new SimEvent("CUSTOM").add("Event-Name", "CUSTOM").add("FreeSWITCH-IPv6", "::1");
    ev.body = "x<y";
    expect(ev.serialize("xml")).toBe(
      "<event>\n  <headers>\n    <Event-Name>CUSTOM</Event-Name>\n    <FreeSWITCH-IPv6>%3A%3A1</FreeSWITCH-IPv6>\n  </headers>\n" +
        "  <Content-Length>3</Content-Length>\n  <body>x&lt;y</body>\n</event>\n",
    );
  });
});

describe("frames", () => {
  test("reply, api/response, event and notice frames have FreeSWITCH's header order", () => {
    expect(commandReply("+OK Job-UUID: j", [["Job-UUID", "j"]])).toBe(
      "Content-Type: command/reply\nReply-Text: +OK Job-UUID: j\nJob-UUID: j\n\n",
    );
    expect(apiResponse("")).toBe("Content-Type: api/response\nContent-Length: 14\n\n-ERR no reply\n");
    expect(eventFrame("plain", "é\n\n")).toBe("Content-Length: 4\nContent-Type: text/event-plain\n\né\n\n");
    expect(disconnectNotice()).toBe(
      "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n",
    );
    expect(disconnectNotice("u-1")).toStartWith(
      "Content-Type: text/disconnect-notice\nControlled-Session-UUID: u-1\nContent-Disposition: disconnect\nContent-Length: 67\n\n",
    );
    expect(lingerNotice("u-1", "sofia/internal/1001@172.16.50.134", -1)).toBe(
      "Content-Type: text/disconnect-notice\nControlled-Session-UUID: u-1\nContent-Disposition: linger\nChannel-Name: sofia/internal/1001@172.16.50.134\nLinger-Time: -1\nContent-Length: 0\n\n",
    );
  });
});

describe("client command framing", () => {
  test("LF and CRLF, leading blank lines, case-insensitive headers", () => {
    const reader = new CommandReader();
    const cmds = reader.push(Buffer.from("\n\r\nauth ClueCon\r\n\r\nbgapi status\nJOB-UUID: x\n\n"));
    expect(cmds.map((c) => c.command)).toEqual(["auth ClueCon", "bgapi status"]);
    expect(cmds[1]!.headers.get("job-uuid")).toBe("x");
  });

  test("a body split into many chunks arrives whole", () => {
    const reader = new CommandReader();
    const body = "x".repeat(200_000) + "é";
    const bytes = Buffer.from(`sendmsg u\ncontent-type: text/plain\ncontent-length: ${Buffer.byteLength(body)}\n\n${body}exit\n\n`);
    const out = [];
    for (let i = 0; i < bytes.length; i += 1000) out.push(...reader.push(bytes.subarray(i, i + 1000)));
    expect(out.map((c) => c.command)).toEqual(["sendmsg u", "exit"]);
    expect(out[0]!.body).toBe(body);
  });

  test("a Content-Length below 0 or above 16 MiB is a protocol violation", () => {
    expect(() => new CommandReader().push(Buffer.from("sendevent X\nContent-Length: -1\n\n"))).toThrow(ProtocolViolation);
    expect(() => new CommandReader().push(Buffer.from(`sendevent X\nContent-Length: ${MAX_BODY_BYTES + 1}\n\n`))).toThrow(
      ProtocolViolation,
    );
  });
});

describe("hangup causes", () => {
  test("q850 is the cause itself up to 127, 16 for FreeSWITCH-only causes", () => {
    expect(q850For("USER_BUSY")).toBe(17);
    expect(q850For("NO_ANSWER")).toBe(19);
    expect(q850For("UNALLOCATED_NUMBER")).toBe(1);
    expect(q850For("ORIGINATOR_CANCEL")).toBe(16);
    expect(str2cause("user_busy")).toBe("USER_BUSY");
    expect(str2cause("21")).toBe("CALL_REJECTED");
    expect(str2cause("bogus")).toBeUndefined();
  });
});

describe("dial strings", () => {
  test("variables, gateway, user, loopback, error and unknown endpoints", () => {
    const gw = parseDialString("{origination_uuid=abc,origination_caller_id_name='Acme, Inc'}sofia/gateway/carrier/15551234567");
    expect(gw.ok && gw.target.destination).toBe("15551234567");
    expect(gw.ok && gw.target.variables).toEqual([
      ["origination_uuid", "abc"],
      ["origination_caller_id_name", "Acme, Inc"],
    ]);
    expect(parseDialString("user/1001").ok).toBe(true);
    const lb = parseDialString("loopback/1000/default");
    expect(lb.ok && lb.target.channelName).toBe("loopback/1000-a");
    const err = parseDialString("error/user_busy");
    expect(err.ok && err.target.errorCause).toBe("USER_BUSY");
    expect(parseDialString("dingaling/foo")).toEqual({ ok: false, cause: "CHAN_NOT_IMPLEMENTED" });
  });

  test("originate arguments: &app(args) or an extension; too few arguments is a usage error", () => {
    expect(parseOriginateArgs("sofia/gateway/gw/1 '&playback(/tmp/a b.wav)'")?.application).toEqual({ name: "playback", arg: "/tmp/a b.wav" });
    expect(parseOriginateArgs("{a=b c}user/1000 1000 XML default Alice 555 30")).toMatchObject({
      dialString: "{a=b c}user/1000",
      extension: "1000",
      callerIdName: "Alice",
      callerIdNumber: "555",
      timeoutSec: 30,
    });
    expect(parseOriginateArgs("user/1000")).toBeUndefined();
  });
});

describe("scenarios", () => {
  test("the default scenario routes the documented numbers", () => {
    expect(calleeFor(defaultScenario, "4865550100").outcome).toBe("busy");
    expect(calleeFor(defaultScenario, "+4085550100").outcome).toBe("no_answer");
    expect(calleeFor(defaultScenario, "6035550100").outcome).toBe("reject");
    expect(calleeFor(defaultScenario, "4045550100").outcome).toBe("unallocated");
    expect(calleeFor(defaultScenario, "9995550100").outcome).toBe("machine");
    expect(calleeFor(defaultScenario, "15551234567").outcome).toBe("answer");
  });

  test("a bad scenario file fails with a readable message", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-scenario-"));
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ callees: [{ match: { prefix: "1" }, outcome: "explode" }], defaultCallee: { hangupCause: "NOPE" } }));
    expect(() => loadScenario(path)).toThrow(ScenarioError);
    try {
      loadScenario(path);
    } catch (err) {
      const text = (err as Error).message;
      expect(text).toContain(path);
      expect(text).toContain("outcome");
      expect(text).toContain("not a FreeSWITCH hangup cause");
    }
    expect(() => parseScenario({ callees: [{ match: { regex: "(" } }] })).toThrow(/bad regex/);
  });
});

/**
 * A failed action reaches the API: the switch's own answer (FILE NOT FOUND, a
 * gather prompt in a format no loaded module plays) is on the call's `error`,
 * not only in the journal. Against the simulator, which answers as FreeSWITCH
 * 1.10.12 does for a missing file and for a module that is not loaded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startHarness, type Harness } from "../support/switchboard.ts";

const SHIPPED_WITHOUT_SSML = [
  "mod_console", "mod_logfile", "mod_event_socket", "mod_sofia", "mod_loopback", "mod_commands", "mod_dptools",
  "mod_hash", "mod_dialplan_xml", "mod_sndfile", "mod_native_file", "mod_tone_stream", "mod_flite", "mod_say_en",
];

for (const [label, modules] of [["shipped modules", undefined], ["no mod_ssml", SHIPPED_WITHOUT_SSML]] as const) {
  describe(`errors on the call (${label})`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        db: "pglite",
        scenario: {
          name: "errors",
          callees: [],
          defaultCallee: { outcome: "answer", ringMs: 200 },
          defaultCaller: {},
          files: ["/var/sounds/menu.wav"],
          ...(modules ? { modules: [...modules] } : {}),
        },
      });
    });
    afterAll(async () => {
      await h?.close();
    });

    const answered = async () => {
      const created = await h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
      expect(created.status).toBe(201);
      await h.waitForCall(created.body.id, (c) => c.status === "in-progress" && c.activity === "idle");
      return created.body.id as string;
    };

    test("play of a file the switch does not have → error FILE NOT FOUND; a file it has → no error", async () => {
      const id = await answered();
      await h.api("POST", `/v1/calls/${id}/actions`, { type: "play", url: "/var/sounds/menu.wav" });
      const ok = await h.waitForCall(id, (c) => c.activity === "idle");
      expect(ok.error).toBeNull();
      await h.api("POST", `/v1/calls/${id}/actions`, { type: "play", url: "ivr/ivr-welcome.wav" });
      const failed = await h.waitForCall(id, (c) => c.activity === "idle" && c.error !== null);
      expect(failed.error).toBe("play: FILE NOT FOUND (ivr/ivr-welcome.wav)");
      expect(failed.status).toBe("in-progress");
      await h.api("DELETE", `/v1/calls/${id}`);
    });

    test("a gather whose played prompt is missing → error on the call, digits empty", async () => {
      const id = await answered();
      await h.api("POST", `/v1/calls/${id}/actions`, { type: "gather", play: "/var/sounds/missing.wav", timeout_ms: 1000 });
      const after = await h.waitForCall(id, (c) => c.activity === "idle" && c.error !== null);
      expect(after.error).toContain("gather: the prompt could not be played");
      await h.api("DELETE", `/v1/calls/${id}`);
    });

    test(`a gather with a spoken prompt ${modules ? "fails visibly without mod_ssml" : "plays with mod_ssml loaded"}`, async () => {
      const id = await answered();
      await h.api("POST", `/v1/calls/${id}/actions`, { type: "gather", say: "Press four then two", timeout_ms: 1000 });
      const after = await h.waitForCall(id, (c) => c.activity === "idle" && (modules ? c.error !== null : true));
      if (modules) expect(after.error).toContain("gather: the prompt could not be played");
      else {
        await Bun.sleep(1500);
        expect((await h.waitForCall(id, (c) => c.activity === "idle")).error).toBeNull();
      }
      await h.api("DELETE", `/v1/calls/${id}`);
    });
  });
}

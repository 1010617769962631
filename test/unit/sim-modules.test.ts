/** The simulator's module table and the shipped modules.conf.xml it reads. */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { APPLICATIONS } from "../../src/sim/applications.ts";
import { APPLICATION_MODULES, ModuleSet, ModulesConfError, parseModulesConf, readModulesConf, SHIPPED_MODULES_CONF } from "../../src/sim/modules.ts";

const SHIPPED = readModulesConf();

describe("parseModulesConf", () => {
  test("takes the <load module> entries in order and skips commented ones, however they are laid out", () => {
    const xml = `<configuration name="modules.conf"><modules>
      <!-- Loggers -->
      <load module="mod_console"/>
      <!-- <load module="mod_opus"/> -->
      <!--
        <load module="mod_amd"/>
      -->
      <load  module='mod_hash' />
      <load module="mod_console"/>
    </modules></configuration>`;
    expect(parseModulesConf(xml)).toEqual(["mod_console", "mod_hash"]);
  });

  test("a missing file is a readable error", () => {
    expect(() => readModulesConf("/nonexistent/modules.conf.xml")).toThrow(ModulesConfError);
  });

  test("the default is the shipped file", () => {
    expect(SHIPPED).toEqual(parseModulesConf(readFileSync(SHIPPED_MODULES_CONF, "utf8")));
  });
});

describe("the shipped modules.conf.xml", () => {
  test("loads the module of every application the shipped dialplans run", () => {
    const dir = join(SHIPPED_MODULES_CONF, "../../../dialplans");
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".xml"));
    const apps = new Set<string>();
    for (const f of files) {
      const xml = readFileSync(join(dir, f), "utf8").replace(/<!--[\s\S]*?-->/g, "");
      for (const m of xml.matchAll(/application="([^"]+)"/g)) apps.add(m[1]!);
    }
    expect(apps.size).toBeGreaterThan(5);
    const modules = new ModuleSet(SHIPPED);
    for (const app of apps) expect([app, modules.hasApplication(app)]).toEqual([app, true]);
  });

  test("loads what vanilla's default and public contexts run on every call before they reach ours", () => {
    // conf/vanilla/dialplan/default.xml (unloop, tod/holiday examples, "global") and public.xml
    // (unloop, outside_call, call_debug, public_did) at v1.10.12; strftime is an api used in ${…}.
    const vanilla: Record<string, string> = {
      deflect: "mod_dptools",
      set: "mod_dptools",
      export: "mod_dptools",
      info: "mod_dptools",
      log: "mod_dptools",
      sleep: "mod_dptools",
      transfer: "mod_dptools",
      hash: "mod_hash",
      strftime: "mod_dptools",
    };
    for (const [app, module] of Object.entries(vanilla)) expect([app, SHIPPED.includes(module)]).toEqual([app, true]);
  });

  test("loads the formats and engine Switchboard's prompts use, and leaves the optional modules out", () => {
    const modules = new ModuleSet(SHIPPED);
    for (const scheme of ["tts", "silence_stream", "tone_stream", "file_string", "https"]) expect([scheme, modules.hasStreamFormat(scheme)]).toEqual([scheme, true]);
    expect(modules.hasExtension("wav")).toBe(true);
    expect(modules.canSpeak("flite", "kal")).toBe(true);
    for (const optional of ["mod_opus", "mod_amd", "mod_audio_fork", "mod_local_stream"]) expect(SHIPPED).not.toContain(optional);
  });
});

test("every application the simulator runs names its module", () => {
  for (const app of Object.keys(APPLICATIONS)) expect([app, APPLICATION_MODULES[app]]).not.toEqual([app, undefined]);
});

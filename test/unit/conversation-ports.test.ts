/**
 * The core rule (ARCHITECTURE.md): machines/ imports nothing from src/ — the
 * edges depend on the core, never the reverse. The ports the conversation
 * machine speaks through live in machines/ports/ and the edges re-export them.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const MACHINES = join(ROOT, "machines");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("the core imports nothing from the edges", () => {
  test("every import in machines/ resolves inside machines/ (or a package)", () => {
    const outside: string[] = [];
    for (const file of sources(MACHINES)) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:import|export)[^"']*?from\s+["']([^"']+)["']/g)) {
        const spec = m[1]!;
        if (!spec.startsWith(".")) continue;
        const target = resolve(file, "..", spec);
        if (!target.startsWith(MACHINES + "/")) outside.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
    expect(outside).toEqual([]);
  });

  test("the edges re-export the core's port types", async () => {
    const ai = await Bun.file(join(ROOT, "src/ai/types.ts")).text();
    const stt = await Bun.file(join(ROOT, "src/speech/stt/types.ts")).text();
    const tts = await Bun.file(join(ROOT, "src/speech/tts/types.ts")).text();
    expect(ai).toContain("machines/ports/language-model.ts");
    expect(stt).toContain("machines/ports/speech-to-text.ts");
    expect(tts).toContain("machines/ports/text-to-speech.ts");
  });
});

/**
 * OpenAI TTS against the simulated service through the `openai` package:
 * 24 kHz pcm lands in the cache under the SHA-256 of (engine, voice, model,
 * text); a second request for it is served from disk without a request;
 * concurrent requests share one fetch; a failed or aborted fetch leaves
 * nothing that looks cached.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { SimulatedOpenAI, speechDurationMs, spokenText } from "../../src/sim/openai/index.ts";
import { SpeechByEngine } from "../../src/speech/tts/by-engine.ts";
import { OpenAITts } from "../../src/speech/tts/openai-tts.ts";
import { SwitchSpeak } from "../../src/speech/tts/switch-speak.ts";

const sim = new SimulatedOpenAI({ ttsFirstByteMs: 20, ttsMsPerChar: 60, ttsRealtimeFactor: 50 });
let dir: string;
let tts: OpenAITts;
const alloy = { engine: "openai", voice: "alloy" };

beforeAll(async () => {
  await sim.start();
});
afterAll(() => sim.stop());

async function freshCache(): Promise<void> {
  dir = await mkdtemp(join(tmpdir(), "switchboard-tts-"));
  tts = new OpenAITts({ apiKey: sim.apiKey, baseURL: sim.baseURL, cacheDir: dir });
}
afterEach(async () => {
  sim.speechRules.clear();
  await rm(dir, { recursive: true, force: true });
});

const sha = (parts: string[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex");

describe("OpenAI TTS cache", () => {
  test("a miss fetches pcm into <sha256>.r24 with the expected length; the audio speaks the text", async () => {
    await freshCache();
    const text = "Hello, thank you for calling Acme Dental.";
    const before = sim.stats.speechRequests;
    const u = await tts.prepare(text, alloy);
    const file = join(dir, `${sha(["openai", "alloy", "tts-1", text])}.r24`);
    expect(u).toEqual({ kind: "play", file, cached: false });
    const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
    // 24 kHz × 16-bit mono = 48 bytes a millisecond.
    expect(bytes.length).toBe(speechDurationMs(text, 60) * 48);
    expect(spokenText(bytes)).toBe(text);
    expect(sim.stats.speechRequests).toBe(before + 1);
    expect(sim.speechLog.at(-1)).toMatchObject({ model: "tts-1", voice: "alloy", input: text, format: "pcm" });
    expect(tts.stats).toMatchObject({ hits: 0, misses: 1, failures: 0, bytesWritten: bytes.length });
  });

  test("a second request for the same text and voice is a hit: at once, no request", async () => {
    await freshCache();
    const first = await tts.prepare("See you soon.", alloy);
    const requests = sim.stats.speechRequests;
    const second = await tts.prepare("See you soon.", alloy);
    expect(second).toEqual({ kind: "play", file: first.kind === "play" ? first.file : "", cached: true });
    expect(sim.stats.speechRequests).toBe(requests);
    expect(tts.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  test("voice and model are part of the key", async () => {
    await freshCache();
    const a = await tts.prepare("Goodbye.", alloy);
    const b = await tts.prepare("Goodbye.", { engine: "openai", voice: "nova" });
    const c = await tts.prepare("Goodbye.", { engine: "openai", voice: "alloy", model: "gpt-4o-mini-tts" });
    const files = [a, b, c].map((u) => (u.kind === "play" ? u.file : ""));
    expect(new Set(files).size).toBe(3);
    expect(sim.speechLog.at(-1)).toMatchObject({ model: "gpt-4o-mini-tts", voice: "alloy" });
  });

  test("concurrent requests for one text share one fetch", async () => {
    await freshCache();
    const requests = sim.stats.speechRequests;
    const all = await Promise.all(Array.from({ length: 5 }, () => tts.prepare("Please hold while I check.", alloy)));
    expect(new Set(all.map((u) => (u.kind === "play" ? u.file : ""))).size).toBe(1);
    expect(sim.stats.speechRequests).toBe(requests + 1);
    expect(tts.stats).toMatchObject({ misses: 1, joined: 4, hits: 0 });
  });

  test("a failed fetch (HTTP 500) leaves no cache file; the next request fetches again", async () => {
    await freshCache();
    sim.addSpeechRule({ fault: { kind: "http_error", status: 500 }, times: 1 });
    await expect(tts.prepare("Sorry about that.", alloy)).rejects.toThrow("500 The server had an error");
    expect(await readdir(dir)).toEqual([]);
    expect(tts.stats.failures).toBe(1);
    const u = await tts.prepare("Sorry about that.", alloy);
    expect(u).toMatchObject({ kind: "play", cached: false });
    expect((await readdir(dir)).filter((f) => f.endsWith(".r24"))).toHaveLength(1);
  });

  test("a connection dropped mid-body leaves neither a cache file nor a partial one", async () => {
    await freshCache();
    sim.addSpeechRule({ input: "long", fault: { kind: "drop_body", afterBytes: 10_000 }, times: 1 });
    await expect(tts.prepare("This is a long sentence that will be cut off in the middle.", alloy)).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  test("an abort (barge-in) rejects at once and caches nothing; a fetch shared with another caller carries on for it", async () => {
    await freshCache();
    sim.addSpeechRule({ fault: { kind: "slow", firstByteMs: 300 }, times: 2 });
    const alone = new AbortController();
    const p = tts.prepare("Let me look that up for you.", alloy, alone.signal);
    setTimeout(() => alone.abort(), 30);
    await expect(p).rejects.toThrow("aborted");
    await Bun.sleep(20);
    expect(await readdir(dir)).toEqual([]);

    const leaver = new AbortController();
    const staying = tts.prepare("One moment please.", alloy);
    const leaving = tts.prepare("One moment please.", alloy, leaver.signal);
    setTimeout(() => leaver.abort(), 30);
    await expect(leaving).rejects.toThrow("aborted");
    expect(await staying).toMatchObject({ kind: "play", cached: false });
    expect((await readdir(dir)).filter((f) => f.endsWith(".r24"))).toHaveLength(1);
  });

  test("while a fetch runs only a .part file exists; a crash's leftover .part is never taken for cached audio", async () => {
    await freshCache();
    // 30 s of audio sent at 50× real time: 600 ms of body after a 20 ms first byte.
    const text = "Your appointment is confirmed. ".repeat(16).trim();
    const file = tts.fileFor(text, alloy);
    await Bun.write(`${file}.4242.leftover.part`, new Uint8Array(1000));
    const pending = tts.prepare(text, alloy);
    await Bun.sleep(200);
    const during = await readdir(dir);
    expect(during.some((f) => f.endsWith(".r24"))).toBe(false);
    expect(during.filter((f) => f.endsWith(".part"))).toHaveLength(2);
    expect(await pending).toEqual({ kind: "play", file, cached: false });
    expect((await readdir(dir)).filter((f) => !f.endsWith(".part"))).toEqual([file.split("/").at(-1)!]);
  });

  test("a wrong key is refused (401) and nothing is cached", async () => {
    await freshCache();
    const wrong = new OpenAITts({ apiKey: "sk-nope-00000000", baseURL: sim.baseURL, cacheDir: dir });
    await expect(wrong.prepare("Hello.", alloy)).rejects.toThrow("401 Incorrect API key provided");
    expect(await readdir(dir)).toEqual([]);
  });

  test("the service also renders wav: a RIFF header, then the same samples", async () => {
    await freshCache();
    const client = new OpenAI({ apiKey: sim.apiKey, baseURL: sim.baseURL, maxRetries: 0 });
    const wav = new Uint8Array(await (await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "Hi.", response_format: "wav" })).arrayBuffer());
    expect(new TextDecoder().decode(wav.subarray(0, 4))).toBe("RIFF");
    expect(new DataView(wav.buffer).getUint32(24, true)).toBe(24_000);
    expect(wav.length).toBe(44 + speechDurationMs("Hi.", 60) * 48);
    // APIPromise resolves its base promise early: await it inside a real promise.
    const mp3 = (async () => await client.audio.speech.create({ model: "tts-1", voice: "alloy", input: "Hi.", response_format: "mp3" }))();
    await expect(mp3).rejects.toThrow("400");
  });
});

describe("engines", () => {
  test("flite is the switch's own speak: a say at once, no request", async () => {
    await freshCache();
    const requests = sim.stats.speechRequests;
    const speech = new SpeechByEngine({ flite: new SwitchSpeak(), openai: tts });
    expect(await speech.prepare("Hello there.", { engine: "flite", voice: "slt" })).toEqual({ kind: "say", text: "Hello there.", engine: "flite", voice: "slt" });
    expect(await speech.prepare("Hello there.", alloy)).toMatchObject({ kind: "play", cached: false });
    await expect(speech.prepare("Hello there.", { engine: "polly", voice: "x" })).rejects.toThrow('no TTS engine "polly"');
    expect(sim.stats.speechRequests).toBe(requests + 1);
  });
});

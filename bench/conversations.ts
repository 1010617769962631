/**
 * N concurrent conversations through the whole pipeline: outbound call placed
 * by the runtime → answered by a reactive simulated caller → mod_audio_stream
 * streams the caller's real-time audio to the runtime's media WebSocket →
 * relayed to the simulated Deepgram (live) → final transcript → streamed chat
 * from the simulated OpenAI → first sentence → `speak` sent to the call → the
 * caller hears the bot stop and answers after a delay, T times, then hangs up.
 *
 * The simulated world runs in its own processes (switch simulator at time
 * scale 1, simulated Deepgram, simulated OpenAI) with injected latencies: STT
 * finalisation 300 ms, LLM first token 400 ms, TTS first byte 150 ms (the
 * OpenAI TTS engine only: the default flite `speak` path fetches nothing, so
 * its TTS first byte is 0 — see --tts). The runtime runs in this process, so
 * this process's CPU is the runtime's (the bench's own polling is small and
 * included).
 *
 *   bun run bench/conversations.ts [--conversations 200] [--turns 3] [--cps 20] [--tts flite|openai]
 *     [--db pglite|postgres] [--name conversations]
 *
 * --db pglite (default) keeps the journal in PGlite, in this process and on its
 * event loop; --db postgres writes to a throwaway database on DATABASE_ADMIN_URL's
 * server (test/support), as a deployment would.
 *
 * Figures:
 * - runtime share of a turn: final transcript → first TTS command sent, less
 *   the time the model's request was out (request handed to the OpenAI
 *   adapter → its first chunk, read by wrapping OpenAIChat.prototype.stream
 *   and matched to the turn by the first chunk's receivedAt) and less the
 *   model's token pacing to the first sentence: (final → request made) +
 *   (first sentence complete → TTS command). The safety guard holds the
 *   model's text until a sentence is complete and checked and passes it on
 *   re-stamped, so "first sentence complete" is the model's chunk that
 *   completed it (bench/lib/post-call-probe.ts), and the guard's hold is in
 *   the runtime's share (also shown apart). For the OpenAI TTS engine the
 *   TTS command waits on the render, so its share ends at the sentence passed
 *   to the splitter; the render is shown apart. Also shown raw.
 * - voice-to-voice (caller stopped speaking → bot heard), against the
 *   injected sum (STT 300 + TTFT 400 + TTS first byte when openai).
 * - CPU per live conversation: this process's CPU over the steady state (all
 *   live ≥ 90 % of the peak) ÷ mean live conversations ÷ wall, % of one core.
 *   Baselines in the same run: the idle runtime's CPU before the pass, and the
 *   simulated world's processes (switch with its audio streams, Deepgram) over
 *   the same window, per conversation.
 * - memory: RSS (and heap) delta after a full collection at peak ÷ live.
 * - frames shed: caller-audio frames shed by the media server, STT frames
 *   shed by closed streams, ESL events shed.
 * - the safety guard and the post-call analysis (bench/lib/post-call-probe.ts):
 *   every local check of the guard timed exactly, interventions; each ended
 *   conversation's analysis request (done / failed, its duration), how long the
 *   analyses outlast the last conversation and the runtime CPU that takes, and
 *   the runtime's CPU per conversation over the pass and that drain together.
 */
process.env.LOG_LEVEL ??= "warn";

import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { percentiles, printTable, writeResult } from "./lib/stats.ts";
import { processCpuSeconds, startServiceProcess, startSimProcess } from "./lib/sim-process.ts";
import { paced } from "./lib/pacer.ts";

const { loadConfig, DEMO_CONVERSATION_PROMPT, DEMO_CONVERSATION_FIRST_MESSAGE } = await import("../src/config.ts");
const { startSwitchboard } = await import("../src/main.ts");
const { turnLatencies } = await import("../machines/turn-latency.ts");
const { OpenAIChat } = await import("../src/ai/openai-chat.ts");
const { createDatabase } = await import("../test/support/switchboard.ts");
const { EventLoopLag } = await import("../src/runtime/event-loop-lag.ts");
const { installPostCallProbe, counterTotal } = await import("./lib/post-call-probe.ts");
const probe = installPostCallProbe();

// Each model request the runtime makes: when the conversation handed it to the adapter, and
// the first chunk's receivedAt (the same stamp the turn's llmFirstToken mark holds), so a
// turn's runtime share is exact: (final transcript → request made) + (first sentence → TTS command).
const llmCalls = new Map<number, number>();
const stream0 = OpenAIChat.prototype.stream;
OpenAIChat.prototype.stream = function (this: InstanceType<typeof OpenAIChat>, request) {
  const calledAt = performance.now();
  const inner = stream0.call(this, request);
  return (async function* () {
    let first = true;
    for await (const chunk of inner) {
      if (first && "receivedAt" in chunk) {
        llmCalls.set(chunk.receivedAt as number, calledAt);
        first = false;
      }
      yield chunk;
    }
  })();
};

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "200" },
    turns: { type: "string", default: "3" },
    cps: { type: "string", default: "20" },
    tts: { type: "string", default: "flite" },
    db: { type: "string", default: "pglite" },
    name: { type: "string" },
  },
});
const N = Number(values.conversations);
const T = Number(values.turns);
const cps = Number(values.cps);
const tts = values.tts === "openai" ? "openai" : "flite";
const db = values.db === "postgres" ? "postgres" : "pglite";
if (!(Number.isInteger(N) && N >= 1) || !(Number.isInteger(T) && T >= 1 && T <= 10) || !(cps > 0) || (values.tts !== "flite" && values.tts !== "openai") || (values.db !== "pglite" && values.db !== "postgres")) {
  console.error("usage: bun run bench/conversations.ts [--conversations N] [--turns T] [--cps N] [--tts flite|openai] [--db pglite|postgres] [--name <results file prefix>]");
  process.exit(2);
}

// ─── injected service latencies and the callers' script ──────────────────────
const STT_FINAL_MS = 300;
const LLM_TTFT_MS = 400;
const TTS_FIRST_BYTE_MS = 150;
const TOKENS_PER_SECOND = 200;
const CALLER_REPLY_MS = 500;
const QUESTIONS = ["What are your opening hours?", "What is your address?", "Is there parking?"];
const KEY = "sk_bench_conversations_0123456789abcdef";
const DG_KEY = "bench-deepgram-key";
const OAI_KEY = "sk-bench-openai";
const rampMs = ((N - 1) / cps) * 1000;
const deadlineMs = Math.min(280_000, 90_000 + rampMs * 2 + T * 15_000);

// ─── cleanup, whatever happens ──────────────────────────────────────────────
const cleanups: Array<() => unknown> = [];
let cleaning: Promise<void> | null = null;
const cleanup = () =>
  (cleaning ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await Promise.race([fn(), Bun.sleep(10_000)]);
      } catch (err) {
        console.error("cleanup step failed:", err);
      }
    }
  })());
const abort = (why: string, code: number) => {
  console.error(`\nconversations bench: ${why}; cleaning up`);
  void cleanup().finally(() => process.exit(code));
};
const watchdog = setTimeout(() => abort(`still running after ${Math.round(deadlineMs / 1000)} s`, 3), deadlineMs);
process.once("SIGINT", () => abort("interrupted", 130));
process.once("SIGTERM", () => abort("terminated", 143));

console.log(
  `conversations bench: ${N} conversations × ${T} turns at ${cps} CPS; ${db}; STT final ${STT_FINAL_MS} ms, LLM TTFT ${LLM_TTFT_MS} ms, TTS ${tts === "openai" ? `OpenAI first byte ${TTS_FIRST_BYTE_MS} ms` : "flite speak (no fetch)"}; bounded at ${Math.round(deadlineMs / 1000)} s`,
);

const P = (xs: number[]) => percentiles(xs, [50, 95, 99]) as { p50: number; p95: number; p99: number };

try {
  const dataDir = mkdtempSync(join(tmpdir(), "switchboard-bench-conv-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const ttsDir = join(dataDir, "tts");

  // ─── the simulated world, each in its own process ─────────────────────────
  const turns = [
    ...Array.from({ length: T }, (_, i) => ({ afterBotMs: CALLER_REPLY_MS, say: QUESTIONS[i % QUESTIONS.length]! })),
    { afterBotMs: CALLER_REPLY_MS, hangup: true },
  ];
  const sim = await startSimProcess(
    {
      name: "conversations bench",
      timing: { speakMsPerChar: 40, callerMsPerChar: 50 },
      files: tts === "openai" ? [`${ttsDir}/`] : [],
      defaultCallee: { outcome: "answer", ringMs: 200, turns },
    },
    ["--heartbeat-ms", "20000", "--time-scale", "1"],
  );
  cleanups.push(() => sim.stop());
  const deepgram = await startServiceProcess("src/sim/deepgram/cli.ts", ["--api-key", DG_KEY, "--final-ms", String(STT_FINAL_MS), "--idle-timeout-ms", "60000"], "listening");
  cleanups.push(() => deepgram.stop());
  const openai = await startServiceProcess(
    "src/sim/openai/cli.ts",
    ["--api-key", OAI_KEY, "--ttft-ms", String(LLM_TTFT_MS), "--tokens-per-second", String(TOKENS_PER_SECOND), "--tts-first-byte-ms", String(TTS_FIRST_BYTE_MS)],
    "language model",
  );
  cleanups.push(() => openai.stop());

  // ─── the runtime, in this process ─────────────────────────────────────────
  const pg = db === "postgres" ? await createDatabase() : null;
  if (pg) cleanups.push(() => pg.drop());
  const sb = await startSwitchboard(
    loadConfig({
      PORT: "0",
      OUTBOUND_SOCKET_PORT: "0",
      MEDIA_PORT: "0",
      DATA_DIR: dataDir,
      ESL_HOST: "127.0.0.1",
      ESL_PORT: String(sim.port),
      SWITCHBOARD_API_KEY: KEY,
      MAX_CONCURRENT_CALLS: String(Math.max(1000, N * 2)),
      DEEPGRAM_URL: `ws://127.0.0.1:${deepgram.port}`,
      DEEPGRAM_API_KEY: DG_KEY,
      OPENAI_BASE_URL: `http://127.0.0.1:${openai.port}/v1`,
      OPENAI_API_KEY: OAI_KEY,
      ...(tts === "openai" ? { TTS_ENGINE: "openai", TTS_CACHE_DIR: ttsDir } : {}),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      ...(pg ? { DATABASE_URL: pg.url } : {}),
    }),
  );
  cleanups.push(() => sb.stop());

  let serial = 0;
  const start = () => {
    const callId = randomUUID();
    const to = `1555${String(serial++).padStart(6, "0")}`;
    sb.runtime.place({ callId, to, dialString: `sofia/gateway/carrier/${to}`, from: "+15550001111", timeoutSec: 30, dryRun: false });
    // A distinct prompt per conversation (its own suite number) so OpenAI TTS renders every conversation's sentences: no cross-call cache hits.
    const prompt = tts === "openai" ? DEMO_CONVERSATION_PROMPT.replace("12 Harbour Street", `Suite ${serial}, 12 Harbour Street`) : DEMO_CONVERSATION_PROMPT;
    return sb.conversations.startConversation(callId, { systemPrompt: prompt, firstMessage: DEMO_CONVERSATION_FIRST_MESSAGE }).id;
  };
  const waitAllEnded = async (ids: string[], untilMs: number) => {
    while (performance.now() < untilMs) {
      if (sb.conversations.liveCount === 0 && ids.every((id) => sb.conversations.conversationView(id)?.live === false)) return true;
      await Bun.sleep(100);
    }
    return false;
  };

  // ─── warm-up: a few conversations, so the pass is measured JIT-warm ───────
  const warmIds = Array.from({ length: 4 }, start);
  if (!(await waitAllEnded(warmIds, performance.now() + 60_000))) throw new Error("warm-up conversations did not end within 60 s");
  const warmTurns = warmIds.flatMap((id) => sb.conversations.conversationView(id)?.context.turns ?? []);
  console.log(`warm-up: ${warmIds.length} conversations, ${warmTurns.length} turns`);
  const metricsText = async () => (await fetch(`${sb.url}/metrics`)).text();
  const metric = (text: string, name: string, labels = "") => {
    const m = new RegExp(`^${name}${labels ? `\\{${labels}\\}` : ""} (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : 0;
  };
  // The warm-up's analyses done first, so the pass's are its own.
  await Promise.race([sb.postCall.whenIdle(), Bun.sleep(30_000)]);
  probe.reset();
  const post0 = sb.postCall.stats();
  const metrics0 = await metricsText();

  // ─── baseline: the idle runtime (connected, nothing live) ──────────────────
  await Bun.sleep(500);
  const idle0 = process.cpuUsage();
  const idleT0 = performance.now();
  await Bun.sleep(3000);
  const idleCpu = process.cpuUsage(idle0);
  const idleCorePct = ((idleCpu.user + idleCpu.system) / 1000 / (performance.now() - idleT0)) * 100;

  // ─── the pass ─────────────────────────────────────────────────────────────
  Bun.gc(true);
  const mem0 = process.memoryUsage();
  interface Sample {
    t: number;
    cpuMs: number;
    simCpuS: number;
    dgCpuS: number;
    oaiCpuS: number;
    live: number;
    gc: boolean;
  }
  const samples: Sample[] = [];
  let peakMem: { rss: number; heap: number; live: number; gcMs: number } | null = null;
  let gcWindow: [number, number] | null = null;
  let lag: InstanceType<typeof EventLoopLag> | null = null;
  let lagFigures: { p50: number; p99: number; max: number; mean: number } | null = null;
  const sample = (gc = false) => {
    const c = process.cpuUsage();
    samples.push({
      t: performance.now(),
      cpuMs: (c.user + c.system) / 1000,
      simCpuS: processCpuSeconds(sim.pid),
      dgCpuS: processCpuSeconds(deepgram.pid),
      oaiCpuS: processCpuSeconds(openai.pid),
      live: sb.conversations.liveCount,
      gc,
    });
  };
  sample();
  const sampler = setInterval(() => {
    const live = sb.conversations.liveCount;
    // One full collection at peak for memory (its interval is left out of the CPU figures).
    if (!peakMem && live >= N) {
      const t = performance.now();
      Bun.gc(true);
      const m = process.memoryUsage();
      peakMem = { rss: m.rss - mem0.rss, heap: m.heapUsed - mem0.heapUsed, live, gcMs: performance.now() - t };
      gcWindow = [t, performance.now()];
      sample(true);
      lag = new EventLoopLag(1);
      return;
    }
    if (lag && !lagFigures && live < 0.9 * N) {
      lagFigures = lag.snapshot();
      lag.stop();
    }
    sample();
  }, 250);
  cleanups.push(() => clearInterval(sampler));
  const passStart = performance.now();
  const ids: string[] = [];
  await paced(N, cps, () => void ids.push(start()));
  const allEnded = await waitAllEnded(ids, passStart + deadlineMs - 30_000 - (performance.now() - passStart));
  clearInterval(sampler);
  sample();
  if (lag && !lagFigures) {
    lagFigures = (lag as InstanceType<typeof EventLoopLag>).snapshot();
    (lag as InstanceType<typeof EventLoopLag>).stop();
  }
  const passWallMs = performance.now() - passStart;
  // The post-call analyses still queued or running when the last conversation ended: how long they take to drain, at what CPU.
  const drainT0 = performance.now();
  const drainCpu0 = process.cpuUsage();
  const drainBoundMs = Math.max(5_000, Math.min(60_000, passStart + deadlineMs - 20_000 - drainT0));
  const postAtEnd = sb.postCall.stats();
  const drained = await Promise.race([sb.postCall.whenIdle().then(() => true), Bun.sleep(drainBoundMs).then(() => false)]);
  const drainMs = performance.now() - drainT0;
  const drainCpuUse = process.cpuUsage(drainCpu0);
  const drainCpuMs = (drainCpuUse.user + drainCpuUse.system) / 1000;
  const post1 = sb.postCall.stats();
  if (!peakMem) {
    // Never reached N at once: read memory now is meaningless; note it.
    console.log(`peak live conversations ${Math.max(...samples.map((s) => s.live))} < ${N}: no memory snapshot at N`);
  }
  const metrics1 = await metricsText();
  const delta = (name: string, labels = "") => metric(metrics1, name, labels) - metric(metrics0, name, labels);

  // ─── per-turn figures from the stored turn latencies ──────────────────────
  const views = ids.map((id) => sb.conversations.conversationView(id));
  const outcomes = new Map<string, number>();
  const share: number[] = [];
  const shareRaw: number[] = [];
  const llmToFirstToken: number[] = [];
  const tokenToSentence: number[] = [];
  const sentenceToTts: number[] = [];
  const v2v: number[] = [];
  const eosToFinal: number[] = [];
  const ttsToPlayback: number[] = [];
  const requestDelay: number[] = [];
  const serviceSeen: number[] = [];
  const guardHold: number[] = [];
  const rawTokenToSentence: number[] = [];
  let turnCount = 0;
  let gcTurns = 0;
  const gw = gcWindow as [number, number] | null;
  for (const v of views) {
    const outcome = v ? (v.live ? "still live" : String(v.context.outcome)) : "no view";
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    for (const t of v?.context.turns ?? []) {
      turnCount++;
      // A turn in flight across the bench's one forced full collection (memory at peak) is left out.
      const k = t.marks;
      if (gw && k.endOfSpeech !== null && k.endOfSpeech <= gw[1] && (k.playbackStarted ?? Infinity) >= gw[0]) {
        gcTurns++;
        continue;
      }
      const m = turnLatencies(t.marks);
      // The safety guard re-stamps the sentences it passes on but keeps the turn's first-token mark the
      // model's own first chunk; the probe keys by it the chunk that completed the first sentence and its release.
      const guarded = k.llmFirstToken !== null ? probe.guarded.get(k.llmFirstToken) : undefined;
      const modelFirst = guarded ? guarded.rawFirstToken : k.llmFirstToken;
      const calledAt = modelFirst !== null ? llmCalls.get(modelFirst) : undefined;
      if (calledAt !== undefined && modelFirst !== null && k.finalTranscript !== null && k.firstSentence !== null && k.ttsCommand !== null) {
        requestDelay.push(calledAt - k.finalTranscript);
        serviceSeen.push(modelFirst - calledAt);
        // The model's pacing to a whole first sentence is the model's; from there on the time is the runtime's:
        // the guard's hold (checks, in order), the splitter, the TTS command. With OpenAI TTS, first sentence →
        // command is the TTS service's render (first byte 150 ms and the rest of the file), shown apart.
        const sentenceDone = guarded ? guarded.rawFirstSentence : k.firstSentence;
        if (guarded) {
          guardHold.push(guarded.released - guarded.rawFirstSentence);
          rawTokenToSentence.push(guarded.rawFirstSentence - guarded.rawFirstToken);
        }
        share.push(calledAt - k.finalTranscript + (tts === "openai" ? k.firstSentence - sentenceDone : k.ttsCommand - sentenceDone));
      }
      const l = {
        finalToTtsCommand: m.finalToTtsCommandMs,
        firstTokenToFirstSentence: m.firstTokenToFirstSentenceMs,
        finalToFirstToken: m.finalToFirstTokenMs,
        firstSentenceToTtsCommand: m.firstSentenceToTtsCommandMs,
        voiceToVoice: m.voiceToVoiceMs,
        endOfSpeechToFinal: m.endOfSpeechToFinalMs,
        ttsCommandToPlayback: m.ttsCommandToPlaybackMs,
      };
      if (l.finalToTtsCommand !== null) shareRaw.push(l.finalToTtsCommand);
      if (l.finalToFirstToken !== null) llmToFirstToken.push(l.finalToFirstToken);
      if (l.firstTokenToFirstSentence !== null) tokenToSentence.push(l.firstTokenToFirstSentence);
      if (l.firstSentenceToTtsCommand !== null) sentenceToTts.push(l.firstSentenceToTtsCommand);
      if (l.voiceToVoice !== null) v2v.push(l.voiceToVoice);
      if (l.endOfSpeechToFinal !== null) eosToFinal.push(l.endOfSpeechToFinal);
      if (l.ttsCommandToPlayback !== null) ttsToPlayback.push(l.ttsCommandToPlayback);
    }
  }
  const injectedSum = STT_FINAL_MS + LLM_TTFT_MS + (tts === "openai" ? TTS_FIRST_BYTE_MS : 0);
  const v2vOver = v2v.map((x) => x - injectedSum);

  // ─── CPU: steady state (live ≥ 90 % of peak), and the whole pass ──────────
  const peakLive = Math.max(...samples.map((s) => s.live));
  let cpuMs = 0;
  let wallMs = 0;
  let liveMs = 0;
  let simS = 0;
  let dgS = 0;
  let oaiS = 0;
  let passCpuMs = 0;
  let passLiveMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.gc) continue;
    const dt = b.t - a.t;
    const live = (a.live + b.live) / 2;
    passCpuMs += b.cpuMs - a.cpuMs;
    passLiveMs += live * dt;
    if (a.live >= 0.9 * peakLive && b.live >= 0.9 * peakLive) {
      cpuMs += b.cpuMs - a.cpuMs;
      wallMs += dt;
      liveMs += live * dt;
      simS += b.simCpuS - a.simCpuS;
      dgS += b.dgCpuS - a.dgCpuS;
      oaiS += b.oaiCpuS - a.oaiCpuS;
    }
  }
  const meanLive = wallMs > 0 ? liveMs / wallMs : NaN;
  const perConvPct = (cpuMsTotal: number) => (liveMs > 0 ? (cpuMsTotal / liveMs) * 100 : NaN);
  const steadyCorePct = wallMs > 0 ? (cpuMs / wallMs) * 100 : NaN;
  const cpuPerConvPct = perConvPct(cpuMs);
  const cpuPerConvNetPct = liveMs > 0 ? ((cpuMs - (idleCorePct / 100) * wallMs) / liveMs) * 100 : NaN;
  const passCpuPerConvPct = passLiveMs > 0 ? (passCpuMs / passLiveMs) * 100 : NaN;
  const simPerConvPct = perConvPct(simS * 1000);
  const dgPerConvPct = perConvPct(dgS * 1000);
  const oaiPerConvPct = perConvPct(oaiS * 1000);

  const mediaIn = delta("switchboard_media_frames_total", 'result="in"');
  const mediaShed = delta("switchboard_media_frames_total", 'result="shed"');
  const sttSent = delta("switchboard_stt_frames_total", 'result="sent"');
  const sttShed = delta("switchboard_stt_frames_total", 'result="shed"');
  const eslDropped = delta("switchboard_esl_dropped_events");
  const journalDropped = ["events", "calls", "conversations"].reduce((n, t) => n + delta("switchboard_journal_db_refused_rows", `outcome="dropped",table="${t}"`), 0);
  const analysesDone = post1.done - post0.done;
  const analysesFailed = post1.failed - post0.failed;
  const analysesSkipped = post1.skipped - post0.skipped;
  const analysisMs = P(probe.analyses.filter((a) => a.ok).map((a) => a.ms));
  const localCheckUs = P(probe.localCheckMs.map((x) => x * 1000));
  const interventions = counterTotal(metrics1, "switchboard_safety_interventions_total") - counterTotal(metrics0, "switchboard_safety_interventions_total");
  const runtimeCpuMsPerConversation = (passCpuMs + drainCpuMs) / N;
  const pm = peakMem as { rss: number; heap: number; live: number; gcMs: number } | null;
  const rssKiB = pm ? pm.rss / 1024 / pm.live : NaN;
  const heapKiB = pm ? pm.heap / 1024 / pm.live : NaN;

  // ─── report ───────────────────────────────────────────────────────────────
  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : "—");
  const trio = (p: { p50: number; p95: number; p99: number }) => `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)}`;
  const pct = (n: number) => (Number.isFinite(n) ? `${n.toFixed(3)} %` : "—");
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  const pShare = P(share);
  const pRaw = P(shareRaw);
  const pV2v = P(v2v);
  const pV2vOver = P(v2vOver);
  const targets = [
    { target: "runtime share p99 ≤ 5 ms", measured: pShare.p99, pass: pShare.p99 <= 5 },
    { target: "CPU ≤ 1 % of a core per live conversation", measured: cpuPerConvPct, pass: cpuPerConvPct <= 1 },
    { target: "no frame shed", measured: mediaShed + sttShed + eslDropped, pass: mediaShed + sttShed + eslDropped === 0 },
  ];
  const rows: Array<Array<string | number>> = [
    ["conversations ended / placed (outcomes)", `${N - (outcomes.get("still live") ?? 0)} / ${N} (${[...outcomes].map(([k, n]) => `${k} ×${n}`).join(", ")})`, "", ""],
    ["turns answered (caller turns with a reply)", `${shareRaw.length + gcTurns} of ${turnCount} (expected ${N * T})`, "", ""],
    ["peak live conversations / mean in steady state", `${peakLive} / ${ms(meanLive)} over ${(wallMs / 1000).toFixed(1)} s`, "", ""],
    [tts === "openai" ? "runtime share: final → LLM request (TTS render apart) p50/p95/p99 ms" : "runtime share: (final → LLM request) + (sentence complete → TTS cmd, guard incl.) p50/p95/p99 ms", trio(pShare), "≤ 5 ms p99", verdict(targets[0]!.pass)],
    ["  final transcript → LLM request made ms", trio(P(requestDelay)), "", ""],
    ["  LLM request → first token, as the runtime saw it ms", trio(P(serviceSeen)), `injected ${LLM_TTFT_MS}`, ""],
    ["  final → first TTS command (raw) p50/p95/p99 ms", trio(pRaw), "", ""],
    ["  final → first token mark (the model's first chunk) p50/p95/p99 ms", trio(P(llmToFirstToken)), `injected TTFT ${LLM_TTFT_MS}`, ""],
    ["  first token mark → first sentence (model pacing + guard hold + splitter) ms", trio(P(tokenToSentence)), "", ""],
    ["  first sentence → TTS command sent ms", trio(P(sentenceToTts)), tts === "openai" ? `holds TTS first byte ${TTS_FIRST_BYTE_MS} + render` : "", ""],
    ["  guarded turns: model's first chunk → first sentence complete ms", trio(P(rawTokenToSentence)), "the model's pacing, before the guard", ""],
    ["  guarded turns: guard hold, sentence complete → passed on ms", trio(P(guardHold)), `${guardHold.length} turns`, ""],
    ["voice-to-voice p50/p95/p99 ms", trio(pV2v), `injected ${injectedSum} ms`, ""],
    ["  voice-to-voice − injected sum p50/p95/p99 ms", trio(pV2vOver), "", ""],
    ["  end of speech → final (injected STT 300) ms", trio(P(eosToFinal)), "", ""],
    ["  TTS command → switch playing ms", trio(P(ttsToPlayback)), "", ""],
    ["runtime event-loop lag at peak p50 / p99 / max ms", lagFigures ? `${ms(lagFigures.p50)} / ${ms(lagFigures.p99)} / ${ms(lagFigures.max)}` : "—", "", ""],
    ["turns left out (in flight across the forced GC at peak)", `${gcTurns} (GC ${gw ? ms(gw[1] - gw[0]) : "—"} ms)`, "", ""],
    ["CPU, runtime process, steady state (% of one core)", pct(steadyCorePct), "", ""],
    ["CPU per live conversation (% of a core, audio relay incl.)", pct(cpuPerConvPct), "≤ 1 %", verdict(targets[1]!.pass)],
    ["  same, less the idle runtime", pct(cpuPerConvNetPct), "", ""],
    ["  same, whole pass (CPU ÷ conversation-seconds)", pct(passCpuPerConvPct), "", ""],
    ["baseline: idle runtime (% of one core)", pct(idleCorePct), "", ""],
    ["baseline: switch sim process per conversation (audio both ways)", pct(simPerConvPct), "", ""],
    ["baseline: Deepgram sim process per conversation", pct(dgPerConvPct), "", ""],
    ["baseline: OpenAI sim process per conversation", pct(oaiPerConvPct), "", ""],
    ["  ratio runtime ÷ switch sim per conversation", Number.isFinite(cpuPerConvPct / simPerConvPct) ? `${(cpuPerConvPct / simPerConvPct).toFixed(2)}×` : "—", "", ""],
    ["memory per conversation: RSS / heap KiB (full GC, at peak)", pm ? `${rssKiB.toFixed(1)} / ${heapKiB.toFixed(1)} (at ${pm.live} live)` : "— (N never live at once)", "", ""],
    ["caller-audio frames in / shed (media server)", `${mediaIn} / ${mediaShed}`, "0 shed", ""],
    ["STT frames sent / shed", `${sttSent} / ${sttShed}`, "0 shed", ""],
    ["ESL events shed", String(eslDropped), "0", verdict(targets[2]!.pass)],
    ["journal rows the database refused and dropped", String(journalDropped), "0", ""],
    ["post-call analyses done / failed / skipped", `${analysesDone} / ${analysesFailed} / ${analysesSkipped} of ${N}`, `${N} done`, ""],
    ["  analysis model pass p50/p95/p99 ms", trio(analysisMs), "", ""],
    ["  queued+running at the last end; drain to idle ms; runtime CPU ms in it", `${postAtEnd.queued + postAtEnd.running}; ${ms(drainMs)}${drained ? "" : " (not idle)"}; ${ms(drainCpuMs)}`, "", ""],
    ["safety local checks (caller turns, reply sentences) / per turn", `${probe.localCheckMs.length} / ${ms(probe.localCheckMs.length / Math.max(1, turnCount))}`, "", ""],
    ["  local check p50/p95/p99 µs", trio(localCheckUs), "", ""],
    ["  local checks' total time over the pass ms", ms(probe.localCheckMs.reduce((a, b) => a + b, 0)), "", ""],
    ["  moderation requests / interventions", `${probe.moderationMs.length} / ${interventions}`, "", ""],
    ["runtime CPU per conversation, whole pass + analysis drain (CPU-ms)", ms(runtimeCpuMsPerConversation), "", ""],
  ];
  printTable(
    `Conversations: ${N} × ${T} turns at ${cps} CPS, TTS ${tts}, ${db}; bun ${Bun.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    ["figure", "measured", "target / reference", "verdict"],
    rows,
  );
  console.log(`\n${targets.filter((t) => t.pass).length}/${targets.length} targets met: ${targets.map((t) => `${t.target} ${verdict(t.pass)}`).join("; ")}`);
  if (!allEnded) console.log(`note: ${outcomes.get("still live") ?? 0} conversations had not ended by the deadline`);

  const path = await writeResult(values.name ?? "conversations", {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryMiB: Math.round(totalmem() / 2 ** 20), platform: process.platform, arch: process.arch, bun: Bun.version },
    parameters: {
      conversations: N,
      turns: T,
      cps,
      tts,
      db,
      injected: { sttFinalMs: STT_FINAL_MS, llmTtftMs: LLM_TTFT_MS, ttsFirstByteMs: tts === "openai" ? TTS_FIRST_BYTE_MS : null, tokensPerSecond: TOKENS_PER_SECOND },
      callerReplyMs: CALLER_REPLY_MS,
      simTimeScale: 1,
      processes: "runtime in the bench process; switch simulator, simulated Deepgram, simulated OpenAI each in its own process",
    },
    completed: { ended: N - (outcomes.get("still live") ?? 0), outcomes: Object.fromEntries(outcomes), turns: turnCount, turnsAnswered: shareRaw.length + gcTurns, allEnded },
    passWallMs,
    runtimeShareMs: pShare,
    runtimeShareSamples: share.length,
    guardedTurns: guardHold.length,
    guardHoldMs: P(guardHold),
    modelFirstChunkToFirstSentenceMs: P(rawTokenToSentence),
    finalToLlmRequestMs: P(requestDelay),
    llmRequestToFirstTokenSeenMs: P(serviceSeen),
    eventLoopLagAtPeakMs: lagFigures,
    turnsLeftOutAcrossForcedGc: gcTurns,
    forcedGcMs: gw ? gw[1] - gw[0] : null,
    finalToTtsCommandMs: pRaw,
    finalToFirstTokenMs: P(llmToFirstToken),
    firstTokenToFirstSentenceMs: P(tokenToSentence),
    firstSentenceToTtsCommandMs: P(sentenceToTts),
    voiceToVoiceMs: pV2v,
    voiceToVoiceMinusInjectedMs: pV2vOver,
    injectedSumMs: injectedSum,
    endOfSpeechToFinalMs: P(eosToFinal),
    ttsCommandToPlaybackMs: P(ttsToPlayback),
    cpu: {
      peakLive,
      steadyState: { wallMs, meanLive, runtimeCorePct: steadyCorePct, perLiveConversationPct: cpuPerConvPct, perLiveConversationLessIdlePct: cpuPerConvNetPct },
      wholePassPerConversationPct: passCpuPerConvPct,
      baseline: { idleRuntimeCorePct: idleCorePct, switchSimPerConversationPct: simPerConvPct, deepgramSimPerConversationPct: dgPerConvPct, openaiSimPerConversationPct: oaiPerConvPct },
    },
    memory: pm && { rssDeltaBytes: pm.rss, heapDeltaBytes: pm.heap, live: pm.live, rssKiBPerConversation: rssKiB, heapKiBPerConversation: heapKiB },
    frames: { mediaIn, mediaShed, sttSent, sttShed, eslEventsShed: eslDropped },
    journalRowsDropped: journalDropped,
    postCallAnalysis: {
      done: analysesDone,
      failed: analysesFailed,
      skipped: analysesSkipped,
      requests: probe.analyses.length,
      requestsFailed: probe.analyses.filter((a) => !a.ok).length,
      modelPassMs: analysisMs,
      queuedOrRunningAtLastEnd: postAtEnd.queued + postAtEnd.running,
      drainMs,
      drained,
      drainRuntimeCpuMs: drainCpuMs,
    },
    safety: {
      localChecks: probe.localCheckMs.length,
      localChecksPerTurn: probe.localCheckMs.length / Math.max(1, turnCount),
      localCheckUs,
      localCheckTotalMs: probe.localCheckMs.reduce((a, b) => a + b, 0),
      moderationRequests: probe.moderationMs.length,
      interventions,
    },
    runtimeCpuMsPerConversationWithAnalysis: runtimeCpuMsPerConversation,
    targets,
  });
  console.log(`\nwrote ${resolve(path)}`);
} catch (err) {
  console.error("conversations bench failed:", err);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
process.exit(process.exitCode ?? 0);

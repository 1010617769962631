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
 * Figures (per turn: bench/lib/conversation-turns.ts; CPU: bench/lib/cpu-window.ts;
 * the table and the results file: bench/lib/conversations-report.ts):
 * - runtime share of a turn: final transcript → first TTS command sent, less
 *   the time the model's request was out (request handed to the OpenAI
 *   adapter → its first chunk, bench/lib/llm-request-probe.ts, matched to
 *   the turn by the first chunk's receivedAt) and less the
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
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { processCpuSeconds, startServiceProcess, startSimProcess } from "./lib/sim-process.ts";
import { paced } from "./lib/pacer.ts";
import { benchCleanup } from "./lib/bench-cleanup.ts";
import { counterTotal, metricValue } from "./lib/metrics-text.ts";
import { cpuFigures, type CpuSample } from "./lib/cpu-window.ts";
import { reportConversations } from "./lib/conversations-report.ts";

// The runtime's modules after LOG_LEVEL is set (its logger reads it at load).
const { loadConfig, DEMO_CONVERSATION_PROMPT, DEMO_CONVERSATION_FIRST_MESSAGE } = await import("../src/config.ts");
const { startSwitchboard } = await import("../src/main.ts");
const { createDatabase } = await import("../test/support/switchboard.ts");
const { EventLoopLag } = await import("../src/runtime/event-loop-lag.ts");
const { installPostCallProbe } = await import("./lib/post-call-probe.ts");
const { installLlmRequestProbe } = await import("./lib/llm-request-probe.ts");
const { turnFigures } = await import("./lib/conversation-turns.ts");
const probe = installPostCallProbe();
const llmCalls = installLlmRequestProbe();

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
const cleanups = benchCleanup("conversations", deadlineMs);

console.log(
  `conversations bench: ${N} conversations × ${T} turns at ${cps} CPS; ${db}; STT final ${STT_FINAL_MS} ms, LLM TTFT ${LLM_TTFT_MS} ms, TTS ${tts === "openai" ? `OpenAI first byte ${TTS_FIRST_BYTE_MS} ms` : "flite speak (no fetch)"}; bounded at ${Math.round(deadlineMs / 1000)} s`,
);

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
  const samples: CpuSample[] = [];
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
  const delta = (name: string, labels = "") => metricValue(metrics1, name, labels) - metricValue(metrics0, name, labels);

  // ─── per-turn figures, CPU, and the report ────────────────────────────────
  const perTurn = turnFigures(
    ids.map((id) => sb.conversations.conversationView(id)),
    { llmCalls, guarded: probe.guarded, gcWindow: gcWindow as [number, number] | null, tts },
  );
  const path = await reportConversations(
    values.name ?? "conversations",
    {
      conversations: N,
      turns: T,
      cps,
      tts,
      db,
      injected: { sttFinalMs: STT_FINAL_MS, llmTtftMs: LLM_TTFT_MS, ttsFirstByteMs: TTS_FIRST_BYTE_MS, tokensPerSecond: TOKENS_PER_SECOND },
      callerReplyMs: CALLER_REPLY_MS,
    },
    {
      turns: perTurn,
      cpu: cpuFigures(samples, idleCorePct),
      idleCorePct,
      passWallMs,
      allEnded,
      gcWindow: gcWindow as [number, number] | null,
      lag: lagFigures,
      peakMem,
      frames: {
        mediaIn: delta("switchboard_media_frames_total", 'result="in"'),
        mediaShed: delta("switchboard_media_frames_total", 'result="shed"'),
        sttSent: delta("switchboard_stt_frames_total", 'result="sent"'),
        sttShed: delta("switchboard_stt_frames_total", 'result="shed"'),
        eslDropped: delta("switchboard_esl_dropped_events"),
        journalDropped: ["events", "calls", "conversations"].reduce((n, t) => n + delta("switchboard_journal_db_refused_rows", `outcome="dropped",table="${t}"`), 0),
      },
      analyses: {
        done: post1.done - post0.done,
        failed: post1.failed - post0.failed,
        skipped: post1.skipped - post0.skipped,
        passes: probe.analyses,
        queuedOrRunningAtLastEnd: postAtEnd.queued + postAtEnd.running,
        drainMs,
        drained,
        drainCpuMs,
      },
      safety: {
        localCheckMs: probe.localCheckMs,
        moderationMs: probe.moderationMs,
        interventions: counterTotal(metrics1, "switchboard_safety_interventions_total") - counterTotal(metrics0, "switchboard_safety_interventions_total"),
      },
    },
  );
  console.log(`\nwrote ${resolve(path)}`);
} catch (err) {
  console.error("conversations bench failed:", err);
  process.exitCode = 1;
} finally {
  await cleanups.finish();
}
process.exit(process.exitCode ?? 0);

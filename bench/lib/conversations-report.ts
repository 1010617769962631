/**
 * The conversations bench's report: the table it prints, the targets' verdicts
 * and the results file (bench/results/<name>-<date>.json). Pure formatting of
 * figures the bench measured; nothing here measures.
 */
import { cpus, totalmem } from "node:os";
import type { CpuFigures } from "./cpu-window.ts";
import type { TurnFigures } from "./conversation-turns.ts";
import { percentiles, printTable, writeResult } from "./stats.ts";

type Trio = { p50: number; p95: number; p99: number };
const P = (xs: number[]) => percentiles(xs, [50, 95, 99]) as Trio;

export interface ConversationsParameters {
  conversations: number;
  turns: number;
  cps: number;
  tts: "flite" | "openai";
  db: "pglite" | "postgres";
  injected: { sttFinalMs: number; llmTtftMs: number; ttsFirstByteMs: number; tokensPerSecond: number };
  callerReplyMs: number;
}

export interface ConversationsMeasured {
  turns: TurnFigures;
  cpu: CpuFigures;
  idleCorePct: number;
  passWallMs: number;
  allEnded: boolean;
  /** The forced full collection at peak, [start, end] ms. */
  gcWindow: [number, number] | null;
  lag: { p50: number; p99: number; max: number; mean: number } | null;
  /** RSS and heap deltas at peak after a full collection, and live conversations then. */
  peakMem: { rss: number; heap: number; live: number; gcMs: number } | null;
  frames: { mediaIn: number; mediaShed: number; sttSent: number; sttShed: number; eslDropped: number; journalDropped: number };
  analyses: {
    done: number;
    failed: number;
    skipped: number;
    /** Each model pass, from the probe. */
    passes: Array<{ ms: number; ok: boolean }>;
    queuedOrRunningAtLastEnd: number;
    drainMs: number;
    drained: boolean;
    drainCpuMs: number;
  };
  safety: { localCheckMs: number[]; moderationMs: number[]; interventions: number };
}

/** Print the table and the targets' verdicts, write the results file; returns its path. */
export async function reportConversations(name: string, p: ConversationsParameters, r: ConversationsMeasured): Promise<string> {
  const { turns: f, cpu: c, frames: fr, analyses: a, safety: s } = r;
  const N = p.conversations;
  const T = p.turns;
  const tts = p.tts;
  const gw = r.gcWindow;
  const lag = r.lag;
  const pm = r.peakMem;
  const injectedSum = p.injected.sttFinalMs + p.injected.llmTtftMs + (tts === "openai" ? p.injected.ttsFirstByteMs : 0);
  const v2vOver = f.v2v.map((x) => x - injectedSum);
  const stillLive = f.outcomes.get("still live") ?? 0;
  const analysisMs = P(a.passes.filter((x) => x.ok).map((x) => x.ms));
  const localCheckUs = P(s.localCheckMs.map((x) => x * 1000));
  const localCheckTotalMs = s.localCheckMs.reduce((x, y) => x + y, 0);
  const runtimeCpuMsPerConversation = (c.passCpuMs + a.drainCpuMs) / N;
  const rssKiB = pm ? pm.rss / 1024 / pm.live : NaN;
  const heapKiB = pm ? pm.heap / 1024 / pm.live : NaN;
  const shed = fr.mediaShed + fr.sttShed + fr.eslDropped;

  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : "—");
  const trio = (t: Trio) => `${ms(t.p50)} / ${ms(t.p95)} / ${ms(t.p99)}`;
  const pct = (n: number) => (Number.isFinite(n) ? `${n.toFixed(3)} %` : "—");
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  const pShare = P(f.share);
  const pRaw = P(f.shareRaw);
  const pV2v = P(f.v2v);
  const pV2vOver = P(v2vOver);
  const targets = [
    { target: "runtime share p99 ≤ 5 ms", measured: pShare.p99, pass: pShare.p99 <= 5 },
    { target: "CPU ≤ 1 % of a core per live conversation", measured: c.cpuPerConvPct, pass: c.cpuPerConvPct <= 1 },
    { target: "no frame shed", measured: shed, pass: shed === 0 },
  ];
  const rows: Array<Array<string | number>> = [
    ["conversations ended / placed (outcomes)", `${N - stillLive} / ${N} (${[...f.outcomes].map(([k, n]) => `${k} ×${n}`).join(", ")})`, "", ""],
    ["turns answered (caller turns with a reply)", `${f.shareRaw.length + f.gcTurns} of ${f.turnCount} (expected ${N * T})`, "", ""],
    ["peak live conversations / mean in steady state", `${c.peakLive} / ${ms(c.meanLive)} over ${(c.wallMs / 1000).toFixed(1)} s`, "", ""],
    [tts === "openai" ? "runtime share: final → LLM request (TTS render apart) p50/p95/p99 ms" : "runtime share: (final → LLM request) + (sentence complete → TTS cmd, guard incl.) p50/p95/p99 ms", trio(pShare), "≤ 5 ms p99", verdict(targets[0]!.pass)],
    ["  final transcript → LLM request made ms", trio(P(f.requestDelay)), "", ""],
    ["  LLM request → first token, as the runtime saw it ms", trio(P(f.serviceSeen)), `injected ${p.injected.llmTtftMs}`, ""],
    ["  final → first TTS command (raw) p50/p95/p99 ms", trio(pRaw), "", ""],
    ["  final → first token mark (the model's first chunk) p50/p95/p99 ms", trio(P(f.llmToFirstToken)), `injected TTFT ${p.injected.llmTtftMs}`, ""],
    ["  first token mark → first sentence (model pacing + guard hold + splitter) ms", trio(P(f.tokenToSentence)), "", ""],
    ["  first sentence → TTS command sent ms", trio(P(f.sentenceToTts)), tts === "openai" ? `holds TTS first byte ${p.injected.ttsFirstByteMs} + render` : "", ""],
    ["  guarded turns: model's first chunk → first sentence complete ms", trio(P(f.rawTokenToSentence)), "the model's pacing, before the guard", ""],
    ["  guarded turns: guard hold, sentence complete → passed on ms", trio(P(f.guardHold)), `${f.guardHold.length} turns`, ""],
    ["voice-to-voice p50/p95/p99 ms", trio(pV2v), `injected ${injectedSum} ms`, ""],
    ["  voice-to-voice − injected sum p50/p95/p99 ms", trio(pV2vOver), "", ""],
    ["  end of speech → final (injected STT 300) ms", trio(P(f.eosToFinal)), "", ""],
    ["  TTS command → switch playing ms", trio(P(f.ttsToPlayback)), "", ""],
    ["runtime event-loop lag at peak p50 / p99 / max ms", lag ? `${ms(lag.p50)} / ${ms(lag.p99)} / ${ms(lag.max)}` : "—", "", ""],
    ["turns left out (in flight across the forced GC at peak)", `${f.gcTurns} (GC ${gw ? ms(gw[1] - gw[0]) : "—"} ms)`, "", ""],
    ["CPU, runtime process, steady state (% of one core)", pct(c.steadyCorePct), "", ""],
    ["CPU per live conversation (% of a core, audio relay incl.)", pct(c.cpuPerConvPct), "≤ 1 %", verdict(targets[1]!.pass)],
    ["  same, less the idle runtime", pct(c.cpuPerConvNetPct), "", ""],
    ["  same, whole pass (CPU ÷ conversation-seconds)", pct(c.passCpuPerConvPct), "", ""],
    ["baseline: idle runtime (% of one core)", pct(r.idleCorePct), "", ""],
    ["baseline: switch sim process per conversation (audio both ways)", pct(c.simPerConvPct), "", ""],
    ["baseline: Deepgram sim process per conversation", pct(c.dgPerConvPct), "", ""],
    ["baseline: OpenAI sim process per conversation", pct(c.oaiPerConvPct), "", ""],
    ["  ratio runtime ÷ switch sim per conversation", Number.isFinite(c.cpuPerConvPct / c.simPerConvPct) ? `${(c.cpuPerConvPct / c.simPerConvPct).toFixed(2)}×` : "—", "", ""],
    ["memory per conversation: RSS / heap KiB (full GC, at peak)", pm ? `${rssKiB.toFixed(1)} / ${heapKiB.toFixed(1)} (at ${pm.live} live)` : "— (N never live at once)", "", ""],
    ["caller-audio frames in / shed (media server)", `${fr.mediaIn} / ${fr.mediaShed}`, "0 shed", ""],
    ["STT frames sent / shed", `${fr.sttSent} / ${fr.sttShed}`, "0 shed", ""],
    ["ESL events shed", String(fr.eslDropped), "0", verdict(targets[2]!.pass)],
    ["journal rows the database refused and dropped", String(fr.journalDropped), "0", ""],
    ["post-call analyses done / failed / skipped", `${a.done} / ${a.failed} / ${a.skipped} of ${N}`, `${N} done`, ""],
    ["  analysis model pass p50/p95/p99 ms", trio(analysisMs), "", ""],
    ["  queued+running at the last end; drain to idle ms; runtime CPU ms in it", `${a.queuedOrRunningAtLastEnd}; ${ms(a.drainMs)}${a.drained ? "" : " (not idle)"}; ${ms(a.drainCpuMs)}`, "", ""],
    ["safety local checks (caller turns, reply sentences) / per turn", `${s.localCheckMs.length} / ${ms(s.localCheckMs.length / Math.max(1, f.turnCount))}`, "", ""],
    ["  local check p50/p95/p99 µs", trio(localCheckUs), "", ""],
    ["  local checks' total time over the pass ms", ms(localCheckTotalMs), "", ""],
    ["  moderation requests / interventions", `${s.moderationMs.length} / ${s.interventions}`, "", ""],
    ["runtime CPU per conversation, whole pass + analysis drain (CPU-ms)", ms(runtimeCpuMsPerConversation), "", ""],
  ];
  printTable(
    `Conversations: ${N} × ${T} turns at ${p.cps} CPS, TTS ${tts}, ${p.db}; bun ${Bun.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    ["figure", "measured", "target / reference", "verdict"],
    rows,
  );
  console.log(`\n${targets.filter((t) => t.pass).length}/${targets.length} targets met: ${targets.map((t) => `${t.target} ${verdict(t.pass)}`).join("; ")}`);
  if (!r.allEnded) console.log(`note: ${stillLive} conversations had not ended by the deadline`);

  return writeResult(name, {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryMiB: Math.round(totalmem() / 2 ** 20), platform: process.platform, arch: process.arch, bun: Bun.version },
    parameters: {
      conversations: N,
      turns: T,
      cps: p.cps,
      tts,
      db: p.db,
      injected: { ...p.injected, ttsFirstByteMs: tts === "openai" ? p.injected.ttsFirstByteMs : null },
      callerReplyMs: p.callerReplyMs,
      simTimeScale: 1,
      processes: "runtime in the bench process; switch simulator, simulated Deepgram, simulated OpenAI each in its own process",
    },
    completed: { ended: N - stillLive, outcomes: Object.fromEntries(f.outcomes), turns: f.turnCount, turnsAnswered: f.shareRaw.length + f.gcTurns, allEnded: r.allEnded },
    passWallMs: r.passWallMs,
    runtimeShareMs: pShare,
    runtimeShareSamples: f.share.length,
    guardedTurns: f.guardHold.length,
    guardHoldMs: P(f.guardHold),
    modelFirstChunkToFirstSentenceMs: P(f.rawTokenToSentence),
    finalToLlmRequestMs: P(f.requestDelay),
    llmRequestToFirstTokenSeenMs: P(f.serviceSeen),
    eventLoopLagAtPeakMs: lag,
    turnsLeftOutAcrossForcedGc: f.gcTurns,
    forcedGcMs: gw ? gw[1] - gw[0] : null,
    finalToTtsCommandMs: pRaw,
    finalToFirstTokenMs: P(f.llmToFirstToken),
    firstTokenToFirstSentenceMs: P(f.tokenToSentence),
    firstSentenceToTtsCommandMs: P(f.sentenceToTts),
    voiceToVoiceMs: pV2v,
    voiceToVoiceMinusInjectedMs: pV2vOver,
    injectedSumMs: injectedSum,
    endOfSpeechToFinalMs: P(f.eosToFinal),
    ttsCommandToPlaybackMs: P(f.ttsToPlayback),
    cpu: {
      peakLive: c.peakLive,
      steadyState: { wallMs: c.wallMs, meanLive: c.meanLive, runtimeCorePct: c.steadyCorePct, perLiveConversationPct: c.cpuPerConvPct, perLiveConversationLessIdlePct: c.cpuPerConvNetPct },
      wholePassPerConversationPct: c.passCpuPerConvPct,
      baseline: { idleRuntimeCorePct: r.idleCorePct, switchSimPerConversationPct: c.simPerConvPct, deepgramSimPerConversationPct: c.dgPerConvPct, openaiSimPerConversationPct: c.oaiPerConvPct },
    },
    memory: pm && { rssDeltaBytes: pm.rss, heapDeltaBytes: pm.heap, live: pm.live, rssKiBPerConversation: rssKiB, heapKiBPerConversation: heapKiB },
    frames: { mediaIn: fr.mediaIn, mediaShed: fr.mediaShed, sttSent: fr.sttSent, sttShed: fr.sttShed, eslEventsShed: fr.eslDropped },
    journalRowsDropped: fr.journalDropped,
    postCallAnalysis: {
      done: a.done,
      failed: a.failed,
      skipped: a.skipped,
      requests: a.passes.length,
      requestsFailed: a.passes.filter((x) => !x.ok).length,
      modelPassMs: analysisMs,
      queuedOrRunningAtLastEnd: a.queuedOrRunningAtLastEnd,
      drainMs: a.drainMs,
      drained: a.drained,
      drainRuntimeCpuMs: a.drainCpuMs,
    },
    safety: {
      localChecks: s.localCheckMs.length,
      localChecksPerTurn: s.localCheckMs.length / Math.max(1, f.turnCount),
      localCheckUs,
      localCheckTotalMs,
      moderationRequests: s.moderationMs.length,
      interventions: s.interventions,
    },
    runtimeCpuMsPerConversationWithAnalysis: runtimeCpuMsPerConversation,
    targets,
  });
}

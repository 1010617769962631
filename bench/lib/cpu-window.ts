/**
 * CPU per live conversation from the conversations bench's samples (every
 * 250 ms: this process's CPU, the simulated world's processes' CPU, live
 * conversations). The steady state is every interval with live ≥ 90 % of the
 * peak at both ends; CPU there ÷ conversation-seconds there is the
 * per-conversation figure, % of one core. The interval holding the one
 * forced full collection at peak (marked gc) is left out of every figure.
 */
export interface CpuSample {
  t: number;
  /** This process's user + system CPU, ms. */
  cpuMs: number;
  simCpuS: number;
  dgCpuS: number;
  oaiCpuS: number;
  live: number;
  /** Taken right after the forced full collection: the interval ending here is left out. */
  gc: boolean;
}

export interface CpuFigures {
  peakLive: number;
  /** Steady-state wall time and mean live conversations over it. */
  wallMs: number;
  meanLive: number;
  /** The runtime process's CPU in the steady state, % of one core. */
  steadyCorePct: number;
  cpuPerConvPct: number;
  /** Same, less the idle runtime's CPU over the same wall time. */
  cpuPerConvNetPct: number;
  /** The whole pass: CPU ÷ conversation-seconds. */
  passCpuPerConvPct: number;
  /** The whole pass's runtime CPU, ms. */
  passCpuMs: number;
  simPerConvPct: number;
  dgPerConvPct: number;
  oaiPerConvPct: number;
}

export function cpuFigures(samples: CpuSample[], idleCorePct: number): CpuFigures {
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
  const perConvPct = (cpuMsTotal: number) => (liveMs > 0 ? (cpuMsTotal / liveMs) * 100 : NaN);
  return {
    peakLive,
    wallMs,
    meanLive: wallMs > 0 ? liveMs / wallMs : NaN,
    steadyCorePct: wallMs > 0 ? (cpuMs / wallMs) * 100 : NaN,
    cpuPerConvPct: perConvPct(cpuMs),
    cpuPerConvNetPct: liveMs > 0 ? ((cpuMs - (idleCorePct / 100) * wallMs) / liveMs) * 100 : NaN,
    passCpuPerConvPct: passLiveMs > 0 ? (passCpuMs / passLiveMs) * 100 : NaN,
    passCpuMs,
    simPerConvPct: perConvPct(simS * 1000),
    dgPerConvPct: perConvPct(dgS * 1000),
    oaiPerConvPct: perConvPct(oaiS * 1000),
  };
}

/**
 * Per-call timestamps (performance.now(), one process) of the moments both
 * bench passes measure, and the figures computed from them the same way for
 * the runtime and for the bare baseline:
 *
 *   request      the client sent the request (baseline: = originate written)
 *   originate    the originate's bytes were written to the ESL socket
 *   answer       CHANNEL_ANSWER's frame was parsed (guarded parser's stamp)
 *   gather       play_and_get_digits written; its Application-UUID
 *   gatherDone   that app's CHANNEL_EXECUTE_COMPLETE frame parsed
 *   hangup       uuid_kill written
 *   ended        CHANNEL_HANGUP_COMPLETE frame parsed
 */
export interface CallTimes {
  request?: number;
  originate?: number;
  answer?: number;
  gather?: number;
  gatherApp?: string;
  gatherDone?: number;
  hangup?: number;
  ended?: number;
  /** Diagnostics (runtime only): when CHANNEL_ANSWER / the gather's CHANNEL_EXECUTE_COMPLETE reached the router. */
  answerRouted?: number;
  executeCompleteRouted?: number;
}

export interface TimelineFigures {
  /** Event frame parsed → the command it triggered written (answer→play_and_get_digits, execute_complete→uuid_kill). */
  eventToCommandMs: number[];
  /** Request sent → originate written. */
  requestToOriginateMs: number[];
  /** Request sent (baseline: originate written) → CHANNEL_ANSWER parsed. */
  setupMs: number[];
  /** Calls that reached CHANNEL_HANGUP_COMPLETE after our uuid_kill. */
  completed: number;
  /** Most calls answered and not yet hung up at one moment. */
  peakUp: number;
  /** Originates written per second, first to last. */
  originateCps: number;
  /** Of eventToCommandMs: frame parsed → event at the router (queue + decode), and router → command written. */
  eventToRouterMs: number[];
  routerToCommandMs: number[];
}

export class CallTimeline {
  readonly calls = new Map<string, CallTimes>();

  at(uuid: string): CallTimes {
    let t = this.calls.get(uuid);
    if (!t) this.calls.set(uuid, (t = {}));
    return t;
  }

  /** Calls answered and not yet ended right now. */
  upNow(): number {
    let n = 0;
    for (const t of this.calls.values()) if (t.answer !== undefined && t.ended === undefined) n++;
    return n;
  }

  figures(): TimelineFigures {
    const f: TimelineFigures = { eventToCommandMs: [], requestToOriginateMs: [], setupMs: [], completed: 0, peakUp: 0, originateCps: 0, eventToRouterMs: [], routerToCommandMs: [] };
    const edges: Array<[number, number]> = [];
    let first = Infinity;
    let last = -Infinity;
    let originates = 0;
    for (const t of this.calls.values()) {
      if (t.request !== undefined && t.originate !== undefined) f.requestToOriginateMs.push(t.originate - t.request);
      if (t.originate !== undefined) {
        originates++;
        first = Math.min(first, t.originate);
        last = Math.max(last, t.originate);
      }
      if (t.answer !== undefined && (t.request ?? t.originate) !== undefined) f.setupMs.push(t.answer - (t.request ?? t.originate)!);
      if (t.answer !== undefined && t.gather !== undefined) f.eventToCommandMs.push(t.gather - t.answer);
      if (t.gatherDone !== undefined && t.hangup !== undefined) f.eventToCommandMs.push(t.hangup - t.gatherDone);
      if (t.answer !== undefined && t.gather !== undefined && t.answerRouted !== undefined) {
        f.eventToRouterMs.push(t.answerRouted - t.answer);
        f.routerToCommandMs.push(t.gather - t.answerRouted);
      }
      if (t.gatherDone !== undefined && t.hangup !== undefined && t.executeCompleteRouted !== undefined) {
        f.eventToRouterMs.push(t.executeCompleteRouted - t.gatherDone);
        f.routerToCommandMs.push(t.hangup - t.executeCompleteRouted);
      }
      if (t.hangup !== undefined && t.ended !== undefined) f.completed++;
      if (t.answer !== undefined) {
        edges.push([t.answer, 1]);
        if (t.ended !== undefined) edges.push([t.ended, -1]);
      }
    }
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let up = 0;
    for (const [, d] of edges) f.peakUp = Math.max(f.peakUp, (up += d));
    f.originateCps = originates > 1 ? ((originates - 1) * 1000) / (last - first) : 0;
    return f;
  }
}

/**
 * Reactive far ends: a caller's (or an answered callee's) scenario `turns`,
 * run against what the bot says on the channel. The simulator knows when the
 * bot speaks (speak, playback — channel-media.ts), so a turn can wait for the
 * bot to stop, for its words to match a pattern, or cut into its speech.
 * See TurnSchema in scenario.ts for the format.
 */

import { hangupChannel, receiveDtmf } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { type BotUtterance, endOf, epochMs, farEndSays, simMedia } from "./channel-media.ts";
import type { DtmfPressSpec, SpeechSegment, TurnSpec } from "./scenario.ts";
import type { SwitchCore } from "./switch-core.ts";

/** What a turn-by-turn log entry says happened. */
export interface TurnEvent {
  turn: number;
  /** armed: waiting for its trigger; started: doing its thing; done: over. */
  phase: "armed" | "started" | "done";
  at: number;
}

/** A timer on the switch's clock (scaled), cleared with the channel. */
function scaledTimer(core: SwitchCore, ch: Channel, ms: number, fn: () => void): () => void {
  const t = core.after(ms, fn, ch);
  return () => {
    clearTimeout(t);
    ch.timers.delete(t);
  };
}

/** A timer on the audio's clock (real ms, whatever timeScale says), cleared with the channel. */
function realTimer(ch: Channel, ms: number, fn: () => void): () => void {
  const t = setTimeout(() => {
    ch.timers.delete(t);
    fn();
  }, Math.max(0, ms));
  ch.timers.add(t);
  return () => {
    clearTimeout(t);
    ch.timers.delete(t);
  };
}

/** Per-channel turn logs, for tests (conversationLog). */
const turnLogs = new WeakMap<SwitchCore, Map<string, TurnEvent[]>>();

export function turnLog(core: SwitchCore, uuid: string): TurnEvent[] {
  return turnLogs.get(core)?.get(uuid) ?? [];
}

function logTurn(core: SwitchCore, ch: Channel, turn: number, phase: TurnEvent["phase"]): void {
  let byUuid = turnLogs.get(core);
  if (!byUuid) turnLogs.set(core, (byUuid = new Map()));
  let log = byUuid.get(ch.uuid);
  if (!log) {
    byUuid.set(ch.uuid, (log = []));
    // Keep logs of ended calls for a while, bounded.
    if (byUuid.size > 5000) byUuid.delete(byUuid.keys().next().value!);
  }
  log.push({ turn, phase, at: epochMs(performance.now()) });
}

/**
 * The far end's fixed script (speech / dtmf at offsets from answer) and its
 * reactive turns, started when the call is answered.
 */
export function startFarEnd(
  core: SwitchCore,
  ch: Channel,
  party: "caller" | "callee",
  script: { dtmf: DtmfPressSpec[]; speech: SpeechSegment[]; turns?: TurnSpec[] },
): void {
  const interval = core.scenario.timing.dtmfIntervalMs;
  for (const press of script.dtmf) {
    const gap = press.intervalMs ?? interval;
    [...press.digits].forEach((digit, i) => {
      core.after(press.atMs + i * gap, () => receiveDtmf(core, ch, digit.toUpperCase()), ch);
    });
  }
  for (const segment of script.speech) {
    core.after(
      segment.atMs,
      () => {
        if (ch.isUp) farEndSays(core, ch, party, segment.text, segment.durationMs, { segment });
      },
      ch,
    );
  }
  if (script.turns && script.turns.length > 0) runTurns(core, ch, party, script.turns);
}

/** Run the turns one after another for as long as the call is up. */
export function runTurns(core: SwitchCore, ch: Channel, party: "caller" | "callee", turns: readonly TurnSpec[]): void {
  const media = simMedia(core).of(ch);
  const timing = core.scenario.timing;
  const answeredPerf = performance.now();
  /** Cancels whatever the current turn is waiting on. */
  let cancel: Array<() => void> = [];
  let unsubscribe: (() => void) | undefined;

  const clear = () => {
    for (const c of cancel.splice(0)) c();
    unsubscribe?.();
    unsubscribe = undefined;
  };
  ch.hangupHooks.push(clear);

  const arm = (index: number): void => {
    clear();
    if (!ch.isUp || index >= turns.length) return;
    const turn = turns[index]!;
    logTurn(core, ch, index, "armed");
    const start = () => {
      clear();
      if (!ch.isUp) return;
      logTurn(core, ch, index, "started");
      perform(index, turn, () => {
        logTurn(core, ch, index, "done");
        arm(index + 1);
      });
    };

    if (turn.atMs !== undefined) {
      const due = answeredPerf + core.scaled(turn.atMs);
      cancel.push(realTimer(ch, due - performance.now(), start));
      return;
    }
    const pattern = turn.botSays !== undefined ? new RegExp(turn.botSays, "i") : undefined;
    /** The bot's words since the turn was armed (the utterance playing then included). */
    let heard = "";
    let matched = pattern === undefined;
    const hear = (u: BotUtterance) => {
      if (matched) return;
      heard = heard ? `${heard} ${u.text}` : u.text;
      if (pattern!.test(heard) || pattern!.test(u.source)) matched = true;
    };

    if (turn.bargeInMs !== undefined) {
      const bargeIn = core.scaled(turn.bargeInMs);
      const into = (u: BotUtterance) => {
        hear(u);
        if (!matched) return false;
        unsubscribe?.();
        unsubscribe = undefined;
        cancel.push(realTimer(ch, u.startPerf + bargeIn - performance.now(), start));
        return true;
      };
      const current = media.currentBot();
      if (current && into(current)) return;
      unsubscribe = media.onBotSpeech((event, u) => {
        if (event === "start") into(u);
      });
      return;
    }

    // afterBotMs (or the default reply delay): the bot stopped and stayed silent this long.
    const delay = core.scaled(turn.afterBotMs ?? timing.callerReplyMs);
    let waiting: (() => void) | undefined;
    const current = media.currentBot();
    if (current) hear(current);
    unsubscribe = media.onBotSpeech((event, u) => {
      if (event === "start") {
        // The bot spoke again before the caller did: wait for it to stop again.
        waiting?.();
        waiting = undefined;
        hear(u);
        return;
      }
      if (!matched || media.currentBot()) return;
      waiting?.();
      waiting = realTimer(ch, delay, start);
      cancel.push(waiting);
    });
  };

  const perform = (index: number, turn: TurnSpec, done: () => void): void => {
    if (turn.say !== undefined) {
      const duration = turn.durationMs ?? turn.say.length * timing.callerMsPerChar;
      const u = farEndSays(core, ch, party, turn.say, duration, { turn: index });
      if (turn.hangupAfterMs !== undefined && turn.hangupAfterMs < u.durationMs) {
        cancel.push(
          realTimer(ch, turn.hangupAfterMs, () => {
            u.cutPerf = performance.now();
            hangupChannel(core, ch, "NORMAL_CLEARING");
          }),
        );
        return;
      }
      cancel.push(realTimer(ch, endOf(u) - performance.now(), done));
      return;
    }
    if (turn.dtmf !== undefined) {
      const gap = turn.intervalMs ?? timing.dtmfIntervalMs;
      const digits = [...turn.dtmf.toUpperCase()];
      digits.forEach((digit, i) => {
        cancel.push(
          scaledTimer(core, ch, i * gap, () => {
            media.dtmf.push({ digit, atPerf: performance.now(), turn: index });
            receiveDtmf(core, ch, digit);
            if (i === digits.length - 1) done();
          }),
        );
      });
      return;
    }
    if (turn.silent) {
      if (turn.durationMs !== undefined) cancel.push(realTimer(ch, turn.durationMs, done));
      return;
    }
    if (turn.hangup !== undefined) {
      hangupChannel(core, ch, turn.hangup === true ? "NORMAL_CLEARING" : turn.hangup);
    }
  };

  arm(0);
}

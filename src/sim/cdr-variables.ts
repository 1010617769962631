/**
 * The CDR variables FreeSWITCH stamps on a channel as it hangs up
 * (switch_channel_set_timestamps: *_stamp, *_epoch / *_uepoch, duration,
 * billsec and their msec/usec forms, hangup_cause_q850, caller_id) before
 * CHANNEL_HANGUP_COMPLETE. A table of derived values rather than call flow,
 * so it lives apart from the hangup sequence in call-flow.ts.
 */

import type { Channel } from "./channel.ts";
import { q850For } from "./hangup-causes.ts";
import { localStamp } from "./switch-core.ts";

function epoch(us: number): number {
  return Math.floor(us / 1_000_000);
}

/** The CDR variables switch_channel_set_timestamps adds before CHANNEL_HANGUP_COMPLETE. */
export function setCdrVariables(ch: Channel, cause: string): void {
  const t = ch.times;
  const end = t.hangup;
  const stamp = (us: number) => localStamp(us / 1000);
  ch.setVar("hangup_cause", cause);
  ch.setVar("hangup_cause_q850", q850For(cause));
  ch.setVar("digits_dialed", "none");
  ch.setVar("start_stamp", stamp(t.created));
  ch.setVar("profile_start_stamp", stamp(t.profileCreated));
  if (t.answered) ch.setVar("answer_stamp", stamp(t.answered));
  if (t.bridged) ch.setVar("bridge_stamp", stamp(t.bridged));
  if (t.progress) ch.setVar("progress_stamp", stamp(t.progress));
  if (t.progressMedia) ch.setVar("progress_media_stamp", stamp(t.progressMedia));
  ch.setVar("end_stamp", stamp(end));
  const pair = (name: string, us: number) => {
    ch.setVar(`${name}_epoch`, epoch(us));
    ch.setVar(`${name}_uepoch`, us);
  };
  pair("start", t.created);
  pair("profile_start", t.profileCreated);
  pair("answer", t.answered);
  pair("bridge", t.bridged);
  pair("last_hold", t.lastHold);
  ch.setVar("hold_accum_seconds", 0);
  ch.setVar("hold_accum_usec", 0);
  ch.setVar("hold_accum_ms", 0);
  pair("resurrect", t.resurrect);
  pair("progress", t.progress);
  pair("progress_media", t.progressMedia);
  pair("end", end);
  if (ch.lastApp) {
    ch.setVar("last_app", ch.lastApp.name);
    if (ch.lastApp.arg) ch.setVar("last_arg", ch.lastApp.arg);
  }
  const p = ch.profile;
  ch.setVar("caller_id", p.callerIdName ? `"${p.callerIdName}" <${p.callerIdNumber}>` : p.callerIdNumber);
  const since = (us: number) => (us ? us - t.created : 0);
  const secs = (us: number) => (us ? epoch(us) - epoch(t.created) : 0);
  const usec = {
    duration: end - t.created,
    bill: t.answered ? end - t.answered : 0,
    progress: since(t.progress),
    answer: since(t.answered),
    wait: since(t.bridged),
    progress_media: since(t.progressMedia),
    flow_bill: t.answered ? end - t.created : 0,
  };
  ch.setVar("duration", epoch(end) - epoch(t.created));
  ch.setVar("billsec", t.answered ? epoch(end) - epoch(t.answered) : 0);
  ch.setVar("progresssec", secs(t.progress));
  ch.setVar("answersec", secs(t.answered));
  ch.setVar("waitsec", secs(t.bridged));
  ch.setVar("progress_mediasec", secs(t.progressMedia));
  ch.setVar("flow_billsec", t.answered ? epoch(end) - epoch(t.created) : 0);
  ch.setVar("mduration", Math.floor(usec.duration / 1000));
  ch.setVar("billmsec", Math.floor(usec.bill / 1000));
  ch.setVar("progressmsec", Math.floor(usec.progress / 1000));
  ch.setVar("answermsec", Math.floor(usec.answer / 1000));
  ch.setVar("waitmsec", Math.floor(usec.wait / 1000));
  ch.setVar("progress_mediamsec", Math.floor(usec.progress_media / 1000));
  ch.setVar("flow_billmsec", Math.floor(usec.flow_bill / 1000));
  ch.setVar("uduration", usec.duration);
  ch.setVar("billusec", usec.bill);
  ch.setVar("progressusec", usec.progress);
  ch.setVar("answerusec", usec.answer);
  ch.setVar("waitusec", usec.wait);
  ch.setVar("progress_mediausec", usec.progress_media);
  ch.setVar("flow_billusec", usec.flow_bill);
}

/**
 * play_and_get_digits: DTMF collection with prompts, tries, terminators,
 * digit timeouts and a validating regexp (switch_play_and_get_digits /
 * switch_ivr_read). The largest single application the simulator runs, so it
 * owns its own file; it plays its prompts through playback-apps.ts.
 */

import type { ApplicationImpl } from "./applications.ts";
import { splitArgs } from "./dial-string.ts";
import { openMedia } from "./media-files.ts";
import { channelTimer, type PlaybackHandle, startPlayback } from "./playback-apps.ts";

/**
 * play_and_get_digits <min> <max> <tries> <timeout ms> <terminators> <file>
 * <invalid_file> <var_name> <regexp> <digit_timeout ms> (mod_dptools,
 * switch_play_and_get_digits / switch_ivr_read in switch_ivr_play_say.c).
 * Each try clears <var_name>, plays the prompt (a digit cuts it short) and
 * collects the far end's DTMF; valid digits go into <var_name>. A try that
 * fails plays <invalid_file>. A prompt that cannot be opened (missing, or
 * its format's module not loaded) ends the try at once with no digits
 * collected, so the app returns after the invalid-file plays with <var_name>
 * and read_result unset (a try that collected sets read_result to success,
 * timeout, or failure for fewer than <min> digits). Application-Response
 * stays _none_.
 */
export const playAndGetDigits: ApplicationImpl = {
  run(ctx) {
    const { core, ch } = ctx;
    // switch_separate_string: a quoted '…' field (e.g. a tts:// prompt) may hold spaces.
    const argv = splitArgs(ctx.arg.trim());
    if (argv.length === 0) {
      ctx.done(); // "No arguments specified."
      return;
    }
    const num = (i: number, fallback: number) => {
      const n = Number.parseInt(argv[i] ?? "", 10);
      return Number.isFinite(n) ? n : fallback;
    };
    const min = Math.max(0, num(0, 0));
    const max = Math.max(min, num(1, 0), 1);
    // A negative try count never runs out (while (max_tries) … max_tries--).
    const triesArg = num(2, 0);
    const tries = triesArg < 0 ? Number.POSITIVE_INFINITY : triesArg;
    const timeoutMs = Math.max(1000, num(3, 1000));
    const terminators = argv[4] === "none" ? "" : argv[4] || "#";
    const file = argv[5] ?? "";
    const invalidFile = argv[6] ?? "";
    const varName = argv[7] ?? "";
    const regexp = argv[8];
    const digitTimeoutMs = num(9, 0) || Math.min(timeoutMs, core.scenario.timing.digitTimeoutMs);
    let attempt = 0;
    let digits = "";
    let terminator = "";
    let prompt: PlaybackHandle | undefined;
    let cancelWait: (() => void) | undefined;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      cancelWait?.();
      ch.dtmfWaiter = undefined;
      ctx.done();
    };
    const regexOk = () => {
      if (!regexp) return true;
      try {
        return new RegExp(regexp).test(digits);
      } catch {
        return true;
      }
    };
    /** A failed try: the invalid-input file plays (digits do not cut it short), then the next try or the end. */
    const failTry = () => {
      const next = () => {
        if (finished || !ch.isUp) return;
        if (attempt >= tries) finish();
        else startAttempt();
      };
      const media = invalidFile ? openMedia(core, ch, invalidFile) : undefined;
      if (!media?.found) {
        next();
        return;
      }
      prompt = startPlayback(core, ch, media, (reason) => {
        prompt = undefined;
        if (reason !== "hangup") next();
      });
    };
    /** Collection is over: by a terminator or max digits (SWITCH_STATUS_SUCCESS), or by a timeout. */
    const endAttempt = (timedOut: boolean) => {
      cancelWait?.();
      cancelWait = undefined;
      ch.dtmfWaiter = undefined;
      if (terminator) ch.setVar("read_terminator_used", terminator);
      // switch_ivr_read: fewer than min digits is TOO_SMALL → "failure".
      ch.setVar("read_result", min > 0 && digits.length < min ? "failure" : timedOut ? "timeout" : "success");
      // switch_ivr_read stores whatever it collected; only a regexp mismatch clears it again.
      if (varName && digits) ch.setVar(varName, digits);
      // min 0 and only a terminator pressed: success with no digits.
      if (min === 0 && digits === "" && terminator) {
        finish();
        return;
      }
      if (digits.length > 0 && digits.length >= min) {
        if (regexOk()) {
          finish();
          return;
        }
        if (varName) {
          ch.unsetVar(varName);
          ch.setVar(`${varName}_invalid`, digits);
        }
      }
      failTry();
    };
    /** Consume buffered digits; true when the try is over (max digits or a terminator). */
    const consume = (): boolean => {
      while (ch.dtmfBuffer.length > 0) {
        const d = ch.dtmfBuffer[0]!;
        ch.dtmfBuffer = ch.dtmfBuffer.slice(1);
        if (terminators.includes(d)) {
          terminator = d;
          return true;
        }
        digits += d;
        if (digits.length >= max) return true;
      }
      return false;
    };
    const collect = () => {
      if (finished) return;
      if (consume()) {
        endAttempt(false);
        return;
      }
      cancelWait?.();
      cancelWait = channelTimer(core, ch, digits.length === 0 ? timeoutMs : digitTimeoutMs, () => endAttempt(true));
      ch.dtmfWaiter = () => collect();
    };
    const startAttempt = () => {
      attempt++;
      digits = "";
      terminator = "";
      // switch_ivr_read clears read_result and the variable before it reads; a prompt that
      // does not open returns before read_result is set again, so it stays unset.
      ch.unsetVar("read_result");
      if (varName) ch.unsetVar(varName);
      if (!file || file.toLowerCase() === "silence") {
        collect();
        return;
      }
      const media = openMedia(core, ch, file);
      if (!media.found) {
        // switch_ivr_play_file: SWITCH_STATUS_NOTFOUND; switch_ivr_read returns before collecting.
        failTry();
        return;
      }
      if (ch.dtmfBuffer.length > 0) {
        collect();
        return;
      }
      prompt = startPlayback(core, ch, media, (reason) => {
        prompt = undefined;
        if (reason !== "hangup") collect();
      });
      // A digit during the prompt stops it (input callback returns BREAK).
      ch.dtmfWaiter = () => prompt?.stop("break");
    };
    ctx.onInterrupt((reason) => {
      const p = prompt;
      prompt = undefined;
      finished = true;
      cancelWait?.();
      ch.dtmfWaiter = undefined;
      p?.stop(reason === "hangup" ? "hangup" : "break");
      ctx.done();
    });
    if (varName && regexp) ch.unsetVar(`${varName}_invalid`);
    if (tries === 0) {
      finish();
      return;
    }
    startAttempt();
  },
};

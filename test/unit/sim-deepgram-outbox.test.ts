/** The simulated Deepgram's outbox: messages in the order they were made, finals never queued behind stale interims. */
import { expect, test } from "bun:test";
import { Outbox } from "../../src/sim/deepgram/outbox.ts";

function recorder() {
  const sent: string[] = [];
  return { sent, outbox: new Outbox((text) => sent.push(text)) };
}

test("a message never overtakes an earlier one, even when due sooner", async () => {
  const { sent, outbox } = recorder();
  const now = performance.now();
  outbox.push("Results", "slow", now + 30);
  outbox.push("SpeechStarted", "quick", now + 1);
  await Bun.sleep(10);
  expect(sent).toEqual([]);
  await Bun.sleep(40);
  expect(sent).toEqual(["slow", "quick"]);
});

test("a final drops the interims still waiting and does not wait for them", async () => {
  const { sent, outbox } = recorder();
  const now = performance.now();
  outbox.push("Results", "interim 1", now + 200, true);
  outbox.push("UtteranceEnd", "kept", now + 1);
  outbox.push("Results", "interim 2", now + 200, true);
  outbox.dropInterims();
  outbox.push("Results", "final", now + 5);
  let drained = false;
  outbox.whenDrained(() => (drained = true));
  await Bun.sleep(40);
  expect(sent).toEqual(["kept", "final"]);
  expect(drained).toBe(true);
});

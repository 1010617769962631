/**
 * A warm transfer's legs: the conversation's `warmTransfer` actor
 * (machines/conversation.ts, state transferring.holding) as the runtime runs it.
 *
 *  1. The caller (leg A, parked in its conversation) hears HOLD_AUDIO: a
 *     `play` through its call's state gate, looping until broken.
 *  2. The agent's leg B is a call actor of its own (its CDR, its journal),
 *     placed like POST /v1/calls does (the outbound limit applies) with
 *     originate_timeout = the target's ring timeout, the caller's number as
 *     caller ID, and A as its parent (GET /v1/actors shows the pair). Its
 *     script is one `say`: "Transferring a caller: <summary>".
 *  3. B answered and its say finished (back to idle): the actor resolves
 *     `answered`; the conversation stops the caller-audio stream and asks A
 *     for `bridge_call` (uuid_bridge A B), which breaks the hold audio first.
 *  4. B ended before that (NO_ANSWER at originate_timeout, USER_BUSY, a
 *     failure), or could not be placed: the hold audio is broken and the
 *     actor resolves `unanswered` with the cause; the conversation takes the
 *     caller back and offers to take a message.
 *  5. The conversation left the state first (the caller hung up, its time
 *     ran out): the actor is stopped, its signal aborts, and B is hung up
 *     (cancelled while it rings), so no leg is left behind.
 *  6. After `answered` nobody drives A any more (the conversation is over):
 *     if the bridge does not happen (B hung up in between, uuid_bridge
 *     answered -ERR), A is hung up rather than left parked in silence.
 *
 * The caller-audio stream keeps running while A holds (the conversation
 * ignores what it hears then): a transfer nobody answers resumes the
 * conversation at once, with the recogniser already listening.
 */
import { randomUUID } from "node:crypto";
import { fromPromise } from "xstate";
import type { CallSnapshot } from "../../machines/call.ts";
import type { WarmTransferActorInput, WarmTransferActorOutput } from "../../machines/conversation.ts";
import { childLog } from "../log.ts";
import type { ActorHost } from "./actor-host.ts";
import type { PlaceCallRequest } from "./call-runtime.ts";

const log = childLog({ mod: "runtime.warm-transfer" });

/** Beyond the ring timeout, how long the agent may take to hear the summary before the caller is taken back. */
export const SUMMARY_GRACE_MS = 30_000;
/** How long the bridge may take once asked for before the caller, left with nobody, is hung up. */
export const BRIDGE_GRACE_MS = 10_000;

export interface WarmTransferDeps {
  host: Pick<ActorHost, "get" | "command" | "journal">;
  /** Places the agent's leg (CallRuntime.place): its limits and metrics apply; it throws a RuntimeRefusal when refused. */
  place(request: PlaceCallRequest): unknown;
  /** HOLD_AUDIO: any playback file or stream; it should play until broken (loops=-1). */
  holdAudio: string;
}

/**
 * The caller's number as the agent's caller ID. It came from the
 * caller's own signalling (a SIP From), so anything beyond a plain number or
 * user part — which the encoder would rightly refuse inside originate's
 * `{…}`, failing the agent's leg — is not passed on: the agent's phone shows
 * "anonymous" (a withheld caller ID) instead, and the transfer still rings.
 */
export function agentCallerId(from: string | null | undefined): string {
  return from && /^\+?[0-9A-Za-z._*#-]{1,64}$/.test(from) ? from : "anonymous";
}

/** What the agent hears before the caller is put through. */
export function agentAnnouncement(summary: string): string {
  return `Transferring a caller: ${summary}`;
}

/** The agent has answered and heard the whole summary: their call is idle again with its script done. */
export function agentReady(snapshot: CallSnapshot): boolean {
  const c = snapshot.context;
  return snapshot.status === "active" && c.answeredAt !== null && c.scriptIndex >= c.script.length && c.activity === "idle" && c.pending === null;
}

/** Why the agent's call ended without taking the caller: its hangup cause, else its error. */
function whyUnanswered(snapshot: CallSnapshot): string {
  const c = snapshot.context;
  return c.hangupCause ?? c.error ?? "the agent's call ended";
}

/** The `warmTransfer` actor the conversation machine invokes (provided by the conversation kind). */
export function createWarmTransferActor(deps: WarmTransferDeps) {
  return fromPromise<WarmTransferActorOutput, WarmTransferActorInput>(({ input, signal }) => runWarmTransfer(deps, input, signal));
}

export function runWarmTransfer(deps: WarmTransferDeps, input: WarmTransferActorInput, signal: AbortSignal): Promise<WarmTransferActorOutput> {
  const { host } = deps;
  const callId = input.callId;
  const caller = host.get(callId);
  if (!caller) return Promise.resolve({ outcome: "unanswered", reason: "the caller's call has ended" });
  const callerNumber = (caller.actor.getSnapshot() as CallSnapshot).context.from;

  // 1. Hold audio; a refusal (the call is not in a state to play) only means silence while it rings.
  const holdId = `${callId}:hold:${randomUUID()}`;
  const held = host.command(callId, { type: "play", at: Date.now(), url: deps.holdAudio, applicationUuid: holdId }, { from: input.conversationId });
  if (held.outcome !== "accepted") log.warn({ callId, outcome: held.outcome }, "hold audio not played; the caller waits in silence");
  const stopHold = () => {
    if (held.outcome === "accepted") host.command(callId, { type: "break", at: Date.now() }, { from: input.conversationId });
  };

  // 2. The agent's leg.
  const agentCallId = randomUUID();
  try {
    deps.place({
      callId: agentCallId,
      to: input.to,
      dialString: input.to,
      from: agentCallerId(callerNumber),
      timeoutSec: input.ringTimeoutS,
      script: [{ type: "say", text: agentAnnouncement(input.summary) }],
      dryRun: false,
      parentId: callId,
    });
  } catch (err) {
    stopHold();
    const reason = `the agent's call could not be placed: ${(err as Error).message}`;
    host.journal(callId, "error", "WARM_TRANSFER_FAILED", { to: input.to, reason });
    return Promise.resolve({ outcome: "unanswered", reason });
  }
  host.journal(callId, "event", "WARM_TRANSFER_RINGING", { agent_call_id: agentCallId, to: input.to, ring_timeout_s: input.ringTimeoutS });

  // 3.–5. Watch the agent's call until it is ready, ends, or we are stopped.
  return new Promise<WarmTransferActorOutput>((resolve) => {
    const agent = host.get(agentCallId);
    let settled = false;
    /** Ends the watch (once): false when it had ended already. */
    const stopWatching = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(giveUp);
      subscription?.unsubscribe();
      signal.removeEventListener("abort", onAbort);
      return true;
    };
    const settle = (output: WarmTransferActorOutput) => {
      if (!stopWatching()) return;
      if (output.outcome === "answered") {
        host.journal(callId, "event", "WARM_TRANSFER_ANSWERED", { agent_call_id: agentCallId });
        watchBridge(deps, callId, agentCallId, input.conversationId);
      } else {
        stopHold();
        hangUpAgent("the warm transfer was given up");
        host.journal(callId, "event", "WARM_TRANSFER_UNANSWERED", { agent_call_id: agentCallId, reason: output.reason });
      }
      resolve(output);
    };
    const hangUpAgent = (reason: string) => {
      // Refused or not found: the agent's call is ending or gone already.
      host.command(agentCallId, { type: "hangup", at: Date.now(), reason }, { from: input.conversationId });
    };
    const check = (snapshot: CallSnapshot) => {
      if (agentReady(snapshot)) settle({ outcome: "answered", agentCallId });
      else if (snapshot.status !== "active") settle({ outcome: "unanswered", reason: whyUnanswered(snapshot) });
    };
    // The conversation no longer wants the transfer (the caller hung up): nobody is left ringing.
    const onAbort = () => {
      if (!stopWatching()) return;
      hangUpAgent("the caller left during the warm transfer");
      host.journal(callId, "event", "WARM_TRANSFER_CANCELLED", { agent_call_id: agentCallId });
    };
    // The call's own ring timer ends an unanswered leg; this only guards a summary that never finishes.
    const giveUp = setTimeout(() => settle({ outcome: "unanswered", reason: "the agent did not take the call in time" }), input.ringTimeoutS * 1000 + SUMMARY_GRACE_MS);
    signal.addEventListener("abort", onAbort, { once: true });
    const subscription = agent?.actor.subscribe({
      next: (snapshot) => check(snapshot as CallSnapshot),
      error: () => settle({ outcome: "unanswered", reason: "the agent's call failed" }),
    });
    if (!agent) settle({ outcome: "unanswered", reason: "the agent's call ended at once" });
    else if (signal.aborted) onAbort();
    else check(agent.actor.getSnapshot() as CallSnapshot);
  });
}

/**
 * Step 6: the caller's call is bridged to the agent's (CHANNEL_BRIDGE), or it
 * is hung up: the agent's call ended first, the uuid_bridge failed, or the
 * bridge did not come within BRIDGE_GRACE_MS. A caller who hung up meanwhile
 * needs nothing.
 */
export function watchBridge(deps: Pick<WarmTransferDeps, "host">, callId: string, agentCallId: string, from: string): void {
  const { host } = deps;
  const caller = host.get(callId);
  if (!caller) return;
  const errorBefore = (caller.actor.getSnapshot() as CallSnapshot).context.error;
  let done = false;
  const subscriptions: Array<{ unsubscribe(): void }> = [];
  const finish = (failure: string | null) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    for (const s of subscriptions) s.unsubscribe();
    if (failure === null) return;
    host.journal(callId, "error", "WARM_TRANSFER_BRIDGE_FAILED", { agent_call_id: agentCallId, reason: failure });
    log.warn({ callId, agentCallId, reason: failure }, "warm transfer: the caller could not be bridged to the agent; hanging up rather than leaving them in silence");
    host.command(callId, { type: "hangup", at: Date.now(), reason: "NORMAL_TEMPORARY_FAILURE" }, { from });
    host.command(agentCallId, { type: "hangup", at: Date.now(), reason: "NORMAL_CLEARING" }, { from });
  };
  const checkCaller = (snapshot: CallSnapshot) => {
    const c = snapshot.context;
    if (snapshot.status !== "active" || c.bridgedTo === agentCallId) finish(null);
    else if (c.error !== errorBefore && c.error?.startsWith("uuid_bridge")) finish(c.error);
  };
  const timer = setTimeout(() => finish(`no bridge within ${BRIDGE_GRACE_MS} ms`), BRIDGE_GRACE_MS);
  subscriptions.push(caller.actor.subscribe((snapshot) => checkCaller(snapshot as CallSnapshot)));
  const agent = host.get(agentCallId);
  if (!agent) {
    finish("the agent's call ended before the bridge");
    return;
  }
  subscriptions.push(
    agent.actor.subscribe((snapshot) => {
      if ((snapshot as CallSnapshot).status !== "active") finish("the agent's call ended before the bridge");
    }),
  );
  checkCaller(caller.actor.getSnapshot() as CallSnapshot);
}

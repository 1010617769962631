/**
 * The streams the runtime has told us to expect, one entry per call, and the
 * admission decision for an upgrade that claims one.
 *
 * A token is single use and short-lived: the runtime calls expect() just before
 * it sends `uuid_audio_stream … start`, and the switch connects about 20 ms
 * after its `+OK` (mod_audio_stream_esl capture). Spent tokens (used, expired,
 * replaced) are remembered, as digests, for a while after, so a replay is
 * refused *and named* — reused, expired, stale — instead of counted as noise.
 * Time is injected (monotonic ms) so the policy is testable without waiting.
 */
import { digestsEqual, issueStreamToken, tokenDigest } from "./stream-token.ts";
import type { StreamRefusalReason } from "./types.ts";

export interface ExpectedStream<B> {
  callId: string;
  digest: Buffer;
  expiresAt: number;
  /** What the runtime bound to the stream (sink, sample rate, event handler). */
  binding: B;
}

type SpentWhy = "used" | "expired" | "superseded";

interface CallEntry<B> {
  pending: ExpectedStream<B> | null;
  /** Newest last; a few per call are enough to name a replay. */
  spent: Array<{ digest: Buffer; why: SpentWhy }>;
  liveStreams: number;
  /** When the entry last changed; a quiet entry with nothing pending or live is dropped after the tombstone time. */
  touchedAt: number;
}

export type Admission<B> =
  | { ok: true; expected: ExpectedStream<B> }
  /** `expired` is set when this very attempt found the pending token past its time (its call should hear of it). */
  | { ok: false; reason: StreamRefusalReason; expired?: ExpectedStream<B> };

export interface ExpectedStreamsOptions {
  /** How long an issued token stays valid if unused. */
  tokenTtlMs: number;
  /** How long spent tokens are remembered once nothing is pending or live for the call. */
  tombstoneMs: number;
  now: () => number;
}

const MAX_SPENT_PER_CALL = 4;

const SPENT_REASON: Record<SpentWhy, StreamRefusalReason> = {
  used: "reused_token",
  expired: "expired_token",
  superseded: "stale_token",
};

export class ExpectedStreams<B> {
  private readonly entries = new Map<string, CallEntry<B>>();

  constructor(private readonly options: ExpectedStreamsOptions) {}

  /** Expect a stream for the call; a token still pending for it is replaced (and refused from now on). */
  expect(callId: string, binding: B): { token: string; expiresAt: number } {
    const now = this.options.now();
    const entry = this.entry(callId, now);
    if (entry.pending) this.spend(entry, entry.pending.digest, "superseded");
    const token = issueStreamToken();
    const expiresAt = now + this.options.tokenTtlMs;
    entry.pending = { callId, digest: tokenDigest(token), expiresAt, binding };
    entry.touchedAt = now;
    return { token, expiresAt };
  }

  /** Decide an upgrade for `callId` presenting `token`. An admitted token is spent at once (single use). */
  admit(callId: string, token: string | null): Admission<B> {
    const entry = this.entries.get(callId);
    if (!entry) return { ok: false, reason: "unknown_call" };
    if (token === null) return { ok: false, reason: "missing_token" };
    const now = this.options.now();
    const presented = tokenDigest(token);
    const pending = entry.pending;
    if (pending && digestsEqual(presented, pending.digest)) {
      if (now >= pending.expiresAt) {
        this.expirePending(entry);
        entry.touchedAt = now;
        return { ok: false, reason: "expired_token", expired: pending };
      }
      this.spend(entry, pending.digest, "used");
      entry.pending = null;
      entry.touchedAt = now;
      return { ok: true, expected: pending };
    }
    for (const spent of entry.spent) {
      if (digestsEqual(presented, spent.digest)) return { ok: false, reason: SPENT_REASON[spent.why] };
    }
    return { ok: false, reason: "wrong_token" };
  }

  streamOpened(callId: string): void {
    const entry = this.entries.get(callId);
    if (entry) entry.liveStreams++;
  }

  streamClosed(callId: string): void {
    const entry = this.entries.get(callId);
    if (!entry) return;
    entry.liveStreams = Math.max(0, entry.liveStreams - 1);
    entry.touchedAt = this.options.now();
  }

  /** Forget the call: a pending token is dropped, later upgrades are `unknown_call`. */
  release(callId: string): void {
    this.entries.delete(callId);
  }

  /**
   * Expire pending tokens past their time and drop quiet entries. Returns the
   * expectations that expired now, so the caller can tell their calls.
   */
  sweep(): ExpectedStream<B>[] {
    const now = this.options.now();
    const expired: ExpectedStream<B>[] = [];
    for (const [callId, entry] of this.entries) {
      if (entry.pending && now >= entry.pending.expiresAt) {
        expired.push(entry.pending);
        this.expirePending(entry);
        entry.touchedAt = now;
      }
      if (!entry.pending && entry.liveStreams === 0 && now - entry.touchedAt >= this.options.tombstoneMs) {
        this.entries.delete(callId);
      }
    }
    return expired;
  }

  /** The binding of the call's pending (not yet used) expectation. */
  pendingBinding(callId: string): B | undefined {
    return this.entries.get(callId)?.pending?.binding;
  }

  get size(): number {
    return this.entries.size;
  }

  private entry(callId: string, now: number): CallEntry<B> {
    let entry = this.entries.get(callId);
    if (!entry) {
      entry = { pending: null, spent: [], liveStreams: 0, touchedAt: now };
      this.entries.set(callId, entry);
    }
    return entry;
  }

  private expirePending(entry: CallEntry<B>): void {
    if (!entry.pending) return;
    this.spend(entry, entry.pending.digest, "expired");
    entry.pending = null;
  }

  private spend(entry: CallEntry<B>, digest: Buffer, why: SpentWhy): void {
    entry.spent.push({ digest, why });
    if (entry.spent.length > MAX_SPENT_PER_CALL) entry.spent.shift();
  }
}

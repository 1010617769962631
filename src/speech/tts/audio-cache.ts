/**
 * Rendered speech on disk, named by the SHA-256 of what determines the audio
 * (engine, voice, model, text): the same sentence in the same voice is
 * rendered once and played from disk ever after — greetings, reprompts and
 * goodbyes cost one request per deployment, not one per call.
 *
 *  - A hit (the file exists) answers at once, without a request.
 *  - Concurrent requests for one key share one fill; the fill is aborted only
 *    when every caller waiting for it has given up (barge-in).
 *  - A fill writes to `<key>.<ext>.<pid>.<uuid>.part` and renames it into
 *    place when complete: rename is atomic on one filesystem, so a crash or a
 *    failed fetch never leaves a file that looks cached. Stale `.part` files
 *    (older than an hour) are swept when the cache is first used.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

export interface AudioCacheStats {
  /** Served from disk, no request. */
  hits: number;
  /** Fills started (one request each). */
  misses: number;
  /** Callers that waited on a fill another caller had started. */
  joined: number;
  /** Fills that failed or were aborted (nothing cached). */
  failures: number;
  bytesWritten: number;
}

/** Writes the audio to `tmpPath`, returns its length in bytes; honours the signal. */
export type Fill = (tmpPath: string, signal: AbortSignal) => Promise<number>;

interface Inflight {
  promise: Promise<string>;
  controller: AbortController;
  waiters: number;
}

const STALE_PART_MS = 60 * 60 * 1000;

export function abortError(): Error {
  return new DOMException("The operation was aborted.", "AbortError");
}

export class AudioCache {
  readonly stats: AudioCacheStats = { hits: 0, misses: 0, joined: 0, failures: 0, bytesWritten: 0 };
  private readonly inflight = new Map<string, Inflight>();
  private ready: Promise<void> | null = null;

  constructor(
    /** Absolute directory (see openai-tts.ts for how the switch reaches it). */
    readonly dir: string,
    /** File extension with its dot, e.g. ".r24": it tells mod_sndfile the format. */
    readonly extension: string,
  ) {}

  /** The key of a rendering: SHA-256 over the JSON array of its parts (JSON keeps "a|b","c" apart from "a","b|c"). */
  static key(parts: string[]): string {
    return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
  }

  pathFor(key: string): string {
    return join(this.dir, `${key}${this.extension}`);
  }

  /** The cached file, filling it first on a miss. `cached` is true when it was already on disk. */
  async getOrFill(key: string, fill: Fill, signal?: AbortSignal): Promise<{ file: string; cached: boolean }> {
    if (signal?.aborted) throw abortError();
    const file = this.pathFor(key);
    if (await isFile(file)) {
      this.stats.hits++;
      return { file, cached: true };
    }
    let entry = this.inflight.get(key);
    if (entry) this.stats.joined++;
    else {
      this.stats.misses++;
      entry = this.startFill(key, file, fill);
    }
    entry.waiters++;
    const mine = entry;
    try {
      return { file: await untilAborted(mine.promise, signal), cached: false };
    } finally {
      mine.waiters--;
      if (mine.waiters === 0 && this.inflight.get(key) === mine) mine.controller.abort();
    }
  }

  private startFill(key: string, file: string, fill: Fill): Inflight {
    const controller = new AbortController();
    const tmp = `${file}.${process.pid}.${randomUUID()}.part`;
    const promise = (async () => {
      try {
        await this.prepare();
        const bytes = await fill(tmp, controller.signal);
        if (controller.signal.aborted) throw abortError();
        if (bytes <= 0) throw new Error("the engine returned no audio");
        await rename(tmp, file);
        this.stats.bytesWritten += bytes;
        return file;
      } catch (err) {
        this.stats.failures++;
        await rm(tmp, { force: true }).catch(() => {});
        throw err;
      } finally {
        this.inflight.delete(key);
      }
    })();
    // Every waiter may have left (aborted): the rejection is then nobody's, and must not be unhandled.
    promise.catch(() => {});
    const entry = { promise, controller, waiters: 0 };
    this.inflight.set(key, entry);
    return entry;
  }

  /** Creates the directory and sweeps stale partial files, once. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      const now = Date.now();
      for (const name of await readdir(this.dir)) {
        if (!name.endsWith(".part")) continue;
        const path = join(this.dir, name);
        const s = await stat(path).catch(() => null);
        if (s && now - s.mtimeMs > STALE_PART_MS) await rm(path, { force: true }).catch(() => {});
      }
    })().catch((err) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }
}

async function isFile(path: string): Promise<boolean> {
  const s = await stat(path).catch(() => null);
  return s !== null && s.isFile() && s.size > 0;
}

function untilAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/**
 * A call's caller-audio stream end to end, driven the way a conversation will
 * drive it: an `audio_stream` command through the call's state gate (the actor
 * host), the channel variables and `uuid_audio_stream … start` over the ESL
 * wire, the simulator's mod_audio_stream connecting to a WebSocket server here
 * with our metadata as its first text frame, then 20 ms L16 frames; `stop`
 * closes it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { startHarness, type Harness } from "../support/switchboard.ts";
import { until } from "../support/until.ts";

describe("caller audio through the call actor (mod_audio_stream on the simulator)", () => {
  let h: Harness;
  let server: Server<{ path: string }>;
  const streams = new Map<string, { metadata: string | null; frames: number; frameBytes: Set<number>; closed: boolean }>();

  beforeAll(async () => {
    h = await startHarness({ db: "pglite", scenario: { name: "audio", defaultCallee: { outcome: "answer", ringMs: 100 }, defaultCaller: {} } });
    server = Bun.serve<{ path: string }>({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req, srv) {
        return srv.upgrade(req, { data: { path: new URL(req.url).pathname } }) ? undefined : new Response("no", { status: 400 });
      },
      websocket: {
        open(ws) {
          streams.set(ws.data.path, { metadata: null, frames: 0, frameBytes: new Set(), closed: false });
        },
        message(ws, message) {
          const s = streams.get(ws.data.path)!;
          if (typeof message === "string") s.metadata ??= message;
          else {
            s.frames++;
            s.frameBytes.add(message.byteLength);
          }
        },
        close(ws) {
          streams.get(ws.data.path)!.closed = true;
        },
      },
    });
  });
  afterAll(async () => {
    server?.stop(true);
    await h?.close();
  });

  test("start: the metadata arrives intact (spaces, quotes, backslashes), then 640-byte frames; stop closes the socket", async () => {
    const placed = await h.api("POST", "/v1/calls", { to: "+15551230000", from: "+15550001111" });
    const id = placed.body.id;
    await h.waitForCall(id, (c) => c.status === "in-progress");
    const path = `/audio/${id}`;
    const metadata = JSON.stringify({ call: id, note: "it's a \"quoted\" \\ text  with spaces" });
    const start = h.sb.host.command(id, { type: "audio_stream", action: "start", url: `ws://127.0.0.1:${server.port}${path}?token=t0k3n`, metadata, at: Date.now() });
    expect(start.outcome).toBe("accepted");

    await until("the stream's metadata and frames", () => (streams.get(path)?.frames ?? 0) >= 3, 5_000, 10);
    expect(streams.get(path)!.metadata).toBe(metadata);
    expect([...streams.get(path)!.frameBytes]).toEqual([640]);
    expect((h.sb.host.inspect(id)!.context.audio_stream as { sampleRate: number }).sampleRate).toBe(16000);

    // One stream per call: a second start is refused by the call, and journalled.
    const again = h.sb.host.command(id, { type: "audio_stream", action: "start", url: `ws://127.0.0.1:${server.port}${path}`, at: Date.now() });
    expect(again).toEqual({ outcome: "refused", reason: "cannot start an audio stream on a call that already streams audio", state: "in_progress.idle" });

    expect(h.sb.host.command(id, { type: "audio_stream", action: "stop", at: Date.now() }).outcome).toBe("accepted");
    await until("the stream to close", () => streams.get(path)!.closed, 5_000, 10);
    expect(h.sb.host.inspect(id)!.context.audio_stream).toBeNull();

    const stored = await h.waitForCall(id, (c) => c.events.some((e: any) => e.kind === "command" && e.name === "audio_stream" && e.data.action === "stop"));
    const commands = stored.events.filter((e: any) => e.kind === "command").map((e: any) => e.data.name ?? e.data.action ?? e.name);
    expect(commands).toEqual(["originate", "STREAM_HEART_BEAT", "STREAM_MESSAGE_DEFLATE", "start", "stop"]);
    expect(stored.error).toBeNull();
    await h.api("DELETE", `/v1/calls/${id}`);
    await h.waitForCall(id, (c) => c.status === "completed");
  });
});

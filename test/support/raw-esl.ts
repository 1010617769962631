/**
 * Setup for the tests that talk to the switch simulator over raw ESL bytes: start simulators on
 * ephemeral ports and open authenticated connections, all closed after each test, plus the small
 * readers those tests share (an `api` answer, a command's reply, one event header's value).
 */
import { afterEach } from "bun:test";
import { SwitchSimulator } from "../../src/sim/index.ts";
import { header, parsePlainEvent, RawEslClient, type RawFrame } from "../../src/sim/raw-esl-client.ts";

export type SimulatorOptions = NonNullable<ConstructorParameters<typeof SwitchSimulator>[0]>;

export interface RawEslHarness {
  /** A started simulator on an ephemeral port: the file's defaults, then `opts`. */
  startSim(opts?: SimulatorOptions): Promise<SwitchSimulator>;
  /** A connection past auth/request; authenticated unless `auth` is false, then subscribed to `event plain <events>` if given. */
  client(sim: SwitchSimulator, opts?: { auth?: boolean; events?: string }): Promise<RawEslClient>;
  /** Run `cleanup` after this test too, in reverse order with everything else opened. */
  defer(cleanup: () => unknown): void;
}

/** Call at a test file's top level: what it opens is closed (connections first) after each test. */
export function rawEslHarness(defaults: SimulatorOptions): RawEslHarness {
  let cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  return {
    async startSim(opts = {}) {
      const sim = new SwitchSimulator({ port: 0, ...defaults, ...opts });
      await sim.start();
      cleanups.push(() => sim.stop());
      return sim;
    },
    async client(sim, { auth = true, events } = {}) {
      const c = await RawEslClient.connect(sim.port);
      cleanups.push(() => c.close());
      await c.next();
      if (auth) {
        c.send("auth ClueCon\n\n");
        await c.next();
      }
      if (events !== undefined) {
        c.send(`event plain ${events}\n\n`);
        await c.next();
      }
      return c;
    },
    defer(cleanup) {
      cleanups.push(cleanup);
    },
  };
}

/** Send `api <command>` and give the api/response body. */
export async function api(c: RawEslClient, command: string, timeoutMs?: number): Promise<string> {
  c.send(`api ${command}\n\n`);
  return (await c.waitFor((f) => header(f, "Content-Type") === "api/response", timeoutMs)).body;
}

/** Send a raw command and give its command/reply or api/response frame. */
export function reply(c: RawEslClient, command: string): Promise<RawFrame> {
  c.send(command);
  return c.waitFor((f) => {
    const type = header(f, "Content-Type");
    return type === "command/reply" || type === "api/response";
  });
}

/** One header of a text/event-plain frame's event, as sent (URL-encoded). */
export function eventValue(frame: RawFrame, name: string): string | undefined {
  return parsePlainEvent(frame.body).headers.find(([n]) => n === name)?.[1];
}

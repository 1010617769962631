/**
 * Run the simulated Deepgram as its own process (benchmarks):
 *   bun run src/sim/deepgram/cli.ts --port 8090 --api-key <key> [--host 127.0.0.1]
 *     [--final-ms 300] [--interim-ms 100] [--idle-timeout-ms 10000]
 * Point the runtime's Deepgram base URL at ws://<host>:<port>.
 */

import { log } from "../../log.ts";
import { parseCliOptions, stopOnSignals } from "../cli-support.ts";
import { SimulatedDeepgram } from "./index.ts";

const USAGE =
  "usage: bun run src/sim/deepgram/cli.ts --port <port> --api-key <key> [--host 127.0.0.1] [--final-ms 300] [--interim-ms 100] [--idle-timeout-ms 10000]";

function main(): void {
  const values = parseCliOptions(
    {
      port: { type: "string", default: "8090" },
      "api-key": { type: "string", default: "sim-deepgram-key" },
      host: { type: "string", default: "127.0.0.1" },
      "final-ms": { type: "string", default: "300" },
      "interim-ms": { type: "string", default: "100" },
      "idle-timeout-ms": { type: "string", default: "10000" },
    },
    USAGE,
  );
  if (!values) return;
  const port = Number(values.port);
  const finalMs = Number(values["final-ms"]);
  const interimMs = Number(values["interim-ms"]);
  const idleTimeoutMs = Number(values["idle-timeout-ms"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(finalMs >= 0) || !(interimMs >= 0) || !(idleTimeoutMs > 0)) {
    console.error(`bad numeric option\n${USAGE}`);
    process.exit(2);
  }
  const host = String(values.host);
  const sim = new SimulatedDeepgram({ host, port, apiKey: String(values["api-key"]), latency: { finalMs, interimMs }, idleTimeoutMs });
  sim.start().then(
    ({ url }) => {
      console.log(`simulated Deepgram (live /v1/listen) listening on ${url}`);
      log.info({ url, finalMs, interimMs }, "simulated Deepgram started");
    },
    (err: Error) => {
      console.error(`cannot listen on ${host}:${port}: ${err.message}`);
      process.exit(1);
    },
  );
  stopOnSignals(
    () => sim.stop(),
    (signal) => log.info({ signal, counters: sim.counters }, "simulated Deepgram stopping"),
  );
}

main();

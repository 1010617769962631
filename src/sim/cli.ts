/**
 * Run the switch simulator from the command line:
 *   bun run src/sim/cli.ts --port 8021 --password ClueCon [--scenario file.json] [--host 127.0.0.1]
 *     [--hostname name] [--time-scale 1] [--heartbeat-ms 20000] [--modules-conf modules.conf.xml]
 */

import { log } from "../log.ts";
import { parseCliOptions, stopOnSignals } from "./cli-support.ts";
import { loadScenario, SwitchSimulator } from "./index.ts";

const USAGE =
  "usage: bun run src/sim/cli.ts --port <port> --password <password> [--scenario <file>] [--host 127.0.0.1] [--hostname <name>] [--time-scale <n>] [--heartbeat-ms <ms>] [--modules-conf <modules.conf.xml>]";

function main(): void {
  const values = parseCliOptions(
    {
      port: { type: "string", default: "8021" },
      password: { type: "string", default: "ClueCon" },
      scenario: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      hostname: { type: "string" },
      "time-scale": { type: "string", default: "1" },
      "heartbeat-ms": { type: "string", default: "20000" },
      "modules-conf": { type: "string" },
    },
    USAGE,
  );
  if (!values) return;
  const port = Number(values.port);
  const timeScale = Number(values["time-scale"]);
  const heartbeatIntervalMs = Number(values["heartbeat-ms"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(timeScale >= 0) || !(heartbeatIntervalMs >= 0)) {
    console.error(`bad numeric option\n${USAGE}`);
    process.exit(2);
  }
  let scenario;
  try {
    scenario = typeof values.scenario === "string" ? loadScenario(values.scenario) : undefined;
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  let sim: SwitchSimulator;
  try {
    sim = new SwitchSimulator({
      host: String(values.host),
      port,
      password: String(values.password),
      timeScale,
      heartbeatIntervalMs,
      ...(scenario ? { scenario } : {}),
      ...(typeof values.hostname === "string" ? { hostname: values.hostname } : {}),
      ...(typeof values["modules-conf"] === "string" ? { modulesConf: values["modules-conf"] } : {}),
    });
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  sim.start().then(
    ({ port: bound }) => {
      console.log(`switch simulator (FreeSWITCH 1.10.12 event socket) listening on ${values.host}:${bound}`);
      log.info({ host: values.host, port: bound, scenario: sim.scenario.name ?? values.scenario, modules: sim.modules }, "switch simulator started");
    },
    (err: Error) => {
      console.error(`cannot listen on ${values.host}:${port}: ${err.message}`);
      process.exit(1);
    },
  );
  stopOnSignals(
    () => sim.stop(),
    (signal) => log.info({ signal }, "switch simulator stopping"),
  );
}

main();

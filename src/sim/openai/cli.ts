/**
 * Run the simulated OpenAI service as its own process (benchmarks):
 *   bun run src/sim/openai/cli.ts [--port 8300] [--host 127.0.0.1] [--api-key sk-sim-switchboard]
 *     [--ttft-ms 400] [--tokens-per-second 60] [--tts-first-byte-ms 150] [--time-zone UTC]
 */
import { parseCliOptions, stopOnSignals } from "../cli-support.ts";
import { SimulatedOpenAI } from "./server.ts";

const USAGE =
  "usage: bun run src/sim/openai/cli.ts [--port <port>] [--host 127.0.0.1] [--api-key <key>] [--ttft-ms 400] [--tokens-per-second 60] [--tts-first-byte-ms 150] [--time-zone <IANA zone>]";

function number(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max) {
    console.error(`--${name} must be a number from ${min} to ${max}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const values = parseCliOptions(
    {
      port: { type: "string", default: "8300" },
      host: { type: "string", default: "127.0.0.1" },
      "api-key": { type: "string", default: "sk-sim-switchboard" },
      "ttft-ms": { type: "string", default: "400" },
      "tokens-per-second": { type: "string", default: "60" },
      "tts-first-byte-ms": { type: "string", default: "150" },
      "time-zone": { type: "string", default: "UTC" },
    },
    USAGE,
  );
  if (!values) return;
  const sim = new SimulatedOpenAI({
    port: number(values, "port", 0, 65535),
    hostname: String(values.host),
    apiKey: String(values["api-key"]),
    timeToFirstTokenMs: number(values, "ttft-ms", 0, 600_000),
    tokensPerSecond: number(values, "tokens-per-second", 0.1, 100_000),
    ttsFirstByteMs: number(values, "tts-first-byte-ms", 0, 600_000),
    timeZone: String(values["time-zone"]),
  });
  try {
    await sim.start();
  } catch (err) {
    console.error(`cannot listen on ${values.host}:${values.port}: ${(err as Error).message}`);
    process.exit(1);
  }
  console.log(sim.banner());
  stopOnSignals(() => sim.stop());
}

void main();

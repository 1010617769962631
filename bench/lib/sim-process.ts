/**
 * The switch simulator as its own process, so its CPU does not count against
 * the process being measured. Resolves once it listens.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SimProcess {
  port: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** `args`: extra simulator command-line options, e.g. ["--heartbeat-ms", "20000"]. */
export async function startSimProcess(scenario: unknown, args: string[] = []): Promise<SimProcess> {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
  const file = join(dir, "scenario.json");
  writeFileSync(file, JSON.stringify(scenario));
  const port = await freePort();
  const root = join(import.meta.dir, "..", "..");
  const proc = Bun.spawn([process.execPath, "run", "src/sim/cli.ts", "--port", String(port), "--password", "ClueCon", "--scenario", file, ...args], {
    cwd: root,
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  const reader = proc.stdout.getReader();
  let seen = "";
  const deadline = Date.now() + 15_000;
  while (!seen.includes("listening")) {
    if (Date.now() > deadline) throw new Error(`simulator did not start: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`simulator exited: ${seen}`);
    seen += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return {
    port,
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The switch simulator as its own process, so its CPU does not count against
 * the process being measured. Resolves once it listens.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SimProcess {
  port: number;
  /** The simulator's process id (for its CPU time). */
  pid: number;
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
    pid: proc.pid,
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(3000)]);
      if (proc.exitCode === null) proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * One of the simulated services (src/sim/deepgram/cli.ts, src/sim/openai/cli.ts)
 * as its own process on a free loopback port; resolves once it prints `ready`.
 */
export async function startServiceProcess(script: string, args: string[], ready: string): Promise<ServiceProcess> {
  const port = await freePort();
  const root = join(import.meta.dir, "..", "..");
  const proc = Bun.spawn([process.execPath, "run", script, "--port", String(port), "--host", "127.0.0.1", ...args], {
    cwd: root,
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  const stop = async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(3000)]);
    if (proc.exitCode === null) proc.kill("SIGKILL");
  };
  try {
    const reader = proc.stdout.getReader();
    let seen = "";
    const deadline = Date.now() + 15_000;
    while (!seen.includes(ready)) {
      const next = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)]);
      if (next === null) throw new Error(`${script} did not start: ${seen}`);
      if (next.done) throw new Error(`${script} exited: ${seen}`);
      seen += new TextDecoder().decode(next.value);
    }
    reader.releaseLock();
    // Keep draining stdout so the child never blocks on a full pipe.
    void (async () => {
      for await (const _ of proc.stdout) void _;
    })().catch(() => {});
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: proc.pid, stop };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime are fields 14 and 15 (1-based) of the whole line: 12 and 13 after the comm.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

// Starts a real Deskchat server (the binary `cargo leptos build` made) on a free port with its
// own data directory, and can kill -9 and restart it on the same port and data.
import { spawn, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "@playwright/test";

const root = resolve(__dirname, "..", "..");
const binary = process.env.DESKCHAT_BIN ?? join(root, "target", "debug", "deskchat");
const siteRoot = process.env.DESKCHAT_SITE_ROOT ?? join(root, "target", "site");

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => ok(port));
    });
  });
}

export class DeskchatServer {
  private child?: ChildProcess;
  private log: string[] = [];

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `env` adds settings, e.g. `{ DESKCHAT_PICKUP_TIMEOUT_SECS: "3" }`. */
  static async start(env: Record<string, string> = {}): Promise<DeskchatServer> {
    const server = new DeskchatServer(await freePort(), mkdtempSync(join(tmpdir(), "deskchat-e2e-")), env);
    await server.launch();
    return server;
  }

  /** Starts the binary again on the same port and data directory. */
  async launch(): Promise<void> {
    this.child = spawn(binary, ["--listen", `127.0.0.1:${this.port}`, "--data-dir", this.dataDir, "--seed-demo", "--plain-http"], {
      env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot, LEPTOS_OUTPUT_NAME: "deskchat", DESKCHAT_LOG: "warn", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => this.log.push(chunk.toString());
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    await this.waitHealthy();
  }

  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`deskchat exited early:\n${this.log.join("")}`);
      }
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`deskchat did not become healthy:\n${this.log.join("")}`);
  }

  /** Moves the desk's clock on (a server started with `DESKCHAT_TEST_CLOCK: "true"`, whose clock
   *  stands still otherwise) and fires what became due; the test then waits for what follows,
   *  never for real time to pass. */
  async advanceClock(ms: number): Promise<void> {
    const response = await fetch(`${this.url}/test/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ advance_ms: ms }),
    });
    if (!response.ok) throw new Error(`the test clock refused: ${response.status} ${await response.text()}`);
  }

  /** SIGKILL: no graceful shutdown, nothing flushed on the way out. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill9();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill9();
    // A failed test shows what its server warned of (the list reporter prints a failed test's
    // output): enough to tell a refused request from a lost frame after a run elsewhere.
    if (test.info().errors.length > 0 && this.log.length > 0) {
      console.log(`deskchat on port ${this.port} said:\n${this.log.join("").slice(-8_000)}`);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

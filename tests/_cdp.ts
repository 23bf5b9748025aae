/**
 * Test helper: a headless Chromium driven through the DevTools protocol over Deno's WebSocket,
 * with no npm package. One browser, one page (a target attached in flat mode); the page's
 * JavaScript errors (uncaught exceptions, `console.error`, error log entries such as a refused
 * script) are collected.
 *
 * @module
 */

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Whether Chromium is installed.
 * @returns `true` when {@linkcode CHROMIUM} is a file.
 */
export function chromiumAvailable(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

type Listener = (params: Record<string, unknown>) => void;

/** A headless Chromium with one page. */
export class Browser {
  /** The page's JavaScript errors, as text. */
  readonly errors: string[] = [];
  #child: Deno.ChildProcess;
  #profile: string;
  #socket: WebSocket;
  #stderr: Promise<void>;
  #nextId = 1;
  #pending = new Map<number, { resolve(m: Message): void; reject(e: Error): void }>();
  #listeners = new Map<string, Set<Listener>>();
  #session = "";

  private constructor(
    child: Deno.ChildProcess,
    profile: string,
    socket: WebSocket,
    stderr: Promise<void>,
  ) {
    this.#child = child;
    this.#profile = profile;
    this.#socket = socket;
    this.#stderr = stderr;
    socket.onmessage = (event) => this.#receive(JSON.parse(String(event.data)) as Message);
    socket.onclose = () => {
      for (const { reject } of this.#pending.values()) reject(new Error("DevTools socket closed"));
      this.#pending.clear();
    };
  }

  /**
   * Start Chromium headless, with a fresh profile, and open one blank page.
   * @param size The page's viewport in CSS pixels.
   * @returns The browser.
   */
  static async launch(size = { width: 1000, height: 900 }): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "nxdaq-chromium-" });
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let url: string | undefined;
    try {
      const deadline = Date.now() + 30_000;
      while (url === undefined) {
        if (Date.now() > deadline) throw new Error(`Chromium printed no DevTools URL: ${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`Chromium exited before its DevTools URL: ${seen}`);
        seen += value;
        url = /DevTools listening on (ws:\/\/\S+)/.exec(seen)?.[1];
      }
    } catch (error) {
      await reader.cancel();
      child.kill("SIGKILL");
      await child.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
    // Keep draining stderr so Chromium never blocks on a full pipe.
    const stderr = (async () => {
      while (!(await reader.read()).done) { /* discard */ }
    })();
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`Cannot connect to "${url}"`));
    });
    const browser = new Browser(child, profile, socket, stderr);
    const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
    browser.#session = String(sessionId);
    browser.on("Runtime.exceptionThrown", (params) => {
      const details = params.exceptionDetails as Record<string, unknown>;
      const exception = details.exception as Record<string, unknown> | undefined;
      browser.errors.push(`Exception: ${exception?.description ?? details.text}`);
    });
    browser.on("Runtime.consoleAPICalled", (params) => {
      if (params.type !== "error") return;
      const args = (params.args as { value?: unknown; description?: string }[])
        .map((arg) => arg.description ?? String(arg.value));
      browser.errors.push(`console.error: ${args.join(" ")}`);
    });
    browser.on("Log.entryAdded", (params) => {
      const entry = params.entry as { level: string; text: string; url?: string };
      if (entry.level === "error") browser.errors.push(`Log: ${entry.text} ${entry.url ?? ""}`);
    });
    await browser.send("Runtime.enable");
    await browser.send("Page.enable");
    await browser.send("Log.enable");
    await browser.send("Emulation.setDeviceMetricsOverride", {
      ...size,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  #receive(message: Message): void {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(message.error.message));
      else pending?.resolve(message);
    } else if (message.method !== undefined) {
      for (const listener of this.#listeners.get(message.method) ?? []) {
        listener(message.params ?? {});
      }
    }
  }

  /**
   * Call a DevTools method: on the page, or on the browser for `Target.*`.
   * @param method The method, as `Domain.method`.
   * @param params Its parameters.
   * @returns Its result.
   */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const message: Message = { id, method, params };
    if (!method.startsWith("Target.") && this.#session !== "") message.sessionId = this.#session;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      this.#socket.send(JSON.stringify(message));
    });
  }

  /**
   * Listen to a DevTools event.
   * @param method The event, as `Domain.event`.
   * @param listener Called with its parameters.
   */
  on(method: string, listener: Listener): void {
    const set = this.#listeners.get(method) ?? new Set();
    set.add(listener);
    this.#listeners.set(method, set);
  }

  /**
   * Open a URL and wait for its load event.
   * @param url The URL.
   */
  async open(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const listener = () => {
        this.#listeners.get("Page.loadEventFired")?.delete(listener);
        resolve();
      };
      this.on("Page.loadEventFired", listener);
    });
    const { errorText } = await this.send("Page.navigate", { url });
    if (errorText) throw new Error(`Cannot open "${url}": ${errorText}`);
    await loaded;
  }

  /**
   * Evaluate an expression in the page (promises awaited), returning its value as JSON.
   * @param expression The JavaScript expression.
   * @returns Its value.
   */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (exceptionDetails !== undefined) {
      throw new Error(`Evaluating "${expression}" threw: ${JSON.stringify(exceptionDetails)}`);
    }
    return (result as { value: T }).value;
  }

  /**
   * Wait until an expression is true in the page.
   * @param expression The JavaScript expression.
   * @param timeoutMs How long to wait.
   * @throws {Error} When it is not true in time.
   */
  async waitFor(expression: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > deadline) {
        throw new Error(`"${expression}" is not true after ${timeoutMs} ms: ${this.errors}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * A PNG screenshot of the whole page.
   * @param path Where to write it.
   * @returns Its size in bytes.
   */
  async screenshot(path: string): Promise<number> {
    const { data } = await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
    });
    const bytes = Uint8Array.from(atob(String(data)), (c) => c.charCodeAt(0));
    await Deno.writeFile(path, bytes);
    return bytes.length;
  }

  /** Stop Chromium by its pid, and remove its profile. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (this.#socket.readyState === WebSocket.CLOSED) resolve();
      this.#socket.addEventListener("close", () => resolve());
    });
    this.#socket.close();
    await closed;
    try {
      Deno.kill(this.#child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#child.status;
    await this.#stderr;
    await Deno.remove(this.#profile, { recursive: true });
  }
}

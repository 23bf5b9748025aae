/**
 * The `EPICS_CA_*` environment variables of a Channel Access client, parsed and checked once,
 * with libca's defaults.
 *
 * @module
 */

import { granted } from "./_permission.ts";
import { CA_REPEATER_PORT, CA_SERVER_PORT } from "./protocol.ts";

/** A host and UDP port that name searches go to. */
export interface CaAddress {
  /** IPv4 address or host name (`localhost` is read as `127.0.0.1`). */
  host: string;
  /** UDP port. */
  port: number;
}

/** The client's settings from the environment. */
export interface CaEnvironment {
  /** `EPICS_CA_ADDR_LIST`: where searches go, each with its port. */
  addrList: readonly CaAddress[];
  /** `EPICS_CA_AUTO_ADDR_LIST`: whether the broadcast addresses of the interfaces are added. */
  autoAddrList: boolean;
  /** `EPICS_CA_SERVER_PORT`: the servers' port, of entries that name none. */
  serverPort: number;
  /** `EPICS_CA_REPEATER_PORT`: the repeater's UDP port on this host. */
  repeaterPort: number;
  /**
   * `EPICS_CA_MAX_ARRAY_BYTES`: the largest DBR payload sent or received. As in libca, a value
   * below 16384 counts as 16384.
   */
  maxArrayBytes: number;
  /** `EPICS_CA_CONN_TMO`: seconds of silence on a circuit before it is probed with an echo. */
  connTimeout: number;
  /**
   * `EPICS_CA_MAX_SEARCH_PERIOD`: the longest interval, in seconds, between two searches for a
   * PV not found yet. libca's default is 300 s; this client's is 5 s, so that a server that
   * comes back is found soon even when its beacons cannot reach the client.
   */
  maxSearchPeriod: number;
}

/** The settings when no variable is set. */
export const caEnvironmentDefaults: CaEnvironment = Object.freeze({
  addrList: Object.freeze([]) as readonly CaAddress[],
  autoAddrList: true,
  serverPort: CA_SERVER_PORT,
  repeaterPort: CA_REPEATER_PORT,
  maxArrayBytes: 16384,
  connTimeout: 30,
  maxSearchPeriod: 5,
});

/** The variables {@linkcode readCaEnvironment} reads. */
export const CA_ENVIRONMENT_VARIABLES = [
  "EPICS_CA_ADDR_LIST",
  "EPICS_CA_AUTO_ADDR_LIST",
  "EPICS_CA_SERVER_PORT",
  "EPICS_CA_REPEATER_PORT",
  "EPICS_CA_MAX_ARRAY_BYTES",
  "EPICS_CA_CONN_TMO",
  "EPICS_CA_MAX_SEARCH_PERIOD",
] as const;

/** Smallest `EPICS_CA_MAX_ARRAY_BYTES` in force, as libca's. */
const MIN_ARRAY_BYTES = 16384;

function text(env: Readonly<Record<string, string | undefined>>, name: string): string {
  return (env[name] ?? "").trim();
}

function port(value: string, name: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) {
    throw new RangeError(`${name} must be a port from 1 to 65535: got "${value}"`);
  }
  return n;
}

function seconds(value: string, name: string): number {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n) || n <= 0) {
    throw new RangeError(`${name} must be a positive number of seconds: got "${value}"`);
  }
  return n;
}

function yesNo(value: string, name: string): boolean {
  const lower = value.toLowerCase();
  if (["yes", "y", "true", "1"].includes(lower)) return true;
  if (["no", "n", "false", "0"].includes(lower)) return false;
  throw new TypeError(`${name} must be YES or NO: got "${value}"`);
}

const HOST = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

function address(item: string, name: string, defaultPort: number): CaAddress {
  const colon = item.lastIndexOf(":");
  let host = colon >= 0 ? item.slice(0, colon) : item;
  const portText = colon >= 0 ? item.slice(colon + 1) : "";
  if (!HOST.test(host)) {
    throw new TypeError(`${name} must list hosts or host:port: "${item}" is neither`);
  }
  if (/^[\d.]+$/.test(host) && host.split(".").some((part) => Number(part) > 255)) {
    throw new TypeError(`${name} must list hosts or host:port: "${host}" is no IPv4 address`);
  }
  if (host.toLowerCase() === "localhost") host = "127.0.0.1";
  return { host, port: colon >= 0 ? port(portText, `${name} ("${item}")`) : defaultPort };
}

/**
 * Parse the client's `EPICS_CA_*` variables; unset or empty ones take their defaults.
 *
 * @example A client that searches one host only
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCaEnvironment } from "./environment.ts";
 * const settings = readCaEnvironment({
 *   EPICS_CA_ADDR_LIST: "127.0.0.1 localhost:5070",
 *   EPICS_CA_AUTO_ADDR_LIST: "NO",
 *   EPICS_CA_SERVER_PORT: "5080",
 * });
 * assert.deepEqual(settings.addrList, [
 *   { host: "127.0.0.1", port: 5080 },
 *   { host: "127.0.0.1", port: 5070 },
 * ]);
 * assert.equal(settings.autoAddrList, false);
 * assert.throws(() => readCaEnvironment({ EPICS_CA_CONN_TMO: "soon" }), /EPICS_CA_CONN_TMO/);
 * ```
 *
 * @param env The variables, for example from `Deno.env.toObject()`.
 * @returns The settings.
 * @throws {RangeError} For a port, a size or a time out of range.
 * @throws {TypeError} For a malformed address list or a yes/no that is neither.
 */
export function readCaEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): CaEnvironment {
  const d = caEnvironmentDefaults;
  const get = (name: string) => text(env, name);
  const serverPortText = get("EPICS_CA_SERVER_PORT");
  const serverPort = serverPortText ? port(serverPortText, "EPICS_CA_SERVER_PORT") : d.serverPort;
  const repeaterText = get("EPICS_CA_REPEATER_PORT");
  const repeaterPort = repeaterText ? port(repeaterText, "EPICS_CA_REPEATER_PORT") : d.repeaterPort;
  const list = get("EPICS_CA_ADDR_LIST");
  const addrList = list
    ? list.split(/\s+/).map((item) => address(item, "EPICS_CA_ADDR_LIST", serverPort))
    : [];
  const auto = get("EPICS_CA_AUTO_ADDR_LIST");
  const bytesText = get("EPICS_CA_MAX_ARRAY_BYTES");
  let maxArrayBytes = d.maxArrayBytes;
  if (bytesText) {
    const n = Number(bytesText);
    if (!/^\d+$/.test(bytesText) || !Number.isSafeInteger(n) || n > 0xffffffff) {
      throw new RangeError(
        `EPICS_CA_MAX_ARRAY_BYTES must be a whole number of bytes up to 4294967295: ` +
          `got "${bytesText}"`,
      );
    }
    maxArrayBytes = Math.max(MIN_ARRAY_BYTES, n);
  }
  const tmo = get("EPICS_CA_CONN_TMO");
  const searchPeriod = get("EPICS_CA_MAX_SEARCH_PERIOD");
  return {
    addrList,
    autoAddrList: auto ? yesNo(auto, "EPICS_CA_AUTO_ADDR_LIST") : d.autoAddrList,
    serverPort,
    repeaterPort,
    maxArrayBytes,
    connTimeout: tmo ? seconds(tmo, "EPICS_CA_CONN_TMO") : d.connTimeout,
    maxSearchPeriod: searchPeriod
      ? seconds(searchPeriod, "EPICS_CA_MAX_SEARCH_PERIOD")
      : d.maxSearchPeriod,
  };
}

/**
 * The `EPICS_CA_*` variables of this process that it may read: each is read only when the
 * permission to read it is already granted, so nothing prompts.
 *
 * @example Only the client's variables, all strings
 * ```ts
 * import assert from "node:assert/strict";
 * import { CA_ENVIRONMENT_VARIABLES, caVariablesFromProcess } from "./environment.ts";
 * const env = caVariablesFromProcess();
 * const names: readonly string[] = CA_ENVIRONMENT_VARIABLES;
 * assert.ok(Object.keys(env).every((name) => names.includes(name)));
 * ```
 *
 * @returns The variables that are set.
 */
export function caVariablesFromProcess(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CA_ENVIRONMENT_VARIABLES) {
    if (!granted({ name: "env", variable: name })) continue;
    try {
      const value = Deno.env.get(name);
      if (value !== undefined) out[name] = value;
    } catch {
      // Not readable here: the default applies.
    }
  }
  return out;
}

/**
 * Where searches go: the address list, then (when `autoAddrList`) the broadcast address of
 * every IPv4 interface other than loopback, on the server port. Without any interface of that
 * kind, the automatic list is `127.0.0.1`.
 *
 * @example The automatic list of one interface
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCaEnvironment, searchAddresses } from "./environment.ts";
 * const settings = readCaEnvironment({ EPICS_CA_ADDR_LIST: "127.0.0.1:5070" });
 * const interfaces = [{
 *   family: "IPv4", name: "eth0", address: "10.1.2.3", netmask: "255.255.255.0",
 *   scopeid: null, cidr: "10.1.2.3/24", mac: "00:00:00:00:00:00",
 * }] satisfies Deno.NetworkInterfaceInfo[];
 * assert.deepEqual(searchAddresses(settings, interfaces), [
 *   { host: "127.0.0.1", port: 5070 },
 *   { host: "10.1.2.255", port: 5064 },
 * ]);
 * ```
 *
 * @param settings The parsed environment.
 * @param interfaces The network interfaces (default `Deno.networkInterfaces()` when that is
 * permitted); read only when `autoAddrList` is set.
 * @returns Search destinations, without duplicates.
 */
export function searchAddresses(
  settings: CaEnvironment,
  interfaces?: readonly Deno.NetworkInterfaceInfo[],
): CaAddress[] {
  const out = [...settings.addrList];
  if (settings.autoAddrList) {
    const found = interfaces ?? processInterfaces();
    const broadcasts = found.filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      .map((i) => broadcastOf(i.address, i.netmask));
    if (broadcasts.length === 0) broadcasts.push("127.0.0.1");
    for (const host of broadcasts) out.push({ host, port: settings.serverPort });
  }
  const seen = new Set<string>();
  return out.filter((a) => {
    const key = `${a.host}:${a.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function processInterfaces(): Deno.NetworkInterfaceInfo[] {
  if (!granted({ name: "sys", kind: "networkInterfaces" })) return [];
  try {
    return Deno.networkInterfaces();
  } catch {
    return [];
  }
}

function broadcastOf(address: string, netmask: string): string {
  const a = address.split(".").map(Number);
  const m = netmask.split(".").map(Number);
  return a.map((part, i) => (part | (~(m[i] ?? 0) & 255)) & 255).join(".");
}

/**
 * Whether an address is on this host's loopback network.
 * @param host IPv4 address.
 * @returns `true` for `127.x.x.x`.
 */
export function isLoopback(host: string): boolean {
  return host.startsWith("127.");
}

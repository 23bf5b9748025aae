/**
 * The client against an independent server: caproto's, serving the seed's motor and swait
 * records (`../shared/ca`). Each test starts its own IOC on free ports.
 */

import assert from "node:assert/strict";
import { ignoreUnless } from "../../tests/_ci.ts";
import {
  caprotoAvailable,
  type CaprotoIoc,
  startCaprotoIoc,
  withCaprotoIoc,
} from "./_caproto_ioc.ts";
import { CAClient } from "./client.ts";
import { ConnectionTimeoutError, DisconnectedError, OperationError } from "./errors.ts";
import {
  Command,
  DBE,
  ECA,
  encodeMessage,
  FAMILIES,
  ipv4ToNumber,
  MessageReader,
} from "./protocol.ts";
import type { PvChannel, PvValue } from "./transport.ts";
import { freeCaPort, freeUdpPort, loopbackEnv, sleep, until } from "./_test_env.ts";
import { udpSocket } from "./_test_raw_client.ts";

const ignore = ignoreUnless(
  caprotoAvailable(),
  "caproto's IOC (/usr/bin/python3) is not available",
);

function nowSeconds(): number {
  return Date.now() / 1000;
}

/** One test of the client against caproto's IOC: what it does, on an IOC and a client it shares. */
interface Case {
  name: string;
  fn: (ioc: CaprotoIoc, client: CAClient) => Promise<void>;
}

// These share one IOC (Python's start-up costs more than most of them), in an order where each
// finds the IOC as the seed's: the monitor of the 10 Hz calc first, the writes last.
const SHARED: Case[] = [
  {
    name: "subscribe() receives gp:userCalc10.VAL about 10 times a second with rising timestamps",
    fn: async (_ioc, client) => {
      const calc = client.channel("gp:userCalc10.VAL");
      const seen: PvValue[] = [];
      const subscription = calc.subscribe((v) => seen.push(v), { mask: DBE.VALUE | DBE.ALARM });
      await until(() => seen.length >= 1, 5, "the first update");
      const first = seen.length;
      await sleep(2000);
      subscription.cancel();
      const updates = seen.slice(first);
      assert.ok(updates.length >= 12 && updates.length <= 26, `${updates.length} updates in 2 s`);
      for (let i = 1; i < seen.length; i++) {
        assert.ok(seen[i]!.timestamp! > seen[i - 1]!.timestamp!, "timestamps rise");
        assert.equal(typeof seen[i]!.value, "number");
      }
      const span = updates.at(-1)!.timestamp! - updates[0]!.timestamp!;
      const rate = (updates.length - 1) / span;
      assert.ok(rate > 7 && rate < 13, `${rate} updates per IOC second`);
      const count = seen.length;
      await sleep(300);
      assert.equal(seen.length, count, "no update after cancel()");
    },
  },
  {
    name: "connect() finds the motor's and the swait's PVs with their native types",
    fn: async (ioc, client) => {
      const names = ["gp:m10.RBV", "gp:m10.VAL", "gp:m10.DMOV", "gp:m10.EGU", "gp:userCalc10.VAL"];
      const channels = await client.connect(names, 5);
      assert.deepEqual(channels.map((c) => c.name), names);
      assert.deepEqual(channels.map((c) => c.info.nativeType), [
        "double",
        "double",
        "short",
        "string",
        "double",
      ]);
      for (const channel of channels) {
        assert.equal(channel.connected, true);
        assert.equal(channel.info.server, `127.0.0.1:${ioc.port}`);
        assert.equal(channel.info.count, 1);
        assert.equal(channel.info.read, true);
      }
      assert.equal(channels[0]!.info.write, false, "RBV is read-only");
      assert.equal(channels[1]!.info.write, true, "VAL is writable");
      assert.equal(client.channel("gp:m10.RBV"), channels[0], "one channel per name");
    },
  },
  {
    name: "get() reads every family of every native type with the metadata the family carries",
    fn: async (_ioc, client) => {
      const byType = {
        string: "gp:m10.EGU",
        short: "gp:m10.DMOV",
        float: "gp:m10.FRAC",
        enum: "gp:m10.DIR",
        char: "gp:m10.DISP",
        long: "gp:m10.RMP",
        double: "gp:m10.RBV",
      } as const;
      const channels = await client.connect(Object.values(byType));
      // caproto serves a char that is 0 as no element at all (its chars are strings).
      await channels.find((c) => c.name === byType.char)!.put(1, { wait: true });
      for (const [native, name] of Object.entries(byType)) {
        const channel = channels.find((c) => c.name === name)!;
        assert.equal(channel.info.nativeType, native, name);
        for (const family of FAMILIES) {
          const got = await channel.get({ family });
          const where = `${name} (${native}) ${family}`;
          assert.equal(got.count, 1, where);
          assert.equal(typeof got.value, native === "string" ? "string" : "number", where);
          assert.equal(got.status !== undefined, family !== "plain", where);
          assert.equal(got.severity !== undefined, family !== "plain", where);
          assert.equal(got.timestamp !== undefined, family === "time", where);
          if (family === "time") {
            assert.ok(Math.abs(got.timestamp! - nowSeconds()) < 600, `${where}: ${got.timestamp}`);
          }
          const graphic = family === "gr" || family === "ctrl";
          const numeric = native !== "string" && native !== "enum";
          assert.equal(got.units !== undefined, graphic && numeric, where);
          assert.equal(got.limits !== undefined, graphic && numeric, where);
          assert.equal(got.enumStrings !== undefined, graphic && native === "enum", where);
          assert.equal(
            got.precision !== undefined,
            graphic && (native === "float" || native === "double"),
            where,
          );
          if (graphic && numeric) {
            assert.equal(got.limits!.upperCtrl !== undefined, family === "ctrl", where);
          }
        }
      }
    },
  },
  {
    name: "get() serves the motor's control metadata: degrees, precision 5, limits ±32000",
    fn: async (_ioc, client) => {
      const rbv = client.channel("gp:m10.RBV");
      const got = await rbv.get({ family: "ctrl" });
      assert.equal(got.units, "degrees");
      assert.equal(got.precision, 5);
      assert.equal(got.limits?.upperCtrl, 32000);
      assert.equal(got.limits?.lowerCtrl, -32000);
      assert.equal(got.limits?.upperDisp, 32000);
      assert.equal(got.limits?.lowerDisp, -32000);
      // caproto serves 0 where a real record serves NaN.
      assert.equal(got.limits?.upperAlarm, 0);
      const calc = await client.channel("gp:userCalc10.VAL").get({ family: "ctrl" });
      assert.equal(calc.units, "");
      assert.equal(calc.precision, 5);
      assert.equal(calc.limits?.upperCtrl, 0);
      assert.equal(calc.limits?.lowerCtrl, 0);
    },
  },
  {
    name: "get() reads an enum as its index, its states, or as a string",
    fn: async (_ioc, client) => {
      const scan = client.channel("gp:userCalc10.SCAN");
      const ctrl = await scan.get({ family: "ctrl" });
      assert.equal(typeof ctrl.value, "number");
      assert.deepEqual(ctrl.enumStrings?.slice(0, 3), ["Passive", "Event", "I/O Intr"]);
      assert.equal(ctrl.enumStrings?.[ctrl.value as number], ".1 second");
      const text = await scan.get({ as: "string" });
      assert.equal(text.value, ".1 second");
      assert.equal(typeof text.timestamp, "number");
      const seen: PvValue[] = [];
      const subscription = scan.subscribe((v) => seen.push(v), { as: "string" });
      await until(() => seen.length >= 1, 5, "a monitor update of SCAN as a string");
      subscription.cancel();
      assert.equal(seen[0]!.value, ".1 second");
    },
  },
  {
    name: "get() converts on the server when asked for another type",
    fn: async (_ioc, client) => {
      const velo = client.channel("gp:m10.VELO");
      const asDouble = await velo.get({ family: "plain" });
      const asString = await velo.get({ as: "string", family: "plain" });
      const asLong = await velo.get({ as: "long", family: "plain" });
      assert.equal(asDouble.value, 1);
      assert.equal(typeof asString.value, "string");
      assert.equal(Number(asString.value), 1);
      assert.equal(asLong.value, 1);
    },
  },
  {
    name: "connect() rejects with ConnectionTimeoutError listing the PV that does not exist",
    fn: async (_ioc, client) => {
      const t0 = performance.now();
      await assert.rejects(
        client.connect(["gp:m10.RBV", "gp:noSuchRecord.VAL"], 1),
        (error: Error) => {
          assert.ok(error instanceof ConnectionTimeoutError);
          assert.deepEqual(error.pvs, ["gp:noSuchRecord.VAL"]);
          assert.match(error.message, /"gp:noSuchRecord.VAL" did not connect within 1 s/);
          return true;
        },
      );
      assert.ok(performance.now() - t0 < 2000);
      await assert.rejects(
        client.channel("gp:noSuchRecord.VAL").get({ timeout: 0.2 }),
        ConnectionTimeoutError,
      );
    },
  },
  {
    name: "a write the server refuses rejects with OperationError naming PV, server and ECA code",
    fn: async (ioc, client) => {
      const a = client.channel("gp:userCalc10.A");
      await assert.rejects(a.put("not a number", { wait: true }), (error: Error) => {
        assert.ok(error instanceof OperationError);
        assert.equal(error.pv, "gp:userCalc10.A");
        assert.equal(error.server, `127.0.0.1:${ioc.port}`);
        assert.equal(error.code, ECA.PUTFAIL);
        assert.match(
          error.message,
          new RegExp(`^PV "gp:userCalc10.A" on 127.0.0.1:${ioc.port}: write failed: ECA_PUTFAIL`),
        );
        return true;
      });
      assert.equal(a.connected, true, "the channel stays connected");
    },
  },
  {
    name: "put() with wait on gp:m10.VAL completes when the move is done",
    fn: async (_ioc, client) => {
      const [val, rbv, dmov, velo] = await client.connect([
        "gp:m10.VAL",
        "gp:m10.RBV",
        "gp:m10.DMOV",
        "gp:m10.VELO",
      ]);
      const speed = (await velo!.get()).value as number;
      const start = (await rbv!.get()).value as number;
      const distance = 0.6;
      const moves: number[] = [];
      const subscription = dmov!.subscribe((v) => moves.push(v.value as number));
      await until(() => moves.length >= 1, 5, "the first DMOV update");
      const t0 = performance.now();
      await val!.put(start + distance, { wait: true, timeout: 20 });
      const elapsed = (performance.now() - t0) / 1000;
      await sleep(100);
      subscription.cancel();
      const expected = distance / speed;
      assert.ok(
        elapsed >= expected * 0.9 && elapsed <= expected + 1.5,
        `the move took ${elapsed} s for ${expected} s of travel`,
      );
      assert.equal((await dmov!.get()).value, 1);
      assert.ok(Math.abs(((await rbv!.get()).value as number) - (start + distance)) < 1e-6);
      assert.deepEqual(moves.slice(0, 1), [1]);
      assert.ok(moves.includes(0), `DMOV went 0 during the move: ${moves}`);
      assert.equal(moves.at(-1), 1);
    },
  },
  {
    name: "put() beyond the high soft limit sets LVIO and does not move",
    fn: async (_ioc, client) => {
      const [val, rbv, hlm, lvio] = await client.connect([
        "gp:m10.VAL",
        "gp:m10.RBV",
        "gp:m10.HLM",
        "gp:m10.LVIO",
      ]);
      const limit = (await hlm!.get()).value as number;
      const before = (await rbv!.get()).value as number;
      assert.equal((await lvio!.get()).value, 0);
      await val!.put(limit + 10, { wait: true, timeout: 10 });
      assert.equal((await lvio!.get()).value, 1);
      await sleep(300);
      assert.equal((await rbv!.get()).value, before);
      assert.equal((await val!.get()).value, before, "VAL is restored");
    },
  },
  {
    name: "put() writes numbers, strings and enum states that get() reads back",
    fn: async (_ioc, client) => {
      const [a, desc, scan] = await client.connect([
        "gp:userCalc10.A",
        "gp:m10.DESC",
        "gp:userCalc10.SCAN",
      ]);
      await a!.put(2.5, { wait: true });
      assert.equal((await a!.get()).value, 2.5);
      await desc!.put("the seed's motor", { wait: true });
      assert.equal((await desc!.get()).value, "the seed's motor");
      await scan!.put(".5 second", { wait: true });
      assert.equal((await scan!.get({ as: "string" })).value, ".5 second");
      await scan!.put(0, { wait: true });
      assert.equal((await scan!.get({ as: "string" })).value, "Passive");
      await a!.put(7);
      let value: unknown;
      const deadline = performance.now() + 2000;
      while (performance.now() < deadline && (value = (await a!.get()).value) !== 7) {
        await sleep(10);
      }
      assert.equal(value, 7, "a put without wait arrives too");
    },
  },
];

Deno.test({
  name: "The client against caproto's IOC, on one IOC and one client",
  ignore,
  fn: (t) =>
    withCaprotoIoc(async (ioc, client) => {
      for (const { name, fn } of SHARED) {
        await t.step(name, () => fn(ioc, client));
      }
    }),
});

Deno.test({
  name: "a killed IOC disconnects its channels; restarted, they reconnect and monitors resume",
  ignore,
  async fn() {
    let ioc = await startCaprotoIoc();
    const client = new CAClient({ env: ioc.env });
    try {
      const [calc, val] = await client.connect(["gp:userCalc10.VAL", "gp:m10.VAL"]);
      const changes: boolean[] = [];
      calc!.onConnectionChange((info) => changes.push(info.connected));
      const seen: PvValue[] = [];
      calc!.subscribe((v) => seen.push(v));
      await until(() => seen.length >= 3, 5, "three updates");
      const pending = assert.rejects(val!.put(500, { wait: true }), (error: Error) => {
        assert.ok(error instanceof DisconnectedError, `${error}`);
        assert.match(error.message, /^PV "gp:m10.VAL" on 127.0.0.1:\d+: /);
        return true;
      });
      await sleep(200);
      await ioc.kill("SIGKILL");
      await pending;
      await until(() => !calc!.connected, 5, "the channel goes disconnected");
      assert.deepEqual(changes, [false]);
      await assert.rejects(calc!.get({ timeout: 0.3 }), (error: Error) => {
        assert.ok(error instanceof DisconnectedError, `${error}`);
        assert.equal(error.pv, "gp:userCalc10.VAL");
        return true;
      });
      const before = seen.length;
      await sleep(300);
      assert.equal(seen.length, before, "no updates while the IOC is gone");
      ioc = await startCaprotoIoc({ port: ioc.port, repeaterPort: ioc.repeaterPort });
      const restarted = nowSeconds();
      await calc!.waitForConnection(10);
      assert.deepEqual(changes, [false, true]);
      await until(() => seen.length >= before + 3, 5, "updates after the restart");
      assert.ok(seen.at(-1)!.timestamp! > restarted - 1, "updates come from the new IOC");
      assert.equal(typeof (await val!.get()).value, "number", "other channels reconnect too");
    } finally {
      await client.close();
      await ioc.stop();
    }
  },
});

Deno.test({
  name: "a frozen IOC is found out by an unanswered echo after EPICS_CA_CONN_TMO",
  ignore,
  fn: () =>
    withCaprotoIoc(async (ioc, client) => {
      const rbv = client.channel("gp:m10.RBV");
      await rbv.waitForConnection(5);
      const t0 = performance.now();
      ioc.signal("SIGSTOP");
      try {
        await until(() => !rbv.connected, 5, "the frozen circuit is given up");
        const elapsed = (performance.now() - t0) / 1000;
        assert.ok(elapsed >= 0.5 && elapsed < 3, `given up after ${elapsed} s`);
      } finally {
        ioc.signal("SIGCONT");
      }
      await rbv.waitForConnection(8);
      assert.equal(typeof (await rbv.get()).value, "number");
    }, { env: { EPICS_CA_CONN_TMO: "0.5" }, echoTimeout: 0.5 }),
});

Deno.test({
  name: "the client's own repeater forwards caproto's beacons to every registered client",
  ignore,
  async fn() {
    const port = await freeCaPort();
    const repeaterPort = await freeUdpPort();
    const client = new CAClient({ env: loopbackEnv(port, repeaterPort) });
    const listener = await udpSocket();
    const received: { command: number; port: number; id: number; address: number }[] = [];
    listener.socket.on("message", (data: Uint8Array) => {
      for (const { header } of new MessageReader().push(data)) {
        received.push({
          command: header.command,
          port: header.dataCount,
          id: header.parameter1,
          address: header.parameter2,
        });
      }
    });
    let ioc: CaprotoIoc | undefined;
    try {
      client.channel("gp:m10.RBV");
      const register = encodeMessage(Command.REPEATER_REGISTER, {
        parameter2: ipv4ToNumber("127.0.0.1"),
      });
      await until(
        () => {
          listener.socket.send(register, repeaterPort, "127.0.0.1");
          return received.some((m) => m.command === Command.REPEATER_CONFIRM);
        },
        5,
        "REPEATER_CONFIRM",
      );
      ioc = await startCaprotoIoc({ port, repeaterPort });
      await until(
        () => received.filter((m) => m.command === Command.RSRV_IS_UP).length >= 2,
        5,
        "two beacons",
      );
      const beacons = received.filter((m) => m.command === Command.RSRV_IS_UP);
      assert.equal(beacons[0]!.port, port);
      assert.equal(beacons[0]!.address, ipv4ToNumber("127.0.0.1"));
      assert.ok(beacons[1]!.id > beacons[0]!.id, "beacon ids rise");
      await client.channel("gp:m10.RBV").waitForConnection(5);
    } finally {
      await listener.close();
      await client.close();
      await ioc?.stop();
    }
  },
});

Deno.test({
  name: "the first beacon of a new server makes a slowed-down search try again at once",
  ignore,
  async fn() {
    const port = await freeCaPort();
    const repeaterPort = await freeUdpPort();
    const client = new CAClient({
      // Without beacons the search after 4.5 s would come about 8 s after the start.
      env: loopbackEnv(port, repeaterPort, { EPICS_CA_MAX_SEARCH_PERIOD: "60" }),
    });
    let ioc: CaprotoIoc | undefined;
    try {
      const rbv: PvChannel = client.channel("gp:m10.RBV");
      const t0 = performance.now();
      await sleep(4500);
      ioc = await startCaprotoIoc({ port, repeaterPort });
      const served = performance.now();
      await rbv.waitForConnection(10);
      const connected = performance.now();
      assert.ok(
        connected - served < 1500,
        `connected ${(connected - served) / 1000} s after the IOC served, ` +
          `${(connected - t0) / 1000} s after the first search`,
      );
    } finally {
      await client.close();
      await ioc?.stop();
    }
  },
});

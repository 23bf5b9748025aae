import assert from "node:assert/strict";
import { BeaconTracker } from "./_beacons.ts";
import { FIRST_SEARCH_INTERVAL, MAX_SEARCH_DATAGRAM, searchDelay } from "./_search.ts";
import { CAClient, caClientDefaults } from "./client.ts";
import {
  AccessDeniedError,
  ArrayTooLargeError,
  ClosedError,
  ConnectionTimeoutError,
  DisconnectedError,
  OperationError,
} from "./errors.ts";
import {
  CA_MINOR_VERSION,
  Command,
  DBE,
  DONT_REPLY,
  ECA,
  type Elements,
  MessageReader,
  NATIVE_TYPES,
  readFixedString,
} from "./protocol.ts";
import { MapDatabase, SoftPv } from "./served_pv.ts";
import { CAServer } from "./server.ts";
import type { PvValue } from "./transport.ts";
import {
  freeCaPort,
  freeUdpPort,
  loopbackEnv,
  serveWithClient,
  sleep,
  slowPv,
  until,
} from "./_test_env.ts";
import { udpSocket } from "./_test_raw_client.ts";

Deno.test("searchDelay() doubles from 32 ms up to the cap, then stays there", () => {
  const delays = Array.from({ length: 12 }, (_, i) => searchDelay(i + 1, 5));
  assert.equal(delays[0], FIRST_SEARCH_INTERVAL);
  for (let i = 1; i < delays.length; i++) {
    assert.equal(delays[i], Math.min(delays[i - 1]! * 2, 5));
  }
  assert.deepEqual(delays.slice(-4), [5, 5, 5, 5]);
  assert.equal(searchDelay(1000, 300), 300);
  assert.equal(searchDelay(3, 0.05), 0.05);
});

Deno.test("BeaconTracker counts a new server, a restart and a sudden speed-up as anomalies", () => {
  const beacons = new BeaconTracker();
  assert.equal(beacons.observe("a:1", 10, 0), true, "a new server");
  assert.equal(beacons.observe("a:1", 11, 1000), false);
  assert.equal(beacons.observe("a:1", 12, 2000), false, "a steady period");
  assert.equal(beacons.observe("a:1", 12, 2001), false, "a duplicate route");
  assert.equal(beacons.observe("a:1", 14, 4000), false, "a lost beacon");
  assert.equal(beacons.observe("a:1", 15, 4100), true, "beacons ten times faster");
  assert.equal(beacons.observe("a:1", 0, 4200), true, "ids start again: a restart");
  assert.equal(beacons.observe("b:1", 0, 4200), true, "another server");
  // Beacons slowing down by doubling (as servers start) are no anomaly.
  const fresh = new BeaconTracker();
  let t = 0;
  fresh.observe("c:1", 0, t);
  for (let id = 1, period = 20; id < 10; id++, period *= 2) {
    t += period;
    assert.equal(fresh.observe("c:1", id, t), false, `beacon ${id}`);
  }
  assert.equal(fresh.observe("c:1", 10, t + 60 * 20 * 2 ** 9), true, "a long silence");
});

Deno.test("searches go in datagrams of at most 1024 bytes, each led by VERSION", async () => {
  const listener = await udpSocket();
  const port = listener.port;
  const arrivals = new Map<string, number[]>();
  const sizes: number[] = [];
  let malformed = "";
  listener.socket.on("message", (data: Uint8Array) => {
    sizes.push(data.length);
    const messages = new MessageReader().push(data);
    const [version, ...searches] = messages;
    if (version?.header.command !== Command.VERSION) malformed = "no VERSION first";
    for (const { header, payload } of searches) {
      if (header.command !== Command.SEARCH || header.dataType !== DONT_REPLY) {
        malformed = `command ${header.command} reply ${header.dataType}`;
      }
      if (header.dataCount !== CA_MINOR_VERSION || header.parameter1 !== header.parameter2) {
        malformed = "bad version or ids";
      }
      const name = readFixedString(payload, 0, payload.length);
      const list = arrivals.get(name) ?? [];
      list.push(performance.now());
      arrivals.set(name, list);
    }
  });
  const repeaterPort = await freeUdpPort();
  const client = new CAClient({ env: loopbackEnv(port, repeaterPort) });
  try {
    const names = Array.from({ length: 300 }, (_, i) => `test:searched:pv${i}`);
    for (const name of names) client.channel(name);
    await until(() => names.every((n) => (arrivals.get(n)?.length ?? 0) >= 6), 5, "6 searches");
    assert.equal(malformed, "");
    assert.ok(sizes.every((size) => size <= MAX_SEARCH_DATAGRAM), `sizes ${sizes}`);
    const firstRound = Math.ceil(names.length * 40 / (MAX_SEARCH_DATAGRAM - 16));
    assert.ok(sizes.length <= 6 * (firstRound + 1), `${sizes.length} datagrams for 6 rounds`);
    const times = arrivals.get("test:searched:pv7")!;
    // Times since the first search, not single gaps: one datagram read late by a busy test
    // process shortens the next gap, never the total. The first search read up to some tens of
    // ms late shortens every total by as much: the lower bound allows for it.
    let expected = 0;
    for (let k = 1; k < 6; k++) {
      expected += searchDelay(k, 5) * 1000;
      const elapsed = times[k]! - times[0]!;
      assert.ok(
        elapsed > expected * 0.5 - 40 && elapsed < expected * 3 + 300,
        `search ${k + 1} came ${elapsed} ms after the first, expected about ${expected} ms`,
      );
    }
  } finally {
    await client.close();
    await listener.close();
  }
});

Deno.test("a PV nobody serves rejects waitForConnection(), get() and put() in time", async () => {
  const client = new CAClient({ env: loopbackEnv(await freeCaPort(), await freeUdpPort()) });
  try {
    const channel = client.channel("test:nobody");
    const t0 = performance.now();
    await assert.rejects(channel.waitForConnection(0.2), (error: Error) => {
      assert.ok(error instanceof ConnectionTimeoutError);
      assert.deepEqual(error.pvs, ["test:nobody"]);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000);
    await assert.rejects(channel.get({ timeout: 0.1 }), /"test:nobody" did not connect/);
    await assert.rejects(channel.put(1, { timeout: 0.1 }), ConnectionTimeoutError);
    await assert.rejects(client.connect(["test:nobody", "test:nobody2"], 0.1), (error: Error) => {
      assert.ok(error instanceof ConnectionTimeoutError);
      assert.deepEqual(error.pvs, ["test:nobody", "test:nobody2"]);
      return true;
    });
    assert.equal(client.channel("test:nobody"), channel);
  } finally {
    await client.close();
  }
});

Deno.test("after close() every call rejects with ClosedError", async () => {
  const client = new CAClient({ env: loopbackEnv(await freeCaPort(), await freeUdpPort()) });
  const channel = client.channel("test:closed");
  const waiting = channel.waitForConnection(10);
  const getting = channel.get({ timeout: 10 });
  await client.close();
  await assert.rejects(waiting, ClosedError);
  await assert.rejects(getting, ClosedError);
  await assert.rejects(channel.get(), ClosedError);
  await assert.rejects(channel.put(1), ClosedError);
  assert.throws(() => channel.subscribe(() => {}), ClosedError);
  assert.throws(() => client.channel("test:other"), ClosedError);
  await client.close();
});

Deno.test("CAClient checks its options and its environment", () => {
  assert.throws(() => new CAClient({ operationTimeout: 0, env: {} }), RangeError);
  assert.throws(
    () => new CAClient({ env: { EPICS_CA_SERVER_PORT: "none" } }),
    /EPICS_CA_SERVER_PORT/,
  );
  const client = new CAClient({ env: { EPICS_CA_MAX_ARRAY_BYTES: "8100000" } });
  assert.equal(client.environment.maxArrayBytes, 8100000);
  assert.equal(client.operationTimeout, caClientDefaults.operationTimeout);
  assert.throws(() => client.channel(""), RangeError);
  assert.throws(() => client.channel("x".repeat(2000)), RangeError);
});

Deno.test("connect() finds 1,000 PVs on one circuit, and each reads its own value", async () => {
  const database = new MapDatabase();
  const names = Array.from({ length: 1000 }, (_, i) => `test:many:pv${i}`);
  for (const [i, name] of names.entries()) {
    database.add(name, new SoftPv({ nativeType: "double", value: i }));
  }
  await serveWithClient(database, async (client, server) => {
    // How fast is for deno task bench; here, that all connect and read right.
    const channels = await client.connect(names, 10);
    assert.equal(server.stats.circuits, 1, "one circuit for one server");
    const values = await Promise.all(channels.map((c) => c.get({ family: "plain" })));
    assert.deepEqual(values.map((v) => v.value), names.map((_, i) => i));
    for (let i = 0; i < 2000; i++) {
      assert.equal((await channels[i % 1000]!.get()).value, i % 1000);
    }
  });
});

Deno.test("get() reads 1,000,000 doubles when EPICS_CA_MAX_ARRAY_BYTES allows", async () => {
  const database = new MapDatabase();
  const wave = new Float64Array(1_000_000).map((_, i) => i * 0.5);
  database.add("x:wave", new SoftPv({ nativeType: "double", value: wave }));
  await serveWithClient(database, async (client) => {
    const channel = client.channel("x:wave");
    const got = await channel.get();
    assert.equal(got.count, 1_000_000);
    assert.ok(got.value instanceof Float64Array);
    assert.equal(got.value[999_999], 999_999 * 0.5);
    assert.equal(typeof got.timestamp, "number");
    const seen: PvValue[] = [];
    const subscription = channel.subscribe((v) => seen.push(v));
    await until(() => seen.length >= 1, 5, "a monitor of the waveform");
    subscription.cancel();
    assert.equal(seen[0]!.count, 1_000_000);
  }, {
    server: { maxArrayBytes: 8_100_000 },
    clientEnv: { EPICS_CA_MAX_ARRAY_BYTES: "8100000" },
  });
});

Deno.test("get() refuses an array above EPICS_CA_MAX_ARRAY_BYTES before sending", async () => {
  const database = new MapDatabase();
  database.add("x:wave", new SoftPv({ nativeType: "double", value: new Float64Array(1_000_000) }));
  database.add("x:small", new SoftPv({ nativeType: "double", value: new Float64Array(2000) }));
  await serveWithClient(database, async (client, server) => {
    const [wave, small] = await client.connect(["x:wave", "x:small"]);
    const where = `PV "x:wave" on 127.0.0.1:${server.port}`;
    const message =
      `${where}: 8000016 bytes of DBR_TIME_DOUBLE exceed EPICS_CA_MAX_ARRAY_BYTES=16384`;
    await assert.rejects(wave!.get(), (error: Error) => {
      assert.ok(error instanceof ArrayTooLargeError);
      assert.equal(error.message, message);
      assert.equal(error.code, ECA.TOLARGE);
      return true;
    });
    assert.throws(() => wave!.subscribe(() => {}), ArrayTooLargeError);
    await assert.rejects(wave!.put(new Float64Array(1_000_000)), ArrayTooLargeError);
    assert.equal((await wave!.get({ count: 10, family: "plain" })).count, 10, "a part fits");
    assert.equal((await small!.get()).count, 2000, "16,000 bytes fit");
    assert.equal(wave!.connected, true, "the channel stays connected");
  });
});

Deno.test("get() with count 0 reads the current length of an array", async () => {
  const database = new MapDatabase();
  const pv = new SoftPv({ nativeType: "long", value: new Int32Array([1, 2, 3]), maxCount: 100 });
  database.add("x:dyn", pv);
  await serveWithClient(database, async (client) => {
    const channel = client.channel("x:dyn");
    await channel.waitForConnection(5);
    assert.equal(channel.info.count, 100);
    const three = await channel.get();
    assert.ok(three.value instanceof Int32Array);
    assert.deepEqual([...three.value], [1, 2, 3]);
    pv.set(new Int32Array([4, 5, 6, 7, 8]));
    assert.deepEqual([...(await channel.get()).value as Int32Array], [4, 5, 6, 7, 8]);
    pv.set(new Int32Array([9]));
    const one = await channel.get();
    assert.equal(one.count, 1);
    assert.equal(one.value, 9, "one element is a scalar");
    assert.deepEqual([...(await channel.get({ count: 2 })).value as Int32Array], [9, 0]);
  });
});

Deno.test("put() and get() round-trip arrays of every native type", async () => {
  const database = new MapDatabase();
  const values: Record<string, Elements> = {
    string: ["a", "bc", "def"],
    short: [-3, 0, 3],
    float: [0.5, 1.5, -2.5],
    enum: [0, 1, 1],
    char: [65, 66, 67],
    long: [-100000, 0, 100000],
    double: [Math.PI, -1e-300, 1e300],
  };
  for (const native of NATIVE_TYPES) {
    database.add(
      `x:${native}`,
      new SoftPv({
        nativeType: native,
        value: native === "string" ? ["", "", ""] : [0, 0, 0],
        ...(native === "enum" ? { enumStrings: ["Off", "On"] } : {}),
      }),
    );
  }
  await serveWithClient(database, async (client) => {
    for (const native of NATIVE_TYPES) {
      const channel = client.channel(`x:${native}`);
      await channel.put(values[native]!, { wait: true });
      const got = await channel.get({ family: "plain" });
      assert.deepEqual(
        Array.from(got.value as ArrayLike<unknown>),
        Array.from(values[native]! as ArrayLike<unknown>),
        native,
      );
    }
    const flag = client.channel("x:enum");
    assert.deepEqual((await flag.get({ as: "string" })).value, ["Off", "On", "On"]);
    assert.deepEqual((await flag.get({ family: "ctrl" })).enumStrings, ["Off", "On"]);
  });
});

Deno.test("put() with wait resolves when the processing ends, and rejects a refusal", async () => {
  const database = new MapDatabase();
  const done: number[] = [];
  database.add("x:slow", slowPv(200, () => done.push(performance.now())));
  database.add(
    "x:refuses",
    new SoftPv({
      nativeType: "double",
      value: 0,
      onWrite: () => {
        throw new Error("not now");
      },
    }),
  );
  database.add("x:readonly", new SoftPv({ nativeType: "double", value: 0, writable: false }));
  await serveWithClient(database, async (client, server) => {
    const [slow, refuses, readonly] = await client.connect(["x:slow", "x:refuses", "x:readonly"]);
    const t0 = performance.now();
    await slow!.put(4, { wait: true });
    assert.ok(performance.now() - t0 >= 190, "waited for the processing");
    assert.equal(done.length, 1);
    assert.equal((await slow!.get()).value, 4);
    await assert.rejects(refuses!.put(1, { wait: true }), (error: Error) => {
      assert.ok(error instanceof OperationError);
      assert.equal(error.code, ECA.PUTFAIL);
      assert.match(error.message, new RegExp(`^PV "x:refuses" on 127.0.0.1:${server.port}: `));
      assert.match(error.message, /ECA_PUTFAIL/);
      return true;
    });
    assert.equal(readonly!.info.write, false);
    await assert.rejects(readonly!.put(1), AccessDeniedError);
  });
});

Deno.test("subscribe() gets 5,000 quick updates in order", async () => {
  const database = new MapDatabase();
  const pv = new SoftPv({ nativeType: "double", value: 0 });
  database.add("x:fast", pv);
  await serveWithClient(database, async (client) => {
    const seen: number[] = [];
    const channel = client.channel("x:fast");
    channel.subscribe((v) => seen.push(v.value as number));
    await until(() => seen.length === 1, 5, "the first update");
    for (let i = 1; i <= 5000; i++) {
      pv.set(i);
      if (i % 100 === 0) await sleep(0);
    }
    await until(() => seen.at(-1) === 5000, 10, "the last update");
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, "in order");
  });
});

Deno.test("a channel reconnects when its server comes back, and its monitor resumes", async () => {
  const database = new MapDatabase();
  const pv = new SoftPv({ nativeType: "double", value: 1 });
  database.add("x:back", pv);
  const repeaterPort = await freeUdpPort();
  let server = new CAServer(database, { port: 0, beaconPort: repeaterPort });
  await server.start();
  const port = server.port;
  const client = new CAClient({ env: loopbackEnv(port, repeaterPort) });
  try {
    const channel = client.channel("x:back");
    const states: boolean[] = [];
    channel.onConnectionChange((info) => states.push(info.connected));
    const seen: number[] = [];
    channel.subscribe((v) => seen.push(v.value as number));
    await until(() => seen.length === 1, 5, "the first update");
    await server.close();
    await until(() => !channel.connected, 5, "disconnected");
    await assert.rejects(channel.get({ timeout: 0.2 }), (error: Error) => {
      assert.ok(error instanceof DisconnectedError);
      assert.equal(error.pv, "x:back");
      assert.equal(error.server, `127.0.0.1:${port}`);
      return true;
    });
    pv.set(2);
    server = new CAServer(database, { port, beaconPort: repeaterPort });
    await server.start();
    await channel.waitForConnection(5);
    await until(() => seen.at(-1) === 2, 5, "the monitor resumes");
    pv.set(3);
    await until(() => seen.at(-1) === 3, 5, "and goes on");
    assert.deepEqual(states, [true, false, true], "told of each change");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("close() of a channel clears it on the server; the idle circuit closes", async () => {
  const database = new MapDatabase();
  database.add("x:a", new SoftPv({ nativeType: "double", value: 1 }));
  database.add("x:b", new SoftPv({ nativeType: "double", value: 2 }));
  await serveWithClient(database, async (client, server) => {
    const [a, b] = await client.connect(["x:a", "x:b"]);
    a!.subscribe(() => {});
    await until(() => server.stats.subscriptions === 1, 5, "the subscription");
    a!.close();
    await until(() => server.stats.channels === 1, 5, "one channel left");
    assert.equal(server.stats.subscriptions, 0);
    await assert.rejects(a!.get(), ClosedError);
    assert.notEqual(client.channel("x:a"), a, "a new channel for the name");
    assert.equal((await b!.get()).value, 2);
    b!.close();
    client.channel("x:a").close();
    await until(() => server.stats.circuits === 0, 5, "the idle circuit closes");
  });
});

Deno.test("subscribe() with a mask is told of those events only", async () => {
  const database = new MapDatabase();
  const pv = new SoftPv({ nativeType: "double", value: 0, units: "mm" });
  database.add("x:masked", pv);
  await serveWithClient(database, async (client) => {
    const channel = client.channel("x:masked");
    const alarms: PvValue[] = [];
    const properties: PvValue[] = [];
    const values: PvValue[] = [];
    channel.subscribe((v) => alarms.push(v), { mask: DBE.ALARM });
    channel.subscribe((v) => properties.push(v), { mask: DBE.PROPERTY, family: "ctrl" });
    channel.subscribe((v) => values.push(v), { mask: DBE.VALUE });
    await until(() => [alarms, properties, values].every((l) => l.length), 5, "first updates");
    pv.set(1);
    pv.set(2, { status: 3, severity: 2 });
    pv.setMetadata({ units: "um" });
    await until(() => values.length === 3 && properties.length === 2, 5, "the updates");
    await sleep(100);
    assert.deepEqual(values.map((v) => v.value), [0, 1, 2]);
    assert.deepEqual(alarms.map((v) => [v.value, v.severity]), [[0, 0], [2, 2]]);
    assert.deepEqual(properties.map((v) => v.units), ["mm", "um"]);
  });
});

Deno.test("get() of a type the server cannot convert to rejects with its ECA code", async () => {
  const database = new MapDatabase();
  database.add("x:text", new SoftPv({ nativeType: "string", value: "not a number" }));
  await serveWithClient(database, async (client, server) => {
    const channel = client.channel("x:text");
    await assert.rejects(channel.get({ as: "double" }), (error: Error) => {
      assert.ok(error instanceof OperationError, String(error));
      assert.equal(error.pv, "x:text");
      assert.equal(error.server, `127.0.0.1:${server.port}`);
      assert.equal(error.code, ECA.NOCONVERT);
      assert.match(error.message, /read failed: ECA_NOCONVERT \(\d+\): No reasonable data/);
      return true;
    });
    assert.equal((await channel.get()).value, "not a number", "the channel still works");
  });
});

Deno.test("two clients on one host share the repeater that the first one runs", async () => {
  const database = new MapDatabase();
  database.add("x:shared", new SoftPv({ nativeType: "double", value: 5 }));
  const port = await freeCaPort();
  const repeaterPort = await freeUdpPort();
  const env = loopbackEnv(port, repeaterPort, { EPICS_CA_MAX_SEARCH_PERIOD: "60" });
  const first = new CAClient({ env });
  const second = new CAClient({ env });
  const server = new CAServer(database, { port, beaconPort: repeaterPort });
  try {
    const a = first.channel("x:shared");
    const b = second.channel("x:shared");
    // Searches at 4.06 s and then 8.16 s: the server starts between them.
    await sleep(4500);
    await server.start();
    const t0 = performance.now();
    await Promise.all([a.waitForConnection(5), b.waitForConnection(5)]);
    assert.ok(performance.now() - t0 < 1500, "the beacons reached both clients");
    assert.equal((await b.get()).value, 5);
  } finally {
    await first.close();
    await second.close();
    await server.close();
  }
});

Deno.test("a channel the server refuses to create is reported and searched for again", async () => {
  const pv = new SoftPv({ nativeType: "double", value: 1 });
  let lookups = 0;
  let refusing = true;
  // Searches find the name; creating the channel does not, while `refusing`.
  const database = {
    lookup: (name: string) => {
      lookups++;
      return name === "x:fickle" && (!refusing || lookups % 2 === 1) ? pv : undefined;
    },
  };
  const repeaterPort = await freeUdpPort();
  const server = new CAServer(database, { port: 0, beaconPort: repeaterPort });
  await server.start();
  const errors: Error[] = [];
  const client = new CAClient({
    env: loopbackEnv(server.port, repeaterPort, { EPICS_CA_MAX_SEARCH_PERIOD: "0.2" }),
    onError: (error) => errors.push(error),
  });
  try {
    const channel = client.channel("x:fickle");
    await until(() => errors.length > 0, 5, "the refusal");
    assert.ok(errors[0] instanceof OperationError);
    assert.match(errors[0]!.message, /^PV "x:fickle" on 127.0.0.1:\d+: cannot create the channel/);
    assert.equal(channel.connected, false);
    refusing = false;
    await channel.waitForConnection(5);
    assert.equal((await channel.get()).value, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

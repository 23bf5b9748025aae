import assert from "node:assert/strict";
import {
  CA_MINOR_VERSION,
  Command,
  DBE,
  dbrType,
  DO_REPLY,
  DONT_REPLY,
  ECA,
  encodeDbr,
  encodeMessage,
  FAMILIES,
  type Message,
  NATIVE_TYPES,
  paddedString,
  readFixedString,
} from "./protocol.ts";
import { MapDatabase, SoftPv } from "./served_pv.ts";
import { CAServer, type CAServerEvent, type CAServerOptions } from "./server.ts";
import { freeCaPort, serveWithClient, sleep, slowPv } from "./_test_env.ts";
import { messagesOf, nextId, RawCircuit, searchDatagram, udpSocket } from "./_test_raw_client.ts";

/** A server on a free port, its beacons sent to a socket of the test's own. */
async function serve(database: MapDatabase, options: CAServerOptions = {}) {
  const beacons = await udpSocket();
  const events: CAServerEvent[] = [];
  const server = new CAServer(database, {
    port: 0,
    beaconPort: beacons.port,
    onEvent: (event) => events.push(event),
    ...options,
  });
  await server.start();
  return {
    server,
    beacons,
    events,
    async close() {
      await server.close();
      await beacons.close();
    },
  };
}

function demoDatabase(): MapDatabase {
  const db = new MapDatabase();
  db.add(
    "t:double",
    new SoftPv({
      nativeType: "double",
      value: 1.25,
      units: "mm",
      precision: 3,
      limits: { lowerCtrl: -10, upperCtrl: 10, lowerDisp: -5, upperDisp: 5, upperAlarm: 9 },
      clock: () => 1_700_000_000.5,
    }),
  );
  db.add("t:enum", new SoftPv({ nativeType: "enum", value: 1, enumStrings: ["Off", "On"] }));
  db.add("t:string", new SoftPv({ nativeType: "string", value: "42" }));
  db.add("t:long", new SoftPv({ nativeType: "long", value: -7 }));
  db.add("t:ro", new SoftPv({ nativeType: "double", value: 3, writable: false }));
  db.add(
    "t:wave",
    new SoftPv({ nativeType: "double", value: new Float64Array([1, 2, 3]), maxCount: 10 }),
  );
  return db;
}

Deno.test("SEARCH is answered with the TCP port for served names, NOT_FOUND only with DO_REPLY", async () => {
  const s = await serve(demoDatabase());
  const client = await udpSocket();
  try {
    const datagram = searchDatagram([["t:double", 11], ["t:nothing", 12]], DO_REPLY, 77);
    const quiet = searchDatagram([["t:nothing", 13], ["t:enum", 14]], DONT_REPLY, 78);
    client.socket.send(datagram, s.server.port, "127.0.0.1");
    const first = messagesOf(await client.next());
    assert.equal(first[0]!.header.command, Command.VERSION);
    assert.equal(first[0]!.header.dataCount, CA_MINOR_VERSION);
    assert.equal(first[0]!.header.parameter1, 77, "the sequence number is echoed");
    const found = first.find((m) => m.header.command === Command.SEARCH)!;
    assert.equal(found.header.dataType, s.server.port);
    assert.equal(found.header.parameter1, 0x7f000001, "the bound address");
    assert.equal(found.header.parameter2, 11);
    assert.equal(new DataView(found.payload.buffer).getUint16(0), CA_MINOR_VERSION);
    const missing = first.find((m) => m.header.command === Command.NOT_FOUND)!;
    assert.equal(missing.header.parameter1, 12);
    client.socket.send(quiet, s.server.port, "127.0.0.1");
    const second = messagesOf(await client.next());
    assert.deepEqual(second.map((m) => m.header.command), [Command.VERSION, Command.SEARCH]);
    assert.equal(second[1]!.header.parameter2, 14);
    await sleep(100);
    assert.equal(client.received.length, 2, "no NOT_FOUND without DO_REPLY");
  } finally {
    await client.close();
    await s.close();
  }
});

Deno.test("garbage datagrams get no answer and the server goes on answering searches", async () => {
  const s = await serve(demoDatabase());
  const client = await udpSocket();
  try {
    const send = (bytes: Uint8Array) => client.socket.send(bytes, s.server.port, "127.0.0.1");
    send(new Uint8Array([1, 2, 3]));
    send(crypto.getRandomValues(new Uint8Array(500)));
    // A header announcing far more than the datagram holds.
    send(encodeMessage(Command.SEARCH, { dataType: DO_REPLY }, new Uint8Array(8)).slice(0, 16));
    send(encodeMessage(Command.REPEATER_REGISTER, {}));
    send(encodeMessage(Command.RSRV_IS_UP, { dataCount: 1234 }));
    send(searchDatagram([["", 5]], DO_REPLY));
    await sleep(100);
    assert.equal(client.received.length, 0);
    send(searchDatagram([["t:long", 21]]));
    const reply = messagesOf(await client.next());
    assert.equal(reply[1]!.header.parameter2, 21);
  } finally {
    await client.close();
    await s.close();
  }
});

Deno.test("a circuit answers CREATE_CHAN with ACCESS_RIGHTS then the native type and count", async () => {
  const s = await serve(demoDatabase());
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const wave = await circuit.createChannel("t:wave", 1);
    assert.deepEqual([wave.type, wave.count, wave.access], [dbrType("double"), 10, 3]);
    const ro = await circuit.createChannel("t:ro", 2);
    assert.equal(ro.access, 1, "read only");
    const e = await circuit.createChannel("t:enum", 3);
    assert.equal(e.type, dbrType("enum"));
    assert.notEqual(wave.sid, ro.sid);
    await assert.rejects(circuit.createChannel("t:none", 4), /No PV "t:none"/);
    circuit.send(Command.CLEAR_CHANNEL, { parameter1: ro.sid, parameter2: 2 });
    const cleared = await circuit.next((m) => m.header.command === Command.CLEAR_CHANNEL);
    assert.deepEqual([cleared.header.parameter1, cleared.header.parameter2], [ro.sid, 2]);
    assert.equal(s.server.stats.channels, 2);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("READ_NOTIFY answers each of the 35 DBR types, converted from the native double", async () => {
  const s = await serve(demoDatabase());
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const { sid } = await circuit.createChannel("t:double", 1);
    for (const family of FAMILIES) {
      for (const native of NATIVE_TYPES) {
        const type = dbrType(native, family);
        const { status, header, data } = await circuit.read(sid, type, 1);
        const what = `DBR type ${type} (${family} ${native})`;
        assert.equal(status, ECA.NORMAL, what);
        assert.equal(header.dataType, type, what);
        const expected = native === "string"
          ? "1.250"
          : native === "float" || native === "double"
          ? 1.25
          : 1;
        assert.equal(data!.elements[0], expected, what);
        if (family === "time") assert.equal(data!.timestamp, 1_700_000_000.5, what);
        if (family !== "plain") assert.equal(data!.severity, 0, what);
        if ((family === "gr" || family === "ctrl") && native === "double") {
          assert.equal(data!.units, "mm", what);
          assert.equal(data!.precision, 3, what);
          assert.equal(data!.limits?.upperDisp, 5, what);
          assert.equal(data!.limits?.upperAlarm, 9, what);
          if (family === "ctrl") assert.equal(data!.limits?.lowerCtrl, -10, what);
        }
      }
    }
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("READ_NOTIFY converts enums, strings and longs, and gives enum strings with CTRL", async () => {
  const s = await serve(demoDatabase());
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const e = await circuit.createChannel("t:enum", 1);
    assert.deepEqual((await circuit.read(e.sid, dbrType("string"))).data!.elements, ["On"]);
    const ctrl = await circuit.read(e.sid, dbrType("enum", "ctrl"));
    assert.deepEqual(ctrl.data!.enumStrings, ["Off", "On"]);
    assert.equal(ctrl.data!.elements[0], 1);
    const text = await circuit.createChannel("t:string", 2);
    assert.equal((await circuit.read(text.sid, dbrType("double"))).data!.elements[0], 42);
    const long = await circuit.createChannel("t:long", 3);
    assert.equal((await circuit.read(long.sid, dbrType("short", "time"))).data!.elements[0], -7);
    assert.deepEqual((await circuit.read(long.sid, dbrType("string"))).data!.elements, ["-7"]);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("a count of 0 reads the current length; more than the native count is ECA_BADCOUNT", async () => {
  const db = demoDatabase();
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const { sid } = await circuit.createChannel("t:wave", 1);
    const dynamic = await circuit.read(sid, dbrType("double"), 0);
    assert.equal(dynamic.header.dataCount, 3);
    assert.deepEqual([...dynamic.data!.elements as Float64Array], [1, 2, 3]);
    const padded = await circuit.read(sid, dbrType("long"), 5);
    assert.deepEqual([...padded.data!.elements as Int32Array], [1, 2, 3, 0, 0]);
    const tooMany = await circuit.read(sid, dbrType("double"), 11);
    assert.equal(tooMany.status, ECA.BADCOUNT);
    const notNumber = new SoftPv({ nativeType: "string", value: "abc" });
    db.add("t:abc", notNumber);
    const abc = await circuit.createChannel("t:abc", 2);
    assert.equal((await circuit.read(abc.sid, dbrType("double"))).status, ECA.NOCONVERT);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("WRITE and WRITE_NOTIFY convert to the native type; a read-only PV gets ECA_NOWTACCESS", async () => {
  const db = demoDatabase();
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const d = await circuit.createChannel("t:double", 1);
    circuit.send(Command.WRITE, {
      dataType: dbrType("string"),
      dataCount: 1,
      parameter1: d.sid,
      parameter2: nextId(),
    }, encodeDbr(dbrType("string"), 1, { elements: ["2.5"] }));
    assert.equal(await circuit.writeNotify(d.sid, dbrType("long"), [4]), ECA.NORMAL);
    assert.equal((db.lookup("t:double") as SoftPv).value, 4);
    const e = await circuit.createChannel("t:enum", 2);
    assert.equal(await circuit.writeNotify(e.sid, dbrType("string"), ["Off"]), ECA.NORMAL);
    assert.equal((db.lookup("t:enum") as SoftPv).value, 0);
    assert.equal(await circuit.writeNotify(e.sid, dbrType("string"), ["Maybe"]), ECA.BADSTR);
    const ro = await circuit.createChannel("t:ro", 3);
    assert.equal(await circuit.writeNotify(ro.sid, dbrType("double"), [1]), ECA.NOWTACCESS);
    circuit.send(Command.WRITE, {
      dataType: dbrType("double"),
      dataCount: 1,
      parameter1: ro.sid,
      parameter2: 99,
    }, encodeDbr(dbrType("double"), 1, { elements: [1] }));
    const error = await circuit.next((m) => m.header.command === Command.ERROR);
    assert.equal(error.header.parameter2, ECA.NOWTACCESS);
    assert.equal(error.header.parameter1, 3, "the channel's cid");
    assert.equal(readFixedString(error.payload, 16, 100), 'PV "t:ro" is read-only');
    assert.equal((db.lookup("t:ro") as SoftPv).value, 3);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("WRITE_NOTIFY answers when the write's promise resolves, ECA_PUTFAIL when it rejects", async () => {
  const db = new MapDatabase();
  let release: () => void = () => {};
  db.add(
    "t:slow",
    new SoftPv({
      nativeType: "double",
      value: 0,
      onWrite: (elements, pv) =>
        new Promise<void>((resolve) => {
          release = () => {
            pv.set(elements);
            resolve();
          };
        }),
    }),
  );
  db.add(
    "t:fails",
    new SoftPv({
      nativeType: "double",
      value: 0,
      onWrite: () => Promise.reject(new Error("Limit switch")),
    }),
  );
  db.add(
    "t:throws",
    new SoftPv({
      nativeType: "double",
      value: 0,
      onWrite: () => {
        throw new RangeError("Out of range");
      },
    }),
  );
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const slow = await circuit.createChannel("t:slow", 1);
    let answered = false;
    const put = circuit.writeNotify(slow.sid, dbrType("double"), [5]).then((status) => {
      answered = true;
      return status;
    });
    await sleep(100);
    assert.equal(answered, false, "no answer while the write is under way");
    release();
    assert.equal(await put, ECA.NORMAL);
    const fails = await circuit.createChannel("t:fails", 2);
    assert.equal(await circuit.writeNotify(fails.sid, dbrType("double"), [1]), ECA.PUTFAIL);
    const throws = await circuit.createChannel("t:throws", 3);
    assert.equal(await circuit.writeNotify(throws.sid, dbrType("double"), [1]), ECA.PUTFAIL);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("EVENT_ADD sends the value at once and each change its mask matches; EVENT_CANCEL ends it", async () => {
  const db = demoDatabase();
  const pv = db.lookup("t:long") as SoftPv;
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const { sid } = await circuit.createChannel("t:long", 1);
    const values = circuit.subscribe(sid, dbrType("double", "time"), DBE.VALUE);
    const alarms = circuit.subscribe(sid, dbrType("string", "sts"), DBE.ALARM);
    const first = await circuit.update(values);
    assert.equal(first.data.elements[0], -7);
    assert.equal(first.header.parameter1, ECA.NORMAL);
    assert.equal((await circuit.update(alarms)).data.elements[0], "-7");
    pv.set(8);
    pv.set(9, { status: 3, severity: 2 });
    assert.equal((await circuit.update(values)).data.elements[0], 8);
    assert.equal((await circuit.update(values)).data.elements[0], 9);
    const alarm = await circuit.update(alarms);
    assert.deepEqual([alarm.data.elements[0], alarm.data.severity], ["9", 2]);
    circuit.send(Command.EVENT_CANCEL, {
      dataType: dbrType("double", "time"),
      dataCount: 0,
      parameter1: sid,
      parameter2: values,
    });
    const last = await circuit.next((m) =>
      m.header.command === Command.EVENT_ADD && m.header.parameter2 === values
    );
    assert.equal(last.payload.length, 0);
    assert.equal(last.header.parameter1, sid);
    pv.set(10);
    await sleep(50);
    assert.equal(circuit.inbox.filter((m) => m.header.parameter2 === values).length, 0);
    assert.equal(s.server.stats.subscriptions, 1);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("ECHO is answered; EVENTS_OFF holds updates and EVENTS_ON sends the latest", async () => {
  const db = demoDatabase();
  const pv = db.lookup("t:long") as SoftPv;
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    circuit.send(Command.ECHO);
    await circuit.next((m) => m.header.command === Command.ECHO);
    const { sid } = await circuit.createChannel("t:long", 1);
    const subid = circuit.subscribe(sid, dbrType("long"), DBE.VALUE);
    await circuit.update(subid);
    circuit.send(Command.EVENTS_OFF);
    circuit.send(Command.ECHO);
    await circuit.next((m) => m.header.command === Command.ECHO);
    for (let i = 0; i < 5; i++) pv.set(100 + i);
    await sleep(50);
    assert.equal(circuit.inbox.length, 0);
    circuit.send(Command.EVENTS_ON);
    assert.equal((await circuit.update(subid)).data.elements[0], 104);
    await sleep(50);
    assert.equal(circuit.inbox.length, 0, "only the latest");
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("bad requests, and a PV that throws, get an ERROR carrying the request's header", async () => {
  const database = demoDatabase();
  const broken = new SoftPv({ nativeType: "double", value: 0 });
  Object.defineProperty(broken, "writable", {
    get() {
      throw new Error("Broken PV");
    },
  });
  database.add("t:broken", broken);
  const s = await serve(database);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    circuit.send(Command.READ_NOTIFY, {
      dataType: 6,
      dataCount: 1,
      parameter1: 999,
      parameter2: 5,
    });
    const error = await circuit.next((m) => m.header.command === Command.ERROR);
    assert.equal(error.header.parameter2, ECA.BADCHID);
    const embedded = messagesOf(error.payload.slice(0, 16))[0]!.header;
    assert.deepEqual(
      [embedded.command, embedded.dataType, embedded.parameter1, embedded.parameter2],
      [Command.READ_NOTIFY, 6, 999, 5],
    );
    const { sid } = await circuit.createChannel("t:double", 7);
    circuit.send(Command.READ_NOTIFY, {
      dataType: 40,
      dataCount: 1,
      parameter1: sid,
      parameter2: 6,
    });
    const badType = await circuit.next((m) => m.header.command === Command.ERROR);
    assert.deepEqual([badType.header.parameter1, badType.header.parameter2], [7, ECA.BADTYPE]);
    circuit.subscribe(sid, dbrType("double"), 0);
    const badMask = await circuit.next((m) => m.header.command === Command.ERROR);
    assert.equal(badMask.header.parameter2, ECA.BADMASK);
    circuit.send(Command.CREATE_CHAN, { parameter1: 8 }, paddedString("t:broken"));
    const broken = await circuit.next((m) => m.header.command === Command.ERROR);
    assert.equal(broken.header.parameter2, ECA.INTERNAL);
    assert.equal(readFixedString(broken.payload, 16, 100), "The request failed: Broken PV");
    assert.ok(s.events.some((e) => e.type === "error" && e.error.message === "Broken PV"));
    assert.equal((await circuit.read(sid, dbrType("double"), 1)).status, ECA.NORMAL);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("a malformed or oversized message closes its circuit only", async () => {
  const s = await serve(demoDatabase());
  const good = await RawCircuit.connect(s.server.port);
  const bad = await RawCircuit.connect(s.server.port);
  const huge = await RawCircuit.connect(s.server.port);
  try {
    const { sid } = await good.createChannel("t:double", 1);
    bad.send(0x7777, { parameter1: 1 });
    const error = await bad.next((m) => m.header.command === Command.ERROR);
    assert.match(readFixedString(error.payload, 16, 200), /Invalid request code "30583"/);
    await bad.closed();
    // An extended header announcing 1 GB.
    const header = new Uint8Array(24);
    const view = new DataView(header.buffer);
    view.setUint16(0, Command.WRITE);
    view.setUint16(2, 0xffff);
    view.setUint32(16, 1 << 30);
    huge.sendBytes(header);
    await huge.closed();
    assert.equal((await good.read(sid, dbrType("double"), 1)).data!.elements[0], 1.25);
    assert.ok(
      s.events.some((e) => e.type === "error" && /Invalid request code/.test(e.error.message)),
    );
    assert.equal(s.server.stats.circuits, 1);
  } finally {
    await good.close();
    await bad.close();
    await huge.close();
    await s.close();
  }
});

Deno.test("onEvent tells of connections, identities and disconnections", async () => {
  const s = await serve(demoDatabase());
  const circuit = await RawCircuit.connect(s.server.port);
  await circuit.createChannel("t:double", 1);
  await circuit.close();
  for (let i = 0; i < 50 && !s.events.some((e) => e.type === "disconnect"); i++) await sleep(10);
  await s.close();
  const types = s.events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t !== "identify"), ["listening", "connect", "disconnect"]);
  const identified = s.events.filter((e) => e.type === "identify").at(-1);
  assert.deepEqual(identified, {
    type: "identify",
    client: (s.events[1] as { client: string }).client,
    user: "tester",
    host: "testhost",
  });
});

Deno.test("1,000 channels are created and read by one client, each its own value", async () => {
  const db = new MapDatabase();
  for (let i = 0; i < 1000; i++) {
    db.add(`t:many${i}`, new SoftPv({ nativeType: "double", value: i }));
  }
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const channels = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => circuit.createChannel(`t:many${i}`, i + 1)),
    );
    assert.equal(new Set(channels.map((c) => c.sid)).size, 1000, "1,000 channels");
    const reads = await Promise.all(
      channels.map((c) => circuit.read(c.sid, dbrType("double", "time"))),
    );
    assert.deepEqual(
      reads.map((r) => r.data!.elements[0]),
      Array.from({ length: 1000 }, (_, i) => i),
    );
    for (let i = 0; i < 2000; i++) {
      const read = await circuit.read(channels[i % 1000]!.sid, dbrType("double"));
      assert.equal(read.data!.elements[0], i % 1000);
    }
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("monitor updates at more than 10 kHz arrive in order, in far fewer writes", async () => {
  const db = new MapDatabase();
  const pv = new SoftPv({ nativeType: "long", value: 0 });
  db.add("t:fast", pv);
  const s = await serve(db);
  const circuit = await RawCircuit.connect(s.server.port);
  try {
    const { sid } = await circuit.createChannel("t:fast", 1);
    const subid = circuit.subscribe(sid, dbrType("long", "time"), DBE.VALUE);
    await circuit.update(subid);
    const writesBefore = s.server.stats.writes;
    const total = 20_000;
    for (let i = 1; i <= total;) {
      for (let k = 0; k < 100; k++, i++) pv.set(i);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const seen: number[] = [];
    while (seen.at(-1) !== total) {
      seen.push((await circuit.update(subid)).data.elements[0] as number);
    }
    const { writes, dropped } = s.server.stats;
    assert.equal(seen.length + dropped, total, "each update delivered or counted as dropped");
    assert.ok(seen.every((x, i) => i === 0 || x > seen[i - 1]!), "in order");
    assert.ok(writes - writesBefore < total / 10, `${writes - writesBefore} writes`);
  } finally {
    await circuit.close();
    await s.close();
  }
});

Deno.test("a client that reads nothing gets its updates coalesced, not queued without bound", async () => {
  const db = new MapDatabase();
  const pv = new SoftPv({ nativeType: "double", value: new Float64Array(1000) });
  db.add("t:wave", pv);
  const s = await serve(db, { monitorQueue: 8 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.server.port });
  try {
    const mask = new Uint8Array(16);
    new DataView(mask.buffer).setUint16(12, DBE.VALUE);
    await conn.write(encodeMessage(Command.VERSION, { dataCount: CA_MINOR_VERSION }));
    await conn.write(encodeMessage(Command.CREATE_CHAN, { parameter1: 1 }, paddedString("t:wave")));
    await sleep(50);
    // The first channel of a circuit gets sid 1.
    await conn.write(
      encodeMessage(
        Command.EVENT_ADD,
        { dataType: 6, dataCount: 0, parameter1: 1, parameter2: 1 },
        mask,
      ),
    );
    await sleep(50);
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      pv.set(new Float64Array(1000).fill(i));
      if (i % 100 === 0) {
        await sleep(1);
        most = Math.max(most, s.server.stats.queued);
      }
    }
    const { dropped, bytes } = s.server.stats;
    assert.ok(most <= 8 + 2, `at most ${most} queued`);
    assert.ok(dropped > 3000, `${dropped} dropped`);
    assert.ok(bytes < 5000 * 8000 / 2, `${bytes} bytes written`);
  } finally {
    conn.close();
    await s.close();
  }
});

Deno.test("1,000,000 doubles travel with the extended header when maxArrayBytes allows", async () => {
  const db = new MapDatabase();
  const big = Float64Array.from({ length: 1_000_000 }, (_, i) => i * 0.5);
  db.add("t:big", new SoftPv({ nativeType: "double", value: big }));
  const small = await serve(db);
  const large = await serve(db, { maxArrayBytes: 8_000_100 });
  const a = await RawCircuit.connect(small.server.port);
  const b = await RawCircuit.connect(large.server.port);
  try {
    const refused = await a.createChannel("t:big", 1);
    assert.equal(refused.count, 1_000_000, "an extended CREATE_CHAN");
    assert.equal((await a.read(refused.sid, dbrType("double"))).status, ECA.TOLARGE);
    const { sid } = await b.createChannel("t:big", 1);
    const reply = await b.read(sid, dbrType("double", "time"), 0);
    assert.equal(reply.header.payloadSize, 8_000_016);
    const elements = reply.data!.elements as Float64Array;
    assert.equal(elements.length, 1_000_000);
    assert.equal(elements[999_999], 999_999 * 0.5);
    const subid = b.subscribe(sid, dbrType("double"), DBE.VALUE);
    assert.equal((await b.update(subid)).data.elements.length, 1_000_000);
    const payload = encodeDbr(dbrType("double"), 1_000_000, { elements: big.map((x) => -x) });
    const ioid = nextId();
    b.sendBytes(
      encodeMessage(Command.WRITE_NOTIFY, {
        dataType: dbrType("double"),
        dataCount: 1_000_000,
        parameter1: sid,
        parameter2: ioid,
      }, payload),
    );
    const done = await b.next((m: Message) => m.header.command === Command.WRITE_NOTIFY);
    assert.equal(done.header.parameter1, ECA.NORMAL);
    const after = (db.lookup("t:big") as SoftPv).state().elements as Float64Array;
    assert.equal(after[10], -5);
  } finally {
    await a.close();
    await b.close();
    await small.close();
    await large.close();
  }
});

Deno.test("port 0 serves TCP and UDP on one free number; the env's port is obeyed", async () => {
  const s = await serve(demoDatabase());
  const client = await udpSocket();
  try {
    client.socket.send(searchDatagram([["t:enum", 1]]), s.server.port, "127.0.0.1");
    const reply = messagesOf(await client.next());
    assert.equal(reply[1]!.header.dataType, s.server.port);
    assert.equal(client.received[0]!.port, s.server.port, "answered from the same port");
  } finally {
    await client.close();
    await s.close();
  }
  const port = await freeCaPort();
  const beacons = await udpSocket();
  const server = new CAServer(demoDatabase(), {
    env: { EPICS_CA_SERVER_PORT: String(port), EPICS_CA_REPEATER_PORT: String(beacons.port) },
  });
  try {
    await server.start();
    assert.equal(server.port, port);
    const beacon = messagesOf(await beacons.next())[0]!.header;
    assert.equal(beacon.command, Command.RSRV_IS_UP);
  } finally {
    await server.close();
    await beacons.close();
  }
  assert.throws(
    () => new CAServer(demoDatabase(), { env: { EPICS_CA_SERVER_PORT: "http" } }),
    /EPICS_CA_SERVER_PORT must be an integer from 1 to 65535: got "http"/,
  );
});

Deno.test("a taken port makes start() fail with the server named", async () => {
  const s = await serve(demoDatabase());
  const other = new CAServer(demoDatabase(), { port: s.server.port, beaconPort: s.beacons.port });
  try {
    await assert.rejects(other.start(), new RegExp(`on 127.0.0.1:${s.server.port}: Cannot listen`));
  } finally {
    await other.close();
    await s.close();
  }
});

Deno.test("beacons start 20 ms apart and slow down by doubling, announcing the port", async () => {
  const s = await serve(demoDatabase(), { beaconPeriod: 0.2 });
  try {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { header } = messagesOf(await s.beacons.next())[0]!;
      assert.equal(header.command, Command.RSRV_IS_UP);
      assert.equal(header.dataType, CA_MINOR_VERSION);
      assert.equal(header.dataCount, s.server.port);
      assert.equal(header.parameter2, 0x7f000001);
      ids.push(header.parameter1);
    }
    assert.deepEqual(ids, [0, 1, 2, 3, 4, 5]);
    const at = s.beacons.received.map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    // 20, 40, 80, 160, then the 200 ms ceiling.
    assert.ok(gaps[0]! < 60, `first gap ${gaps[0]} ms`);
    assert.ok(gaps[3]! > 120 && gaps[4]! > 150 && gaps[4]! < 400, `gaps ${gaps.join(", ")}`);
  } finally {
    await s.close();
  }
});

Deno.test("CAClient reads a PV with its CTRL metadata and TIME stamp through the server", async () => {
  await serveWithClient(demoDatabase(), async (client) => {
    const [double, e] = await client.connect(["t:double", "t:enum"]);
    const ctrl = await double!.get({ family: "ctrl" });
    assert.deepEqual([ctrl.value, ctrl.units, ctrl.precision], [1.25, "mm", 3]);
    assert.equal(ctrl.limits?.upperCtrl, 10);
    assert.equal((await double!.get()).timestamp, 1_700_000_000.5);
    assert.deepEqual((await e!.get({ family: "ctrl" })).enumStrings, ["Off", "On"]);
    assert.equal((await e!.get({ as: "string" })).value, "On");
    assert.equal(double!.info.nativeType, "double");
  });
});

Deno.test("CAClient put({wait}) returns when the server's write completes", async () => {
  const database = new MapDatabase();
  const pv = slowPv(200);
  database.add("t:slow", pv);
  await serveWithClient(database, async (client) => {
    const [slow] = await client.connect(["t:slow"]);
    const t0 = performance.now();
    await slow!.put(2.5, { wait: true });
    assert.ok(performance.now() - t0 >= 190, "waited for the completion");
    assert.equal(pv.value, 2.5);
  });
});

Deno.test("CAClient monitors follow the PV through the server, in order", async () => {
  const database = new MapDatabase();
  const pv = new SoftPv({ nativeType: "long", value: 0 });
  database.add("t:counter", pv);
  await serveWithClient(database, async (client) => {
    const [counter] = await client.connect(["t:counter"]);
    const seen: number[] = [];
    let wake: () => void = () => {};
    const subscription = counter!.subscribe((update) => {
      seen.push(update.value as number);
      wake();
    });
    const until = async (n: number) => {
      const deadline = performance.now() + 3000;
      while (seen.at(-1) !== n) {
        assert.ok(performance.now() < deadline, `no update ${n} in 3 s: ${seen.join(", ")}`);
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, 100);
        });
        clearTimeout(timer);
      }
    };
    await until(0);
    for (let i = 1; i <= 50; i++) pv.set(i);
    await until(50);
    subscription.cancel();
    assert.deepEqual(seen, Array.from({ length: 51 }, (_, i) => i));
  });
});

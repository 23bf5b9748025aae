import assert from "node:assert/strict";
import { GaussianDetector } from "../gaussian.ts";
import { SimMotor } from "../motor.ts";
import { RandomSensor } from "../sensor.ts";
import { Signal, SignalRO } from "../signal.ts";
import { Command, DBE, type DbrData, dbrType, ECA } from "./protocol.ts";
import { publishDevice, publishSignal } from "./publish.ts";
import { MapDatabase } from "./served_pv.ts";
import { CAServer } from "./server.ts";
import { RawCircuit, udpSocket } from "./_test_raw_client.ts";
import { sleep } from "./_test_env.ts";

/** Serve `database` on a free port and hand a connected raw circuit to `body`. */
async function withCircuit(
  database: MapDatabase,
  body: (circuit: RawCircuit) => Promise<void>,
): Promise<void> {
  const beacons = await udpSocket();
  const server = new CAServer(database, { port: 0, beaconPort: beacons.port });
  await server.start();
  const circuit = await RawCircuit.connect(server.port);
  try {
    await body(circuit);
  } finally {
    await circuit.close();
    await server.close();
    await beacons.close();
  }
}

Deno.test("a published Signal serves its metadata, takes puts, and posts what put() stores", async () => {
  const database = new MapDatabase();
  const gain = new Signal({
    name: "gain",
    value: 2,
    units: "V/V",
    precision: 2,
    limits: { low: 0, high: 10 },
  });
  assert.equal(publishSignal(database, gain, { name: "sim:gain" }), "sim:gain");
  await withCircuit(database, async (circuit) => {
    const { sid, type, access } = await circuit.createChannel("sim:gain", 1);
    assert.deepEqual([type, access], [dbrType("double"), 3]);
    const ctrl = (await circuit.read(sid, dbrType("double", "ctrl"))).data!;
    assert.deepEqual([ctrl.elements[0], ctrl.units, ctrl.precision], [2, "V/V", 2]);
    assert.deepEqual([ctrl.limits?.lowerCtrl, ctrl.limits?.upperCtrl], [0, 10]);
    const subid = circuit.subscribe(sid, dbrType("double", "time"), DBE.VALUE);
    assert.equal((await circuit.update(subid)).data.elements[0], 2);
    gain.put(3);
    const update = (await circuit.update(subid)).data;
    assert.equal(update.elements[0], 3);
    assert.equal(update.timestamp, gain.read().gain!.timestamp);
    assert.equal(await circuit.writeNotify(sid, dbrType("double"), [7]), ECA.NORMAL);
    assert.equal(gain.get(), 7);
    assert.equal((await circuit.update(subid)).data.elements[0], 7);
    assert.equal(await circuit.writeNotify(sid, dbrType("double"), [11]), ECA.PUTFAIL);
    assert.equal(gain.get(), 7, "outside the limits");
  });
});

Deno.test("a string signal with choices is an enum of them; a SignalRO refuses writes", async () => {
  const database = new MapDatabase();
  const noise = new Signal({ name: "noise", value: "none", choices: ["none", "poisson"] });
  const label = new SignalRO({ name: "label", value: "sample A" });
  const flag = new Signal({ name: "flag", value: false });
  publishSignal(database, noise);
  publishSignal(database, label);
  publishSignal(database, flag);
  await withCircuit(database, async (circuit) => {
    const n = await circuit.createChannel("noise", 1);
    assert.equal(n.type, dbrType("enum"));
    const ctrl = (await circuit.read(n.sid, dbrType("enum", "ctrl"))).data!;
    assert.deepEqual(ctrl.enumStrings, ["none", "poisson"]);
    assert.equal(await circuit.writeNotify(n.sid, dbrType("string"), ["poisson"]), ECA.NORMAL);
    assert.equal(noise.get(), "poisson");
    assert.equal(await circuit.writeNotify(n.sid, dbrType("enum"), [5]), ECA.PUTFAIL);
    const l = await circuit.createChannel("label", 2);
    assert.deepEqual([l.type, l.access], [dbrType("string"), 1]);
    assert.deepEqual((await circuit.read(l.sid, dbrType("string"))).data!.elements, ["sample A"]);
    assert.equal(await circuit.writeNotify(l.sid, dbrType("string"), ["B"]), ECA.NOWTACCESS);
    const f = await circuit.createChannel("flag", 3);
    assert.equal(await circuit.writeNotify(f.sid, dbrType("string"), ["True"]), ECA.NORMAL);
    assert.equal(flag.get(), true);
  });
});

Deno.test("a SimMotor's .VAL put with callback completes when the move is done, .DMOV and .RBV following", async () => {
  const database = new MapDatabase();
  const motor = new SimMotor({ name: "m1", velocity: 5, acceleration: 0, units: "mm" });
  const names = publishDevice(database, motor);
  for (const field of ["VAL", "RBV", "DMOV", "MOVN", "STOP", "VELO", "ACCL", "EGU", "HLM"]) {
    assert.ok(names.includes(`sim:m1.${field}`), field);
  }
  assert.ok(names.includes("sim:m1"));
  await withCircuit(database, async (circuit) => {
    const val = await circuit.createChannel("sim:m1.VAL", 1);
    const rbv = await circuit.createChannel("sim:m1.RBV", 2);
    const dmov = await circuit.createChannel("sim:m1.DMOV", 3);
    const egu = await circuit.createChannel("sim:m1.EGU", 4);
    assert.deepEqual((await circuit.read(egu.sid, dbrType("string"))).data!.elements, ["mm"]);
    const rbvSub = circuit.subscribe(rbv.sid, dbrType("double", "time"), DBE.VALUE);
    const dmovSub = circuit.subscribe(dmov.sid, dbrType("short"), DBE.VALUE);
    assert.equal((await circuit.update(dmovSub)).data.elements[0], 1);
    const t0 = performance.now();
    assert.equal(await circuit.writeNotify(val.sid, dbrType("double"), [1]), ECA.NORMAL);
    const elapsed = performance.now() - t0;
    assert.ok(elapsed > 150, `the put waited ${elapsed.toFixed(0)} ms for a 0.2 s move`);
    assert.equal(motor.position, 1);
    assert.equal((await circuit.update(dmovSub)).data.elements[0], 0);
    assert.equal((await circuit.update(dmovSub)).data.elements[0], 1);
    const readbacks: number[] = [];
    while (readbacks.at(-1) !== 1) {
      readbacks.push((await circuit.update(rbvSub)).data.elements[0] as number);
    }
    assert.ok(readbacks.length >= 3, `readbacks during the move: ${readbacks.join(", ")}`);
    assert.ok(readbacks.every((x, i) => i === 0 || x >= readbacks[i - 1]!), "moving up");
    const velo = await circuit.createChannel("sim:m1.VELO", 5);
    assert.equal(await circuit.writeNotify(velo.sid, dbrType("double"), [20]), ECA.NORMAL);
    assert.equal(motor.velocity.get(), 20);
  });
});

Deno.test("a SimMotor's .STOP halts the move and the .VAL put completes", async () => {
  const database = new MapDatabase();
  const motor = new SimMotor({ name: "m2", velocity: 1, acceleration: 0 });
  publishDevice(database, motor, { prefix: "ioc:m2" });
  await withCircuit(database, async (circuit) => {
    const val = await circuit.createChannel("ioc:m2", 1);
    const stop = await circuit.createChannel("ioc:m2.STOP", 2);
    const put = circuit.writeNotify(val.sid, dbrType("double"), [10], 5000);
    await sleep(100);
    assert.ok(motor.moving);
    circuit.send(Command.WRITE, {
      dataType: dbrType("short"),
      dataCount: 1,
      parameter1: stop.sid,
      parameter2: 9,
    }, new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0]));
    assert.equal(await put, ECA.NORMAL);
    assert.ok(!motor.moving);
    assert.ok(motor.position > 0 && motor.position < 1, `stopped at ${motor.position}`);
  });
});

Deno.test("publishDevice names fields after their sources and refuses values no PV carries", () => {
  const database = new MapDatabase();
  const motor = new SimMotor({ name: "m3", instant: true });
  const det = new GaussianDetector({ name: "det", motor });
  const names = publishDevice(database, det, { prefix: "sim:det" });
  assert.deepEqual(names.sort(), [
    "sim:det.Imax",
    "sim:det.center",
    "sim:det.noise",
    "sim:det.noise_multiplier",
    "sim:det.sigma",
    "sim:det.val",
  ]);
  assert.equal(database.lookup("sim:det.noise")!.nativeType, "enum");
  const odd = new Signal<unknown>({ name: "odd", value: { a: 1 } });
  assert.throws(() => publishSignal(database, odd), /Cannot publish signal "odd" as PV "odd"/);
  assert.throws(() => publishSignal(database, det.val, { name: "sim:det.val" }), /already/);
});

Deno.test("a value computed on read (a random sensor) is polled while subscribed", async () => {
  const database = new MapDatabase();
  publishSignal(database, new RandomSensor({ rate: 50, seed: 3 }), { pollPeriod: 0.005 });
  await withCircuit(database, async (circuit) => {
    const { sid } = await circuit.createChannel("sensor", 1);
    const subid = circuit.subscribe(sid, dbrType("double", "time"), DBE.VALUE);
    const updates: DbrData[] = [];
    for (let i = 0; i < 5; i++) updates.push((await circuit.update(subid)).data);
    const values = new Set(updates.map((u) => u.elements[0]));
    assert.equal(values.size, 5, "each update a new value");
    assert.ok(updates.every((u, i) => i === 0 || u.timestamp! > updates[i - 1]!.timestamp!));
  });
});

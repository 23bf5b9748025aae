import assert from "node:assert/strict";
import { caEnvironmentDefaults, readCaEnvironment, searchAddresses } from "./environment.ts";

Deno.test("readCaEnvironment() gives libca's defaults for an empty environment", () => {
  const settings = readCaEnvironment({});
  assert.deepEqual(settings, caEnvironmentDefaults);
  assert.equal(settings.serverPort, 5064);
  assert.equal(settings.repeaterPort, 5065);
  assert.equal(settings.maxArrayBytes, 16384);
  assert.equal(settings.connTimeout, 30);
  assert.equal(settings.autoAddrList, true);
  assert.deepEqual(settings.addrList, []);
});

Deno.test("readCaEnvironment() treats empty and blank variables as unset", () => {
  const settings = readCaEnvironment({
    EPICS_CA_ADDR_LIST: "  ",
    EPICS_CA_SERVER_PORT: "",
    EPICS_CA_CONN_TMO: " ",
  });
  assert.deepEqual(settings, caEnvironmentDefaults);
});

Deno.test("readCaEnvironment() reads the address list with its own or the server port", () => {
  const settings = readCaEnvironment({
    EPICS_CA_ADDR_LIST: " 127.0.0.1\t10.0.0.255:5999  ioc-host.example  localhost ",
    EPICS_CA_SERVER_PORT: "6064",
  });
  assert.deepEqual(settings.addrList, [
    { host: "127.0.0.1", port: 6064 },
    { host: "10.0.0.255", port: 5999 },
    { host: "ioc-host.example", port: 6064 },
    { host: "127.0.0.1", port: 6064 },
  ]);
  assert.equal(settings.serverPort, 6064);
});

Deno.test("readCaEnvironment() reads YES/NO in any case", () => {
  for (const [text, expected] of [["NO", false], ["no", false], ["YES", true], ["yes", true]]) {
    assert.equal(
      readCaEnvironment({ EPICS_CA_AUTO_ADDR_LIST: text as string }).autoAddrList,
      expected,
    );
  }
});

Deno.test("readCaEnvironment() reads ports, sizes and times", () => {
  const settings = readCaEnvironment({
    EPICS_CA_REPEATER_PORT: "7065",
    EPICS_CA_MAX_ARRAY_BYTES: "8100000",
    EPICS_CA_CONN_TMO: "2.5",
    EPICS_CA_MAX_SEARCH_PERIOD: "60",
  });
  assert.equal(settings.repeaterPort, 7065);
  assert.equal(settings.maxArrayBytes, 8100000);
  assert.equal(settings.connTimeout, 2.5);
  assert.equal(settings.maxSearchPeriod, 60);
});

Deno.test("readCaEnvironment() raises a small EPICS_CA_MAX_ARRAY_BYTES to 16384, as libca", () => {
  assert.equal(readCaEnvironment({ EPICS_CA_MAX_ARRAY_BYTES: "100" }).maxArrayBytes, 16384);
});

Deno.test("readCaEnvironment() names the variable of a bad value", () => {
  const cases: [Record<string, string>, ErrorConstructor, RegExp][] = [
    [{ EPICS_CA_SERVER_PORT: "0" }, RangeError, /EPICS_CA_SERVER_PORT must be a port .*"0"/],
    [{ EPICS_CA_SERVER_PORT: "70000" }, RangeError, /EPICS_CA_SERVER_PORT.*"70000"/],
    [{ EPICS_CA_REPEATER_PORT: "x" }, RangeError, /EPICS_CA_REPEATER_PORT.*"x"/],
    [{ EPICS_CA_MAX_ARRAY_BYTES: "-1" }, RangeError, /EPICS_CA_MAX_ARRAY_BYTES.*"-1"/],
    [{ EPICS_CA_MAX_ARRAY_BYTES: "1e6" }, RangeError, /EPICS_CA_MAX_ARRAY_BYTES.*"1e6"/],
    [{ EPICS_CA_CONN_TMO: "0" }, RangeError, /EPICS_CA_CONN_TMO must be a positive .*"0"/],
    [{ EPICS_CA_CONN_TMO: "soon" }, RangeError, /EPICS_CA_CONN_TMO.*"soon"/],
    [{ EPICS_CA_MAX_SEARCH_PERIOD: "-5" }, RangeError, /EPICS_CA_MAX_SEARCH_PERIOD.*"-5"/],
    [
      { EPICS_CA_AUTO_ADDR_LIST: "maybe" },
      TypeError,
      /EPICS_CA_AUTO_ADDR_LIST must be YES or NO: got "maybe"/,
    ],
    [{ EPICS_CA_ADDR_LIST: "127.0.0.1 bad_host!" }, TypeError, /EPICS_CA_ADDR_LIST.*"bad_host!"/],
    [{ EPICS_CA_ADDR_LIST: "300.1.1.1" }, TypeError, /EPICS_CA_ADDR_LIST.*"300.1.1.1"/],
    [
      { EPICS_CA_ADDR_LIST: "127.0.0.1:99999" },
      RangeError,
      /EPICS_CA_ADDR_LIST \("127.0.0.1:99999"\)/,
    ],
  ];
  for (const [env, Kind, message] of cases) {
    assert.throws(() => readCaEnvironment(env), (error: Error) => {
      assert.ok(error instanceof Kind, `${JSON.stringify(env)} gave ${error.name}`);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("searchAddresses() adds the broadcast address of each interface but loopback", () => {
  const iface = (address: string, netmask: string): Deno.NetworkInterfaceInfo => ({
    family: "IPv4",
    name: "eth",
    address,
    netmask,
    scopeid: null,
    cidr: `${address}/0`,
    mac: "00:00:00:00:00:00",
  });
  const interfaces = [
    iface("127.0.0.1", "255.0.0.0"),
    iface("192.168.7.20", "255.255.252.0"),
    iface("10.2.3.4", "255.0.0.0"),
  ];
  const settings = readCaEnvironment({ EPICS_CA_ADDR_LIST: "127.0.0.1" });
  assert.deepEqual(searchAddresses(settings, interfaces), [
    { host: "127.0.0.1", port: 5064 },
    { host: "192.168.7.255", port: 5064 },
    { host: "10.255.255.255", port: 5064 },
  ]);
});

Deno.test("searchAddresses() is the address list alone when EPICS_CA_AUTO_ADDR_LIST=NO", () => {
  const settings = readCaEnvironment({
    EPICS_CA_ADDR_LIST: "127.0.0.1 127.0.0.1",
    EPICS_CA_AUTO_ADDR_LIST: "NO",
  });
  assert.deepEqual(searchAddresses(settings, []), [{ host: "127.0.0.1", port: 5064 }]);
});

Deno.test("searchAddresses() falls back to 127.0.0.1 when no interface can broadcast", () => {
  assert.deepEqual(searchAddresses(readCaEnvironment({}), []), [
    { host: "127.0.0.1", port: 5064 },
  ]);
});

const t0 = performance.now();
const m = await import("h5wasm/node");
const t1 = performance.now();
await m.ready;
const t2 = performance.now();
console.log("import", (t1 - t0).toFixed(1), "ready", (t2 - t1).toFixed(1));

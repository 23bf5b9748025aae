// The H5Web page's script, bundled with React and H5Web by web/h5web/build.ts (not served as
// is): fetches the run's NeXus file named by the page and shows it in H5Web's App, read only.

import { createElement } from "react";
import { createRoot } from "react-dom/client";
import { App } from "@h5web/app";
import { H5WasmBufferProvider } from "@h5web/h5wasm";
import "@h5web/app/styles.css";

const status = document.getElementById("status");
const root = document.getElementById("viewer");

function say(text, failed = false) {
  status.textContent = text;
  status.classList.toggle("error", failed);
}

/** The file's bytes, with its progress on the page. */
async function download(url) {
  const response = await fetch(url);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error ?? message;
    } catch {
      // Not JSON: the status line.
    }
    throw new Error(message);
  }
  const total = Number(response.headers.get("content-length") ?? 0);
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    say(
      `Loading the NeXus file: ${(received / 1e6).toFixed(1)}` +
        (total > 0 ? ` of ${(total / 1e6).toFixed(1)} MB` : " MB"),
    );
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  return {
    buffer: bytes.buffer,
    complete: response.headers.get("x-nxdaq-complete") !== "false",
    name: /filename="([^"]+)"/.exec(disposition)?.[1] ?? "run.hdf",
  };
}

async function main() {
  // The page is /runs/<uid>/h5web[?token=...]; the file is the API's, with the same token.
  const uid = decodeURIComponent(location.pathname.split("/")[2] ?? "");
  const token = new URLSearchParams(location.search).get("token");
  const file = `/api/runs/${encodeURIComponent(uid)}/nexus.hdf` +
    (token === null ? "" : `?token=${encodeURIComponent(token)}`);
  document.getElementById("back").href = `/runs/${encodeURIComponent(uid)}` +
    (token === null ? "" : `?token=${encodeURIComponent(token)}`);
  try {
    const { buffer, complete, name } = await download(file);
    say(complete ? name : `${name} (the run has no stop yet: written as an incomplete run)`);
    createRoot(root).render(
      createElement(H5WasmBufferProvider, { filename: name, buffer }, createElement(App)),
    );
    document.body.dataset.loaded = "true";
  } catch (error) {
    say(`The NeXus file cannot be shown: ${error.message}`, true);
    document.body.dataset.loaded = "error";
  }
}

main();

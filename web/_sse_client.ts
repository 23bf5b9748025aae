/**
 * A small Server-Sent Events client over `fetch`, for the tests and the benchmarks of the live
 * view.
 *
 * @module
 */

/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  /** The `event:` field, `"message"` without one. */
  event: string;
  /** The `id:` field, if any. */
  id: string | undefined;
  /** The `data:` lines, joined. */
  data: string;
}

/** The event of one block of lines (without its blank line); `undefined` for comments only. */
function parseBlock(block: string): SseEvent | undefined {
  const event: SseEvent = { event: "message", id: undefined, data: "" };
  let fields = 0;
  let at = 0;
  while (at <= block.length) {
    let end = block.indexOf("\n", at);
    if (end < 0) end = block.length;
    if (block.charCodeAt(at) !== 58 /* ":" */) {
      const colon = block.indexOf(":", at);
      const cut = colon < 0 || colon > end ? end : colon;
      const field = block.slice(at, cut);
      let from = cut + 1;
      if (block.charCodeAt(from) === 32 /* " " */) from++;
      const text = from > end ? "" : block.slice(from, end);
      fields++;
      if (field === "event") event.event = text;
      else if (field === "id") event.id = text;
      else if (field === "data") event.data += text;
    }
    at = end + 1;
  }
  return fields > 0 ? event : undefined;
}

/**
 * A small SSE client: the events of a stream as they come, as many at a time as one read of
 * the body holds, until it ends or the caller stops.
 * @param response The response of an SSE endpoint.
 * @returns The events of each read (never an empty batch); comments are left out.
 */
export async function* sseBatches(response: Response): AsyncGenerator<SseEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      const events: SseEvent[] = [];
      let at = 0;
      while (true) {
        const end = buffer.indexOf("\n\n", at);
        if (end < 0) break;
        const event = parseBlock(buffer.slice(at, end));
        if (event !== undefined) events.push(event);
        at = end + 2;
      }
      // Cut the blocks off the front once per read: slicing after each would copy the rest.
      buffer = buffer.slice(at);
      if (events.length > 0) yield events;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * A small SSE client: the events of a stream, one by one, until it ends or the caller stops.
 * @param response The response of an SSE endpoint.
 * @returns The events; comments are left out.
 */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  for await (const events of sseBatches(response)) yield* events;
}

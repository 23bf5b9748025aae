/**
 * A small Server-Sent Events client over `fetch`, for the tests and the benchmarks of the live
 * view.
 *
 * @module
 */

/** One Server-Sent Event as a client sees it. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * A small SSE client: the events of a stream, one by one, until it ends or the caller stops.
 * @param response The response of an SSE endpoint.
 * @returns The events; comments are left out.
 */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // Cut the blocks off the front once per read: slicing after each would copy the rest.
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop()!;
      for (const block of blocks) {
        const event: SseEvent = { event: "message", id: undefined, data: "" };
        let fields = 0;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = line.slice(0, colon);
          const text = line.slice(colon + 1).replace(/^ /, "");
          fields++;
          if (field === "event") event.event = text;
          else if (field === "id") event.id = text;
          else if (field === "data") event.data += text;
        }
        if (fields > 0) yield event;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

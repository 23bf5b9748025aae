/** One measured figure. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
}

/**
 * Format figures as an aligned text table.
 * @param figures The figures.
 * @returns The table, one line per figure.
 */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [f.name, formatValue(f.value), f.unit]);
  const widths = [0, 1, 2].map((i) =>
    Math.max(["benchmark", "value", "unit"][i]!.length, ...rows.map((r) => r[i]!.length))
  );
  const line = (cells: string[]) =>
    `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padStart(widths[1]!)}  ${cells[2]!}`;
  return [line(["benchmark", "value", "unit"]), ...rows.map(line)].join("\n");
}

function formatValue(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return value.toPrecision(3);
}

/** Resident set size of the process now, in MB. */
export function rssMB(): number {
  return Deno.memoryUsage().rss / 1e6;
}

/**
 * Track the peak resident set size while `work` runs, sampling every few milliseconds.
 * @param work The work to measure.
 * @returns Its result and the peak RSS in MB.
 */
export async function withPeakRss<T>(
  work: () => Promise<T>,
): Promise<{ result: T; peakMB: number }> {
  let peak = rssMB();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMB());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, rssMB());
    return { result, peakMB: peak };
  } finally {
    clearInterval(timer);
  }
}

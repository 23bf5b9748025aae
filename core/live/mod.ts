/**
 * Live output while a run acquires: bluesky's LiveTable, the BestEffortCallback, and plots
 * drawn as SVG or in the terminal.
 *
 * @module
 */

export { createLiveTable, liveTableDefaults } from "./live_table.ts";
export type { LiveCallback, LiveTableOptions } from "./live_table.ts";
export { createLocalClock } from "./local_clock.ts";
export type { LocalClock } from "./local_clock.ts";
export { bestEffortDefaults, createBestEffortCallback } from "./best_effort.ts";
export type { BestEffortCallback, BestEffortOptions } from "./best_effort.ts";
export { renderSvg, renderTerminal, svgDefaults, terminalDefaults } from "./plot.ts";
export type { PlotLine, PlotSeries, SvgOptions, TerminalOptions } from "./plot.ts";

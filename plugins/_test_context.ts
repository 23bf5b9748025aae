/**
 * Builds plugins into a tree as the writer does, for the plugins' unit tests. For tests only:
 * not exported from `mod.ts`.
 *
 * @module
 */
import {
  type NexusPlugin,
  NexusTree,
  type RunAccumulator,
  type WriterSettings,
} from "../core/nexus/mod.ts";

/** Options for {@linkcode buildPlugins}. */
export interface BuildOptions {
  /** Settings over the test defaults (file `run.h5`, time zone UTC, warnings on). */
  settings?: Partial<WriterSettings>;
  /** Prefix each warning with the name of the plugin that gave it. */
  namedWarnings?: boolean;
}

/** Build each plugin, in order, into one fresh tree; returns the tree and the warnings. */
export function buildPlugins(
  run: RunAccumulator,
  plugins: NexusPlugin[],
  options: BuildOptions = {},
): { tree: NexusTree; warnings: string[] } {
  const tree = new NexusTree();
  const warnings: string[] = [];
  for (const plugin of plugins) {
    plugin.build({
      run,
      tree: tree.builder(plugin.name),
      settings: {
        filePath: "run.h5",
        nxdataSignal: undefined,
        nxdataSignalAxes: undefined,
        instrumentName: undefined,
        warnOnMissingContent: true,
        timeZone: "UTC",
        ...options.settings,
      },
      warn: (message) =>
        warnings.push(options.namedWarnings ? `${plugin.name}: ${message}` : message),
    });
  }
  return { tree, warnings };
}

/** Names of the children of the group at `path`; none when there is no such group. */
export function children(tree: NexusTree, path: string): string[] {
  const node = tree.get(path);
  return node?.kind === "group" ? [...node.children.keys()] : [];
}

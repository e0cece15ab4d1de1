/**
 * What the language server and the extension say to each other beyond LSP:
 * the custom request the simulator panel uses, the status notification the
 * client's language status item shows, and the initialization options.
 * Plain data only: the client and the tests import this file too.
 */
import type { FunctionProfile } from '../core/types';

/**
 * Node options the extension starts the server with (the tests and the benchmark too):
 * --expose-gc lets the server collect an edit's garbage when idle; a 4 MB young
 * generation keeps its memory about 20 MB lower at no cost in speed (measured on mm/);
 * a first old-generation limit of 256 MB spares the first indexing of mm/ its three
 * full collections (V8 starts at a few MB and collects as the heap grows to ~130 MB;
 * their marking took a core's worth of time the analysis waited for): ready about 0.1 s
 * sooner, peak memory unchanged. (A V8 heap setting: it must be given at start.)
 */
export const SERVER_NODE_ARGS = ['--expose-gc', '--max-semi-space-size=4', '--initial-old-space-size=256'];

/** `mmLockLens/functionProfile`: the lock profile of the function at a position. */
export const FunctionProfileRequest = 'mmLockLens/functionProfile';
export interface FunctionProfileParams {
  uri: string;
  /** LSP position: 0-based line, UTF-16 character. */
  position: { line: number; character: number };
}
/** The CLI's `context` object (1-based lines, `file` a path) plus the document's URI; null when no function is there. */
export type FunctionProfileResult = (FunctionProfile & { uri: string }) | null;

/** `mmLockLens/status` (server → client): indexing progress and the kernel version in use. */
export const StatusNotification = 'mmLockLens/status';
export interface StatusParams {
  state: 'starting' | 'indexing' | 'ready';
  /** Files read so far and files found (while indexing). */
  done: number;
  total: number;
  /** Files the analysis holds. */
  files: number;
  kernelVersion: string;
  kernelVersionSource: 'setting' | 'makefile' | 'default';
  kernelVersionNote?: string;
  /** Settings problems, each a sentence naming the setting and the fallback used. */
  settingsProblems: string[];
}

/** `initializationOptions` the client sends. All optional: a bare LSP client works too. */
export interface InitializationOptions {
  /** Base URI of the rule documentation pages (…/docs/rules/), for `codeDescription` links. */
  docsBaseUri?: string;
  /** True when the `mmLockLens.simulatePath` command exists, so the `Simulate` lens may be shown. */
  simulateCommand?: boolean;
  /** Settings (the `mmLockLens` section) for clients without `workspace/configuration`. */
  settings?: unknown;
}

/** Commands the server's lenses and code actions name; the client implements them. */
export const Commands = {
  showLockContext: 'mmLockLens.showLockContext',
  simulatePath: 'mmLockLens.simulatePath',
  openRuleDocumentation: 'mmLockLens.openRuleDocumentation',
} as const;

/** The diagnostic `source` of every finding. */
export const DiagnosticSource = 'mm-lock-lens';

/**
 * The `mmLockLens.*` settings as the server uses them. A value of the wrong
 * shape never crashes the server: it is replaced by the default and the user
 * is told which setting, what was wrong and what is used instead.
 */
export type DiagnosticLevel = 'error' | 'warning' | 'info' | 'hint' | 'off';

export interface Settings {
  /** undefined = auto (from the tree's top Makefile). */
  kernelVersion: string | undefined;
  inlayHints: boolean;
  codeLens: boolean;
  severityOverrides: Map<string, DiagnosticLevel>;
  disabledRules: Set<string>;
  exclude: string[];
}

export const DEFAULT_EXCLUDE = ['**/.git/**', '**/node_modules/**', '**/.cache/**', '**/*.mod.c'];

export function defaultSettings(): Settings {
  return {
    kernelVersion: undefined,
    inlayHints: true,
    codeLens: true,
    severityOverrides: new Map(),
    disabledRules: new Set(),
    exclude: [...DEFAULT_EXCLUDE],
  };
}

const LEVELS: Record<string, DiagnosticLevel> = {
  error: 'error', warning: 'warning', info: 'info', information: 'info', hint: 'hint', off: 'off', none: 'off',
};

function show(v: unknown): string {
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a nested value given either nested objects ({inlayHints: {enable}}) or dotted keys ("inlayHints.enable"). */
function pick(raw: Record<string, unknown>, dotted: string): unknown {
  if (dotted in raw) return raw[dotted];
  let cur: unknown = raw;
  for (const part of dotted.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Parses the `mmLockLens` configuration section. */
export function parseSettings(raw: unknown): { settings: Settings; problems: string[] } {
  const settings = defaultSettings();
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings, problems };
  if (!isRecord(raw)) {
    problems.push(`mmLockLens: expected an object of settings, got ${show(raw)}; using the defaults`);
    return { settings, problems };
  }

  const kv = pick(raw, 'kernelVersion');
  if (kv !== undefined && kv !== null && kv !== '' && kv !== 'auto') {
    const m = typeof kv === 'string' ? /^\s*(\d{1,2})\.(\d{1,3})\s*$/.exec(kv) : null;
    if (m) settings.kernelVersion = `${Number(m[1])}.${Number(m[2])}`;
    else problems.push(`mmLockLens.kernelVersion: ${show(kv)} is neither "auto" nor a version X.Y (e.g. "6.12"); using auto`);
  }

  for (const [key, field] of [['inlayHints.enable', 'inlayHints'], ['codeLens.enable', 'codeLens']] as const) {
    const v = pick(raw, key);
    if (v === undefined || v === null) continue;
    if (typeof v === 'boolean') settings[field] = v;
    else problems.push(`mmLockLens.${key}: ${show(v)} is not true or false; using true`);
  }

  const so = pick(raw, 'diagnostics.severityOverrides');
  if (so !== undefined && so !== null) {
    if (!isRecord(so)) {
      problems.push(`mmLockLens.diagnostics.severityOverrides: expected an object {"RULE-ID": "error|warning|info|hint|off"}, got ${show(so)}; ignored`);
    } else {
      for (const [rule, level] of Object.entries(so)) {
        const l = typeof level === 'string' ? LEVELS[level.toLowerCase()] : undefined;
        if (l) settings.severityOverrides.set(rule, l);
        else problems.push(`mmLockLens.diagnostics.severityOverrides: ${show(level)} for "${rule}" is not one of error, warning, info, hint, off; the rule keeps its own severity`);
      }
    }
  }

  const dis = pick(raw, 'rules.disabled');
  if (dis !== undefined && dis !== null) {
    if (!Array.isArray(dis)) problems.push(`mmLockLens.rules.disabled: expected a list of rule ids, got ${show(dis)}; no rule disabled`);
    else for (const r of dis) {
      if (typeof r === 'string' && r.trim()) settings.disabledRules.add(r.trim());
      else problems.push(`mmLockLens.rules.disabled: ${show(r)} is not a rule id; skipped`);
    }
  }

  const ex = pick(raw, 'exclude');
  if (ex !== undefined && ex !== null) {
    if (!Array.isArray(ex)) problems.push(`mmLockLens.exclude: expected a list of glob patterns, got ${show(ex)}; using the default ${show(DEFAULT_EXCLUDE)}`);
    else {
      const globs: string[] = [];
      for (const g of ex) {
        if (typeof g === 'string' && g.trim()) globs.push(g.trim());
        else problems.push(`mmLockLens.exclude: ${show(g)} is not a glob pattern; skipped`);
      }
      settings.exclude = globs;
    }
  }
  return { settings, problems };
}

/**
 * A glob as VS Code's `files.exclude` writes them, matched against a path
 * relative to the workspace folder with `/` separators: `**` any number of
 * folders, `*` and `?` within one name, `{a,b}` alternatives, `[...]` classes.
 * A pattern without `/` matches a name at any depth (like `*.mod.c`).
 */
export function globToRegExp(glob: string): RegExp {
  let g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!g.includes('/')) g = `**/${g}`;
  let re = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (inClass) {
      if (c === ']') inClass = false;
      re += c === '\\' ? '\\\\' : c;
      continue;
    }
    if (c === '*') {
      if (g[i + 1] === '*') {
        // `**/` = zero or more folders; a trailing `**` = anything below.
        if (g[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') { inClass = true; re += '['; if (g[i + 1] === '!') { re += '^'; i++; } }
    else if (c === '{') { braces++; re += '(?:'; }
    else if (c === '}' && braces > 0) { braces--; re += ')'; }
    else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  if (inClass || braces) return /$^/; // unbalanced: matches nothing
  // `dir/**` also excludes `dir` itself; `dir` (a folder pattern) excludes what is below it.
  return new RegExp(`^${re}(?:/.*)?$`);
}

export function compileExcludes(globs: string[]): (relPath: string) => boolean {
  const res = globs.map(globToRegExp);
  return (rel) => res.some((r) => r.test(rel));
}

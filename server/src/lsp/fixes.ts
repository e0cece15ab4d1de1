/**
 * Text of the quick fixes the server offers. These are edits to C text, built
 * from the finding's location and the enclosing function's text; which rule
 * gets which fix is decided by the server (server.ts). Offsets are UTF-16
 * offsets into the document text.
 */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: OffsetEdit[];
  preferred?: boolean;
}

/** Offset of the `)`/`}` closing the bracket at `open`, skipping strings, chars and comments; -1 if unbalanced. */
export function matchBracket(text: string, open: number, limit = text.length): number {
  const openCh = text[open];
  const closeCh = openCh === '(' ? ')' : openCh === '{' ? '}' : openCh === '[' ? ']' : '';
  if (!closeCh) return -1;
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      for (i++; i < limit && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      if (e < 0) return -1;
      i = e + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      if (e < 0) return -1;
      i = e;
    } else if (c === openCh) depth++;
    else if (c === closeCh && --depth === 0) return i;
  }
  return -1;
}

function lineBounds(text: string, offset: number): { start: number; end: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return { start, end };
}

function indentOf(text: string, lineStart: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart, lineStart + 200))![0];
}

/** Major.minor compare: `versionAtLeast("6.12", "6.7")`. */
export function versionAtLeast(v: string, min: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a !== c ? a > c : b >= d;
}

export interface AnonVmaFixInput {
  text: string;
  /** Offset of the finding's start (on or before the `anon_vma_prepare(` call). */
  offset: number;
  /** The enclosing function definition's offsets. */
  fnStart: number;
  fnEnd: number;
  kernelVersion: string;
  /** The file is inside the tree's mm/ (where `vmf_anon_prepare`, declared in mm/internal.h, is visible). */
  inMm: boolean;
}

/**
 * For `anon_vma_prepare(vma)` on a path that may hold only the per-VMA lock:
 * where a `struct vm_fault *` is in scope and `vmf_anon_prepare()` exists
 * (6.7+, inside mm/), switch to it and return its result (VM_FAULT_RETRY
 * means the VMA lock is already dropped, so nothing may touch the VMA after);
 * otherwise bail out to the mmap_lock path before the call when the fault
 * holds only the VMA lock and the VMA has no anon_vma yet.
 */
export function anonVmaPrepareFixes(input: AnonVmaFixInput): Fix[] {
  const { text, fnStart, fnEnd } = input;
  const line = lineBounds(text, input.offset);
  const callRe = /\b(?:__)?anon_vma_prepare\s*\(/g;
  callRe.lastIndex = Math.max(line.start, Math.min(input.offset, line.end));
  let m = callRe.exec(text);
  if (!m || m.index >= line.end) {
    callRe.lastIndex = line.start;
    m = callRe.exec(text);
    if (!m || m.index >= line.end) return [];
  }
  const callStart = m.index;
  const argsOpen = callStart + m[0].length - 1;
  const argsClose = matchBracket(text, argsOpen, fnEnd);
  if (argsClose < 0) return [];
  const vmaExpr = text.slice(argsOpen + 1, argsClose).trim() || 'vma';

  const fnText = text.slice(fnStart, fnEnd);
  // The head is the definition up to its parameter list; the region may begin with the end of the previous definition.
  const open = fnText.search(/\b[A-Za-z_]\w*\s*\([^;{}]*\)\s*\{/);
  const headStart = Math.max(0, fnText.lastIndexOf('}', open) + 1, fnText.lastIndexOf(';', open) + 1);
  const returnsVmFault = open >= 0 && /\bvm_fault_t\b/.test(fnText.slice(headStart, open));
  const vmfMatch = /struct\s+vm_fault\s*\*\s*(?:const\s+)?([A-Za-z_]\w*)/.exec(text.slice(fnStart, callStart));
  if (!vmfMatch || !returnsVmFault) return [];
  const vmf = vmfMatch[1]!;

  const stmtStart = line.start + indentOf(text, line.start).length;
  const indent = indentOf(text, line.start);
  const fixes: Fix[] = [];

  if (versionAtLeast(input.kernelVersion, '6.7') && input.inMm) {
    // Only the `if ([unlikely(]anon_vma_prepare(X)[)]) BODY` shape is rewritten: its body is the failure handling.
    const ifm = /^if\s*\(/.exec(text.slice(stmtStart, stmtStart + 4 + 200));
    if (ifm) {
      const condOpen = stmtStart + ifm[0].length - 1;
      const condClose = matchBracket(text, condOpen, fnEnd);
      const cond = condClose > 0 ? text.slice(condOpen + 1, condClose).replace(/\s+/g, '') : '';
      if (condClose > 0 && /^(?:unlikely\()?(?:__)?anon_vma_prepare\([^()]*\)\)?$/.test(cond)) {
        let b = condClose + 1;
        while (b < fnEnd && /\s/.test(text[b]!)) b++;
        let bodyEnd = -1;
        let body = '';
        if (text[b] === '{') {
          const close = matchBracket(text, b, fnEnd);
          if (close > 0) { bodyEnd = close + 1; body = text.slice(b + 1, close).trim(); }
        } else {
          const semi = text.indexOf(';', b);
          if (semi > 0 && semi < fnEnd) { bodyEnd = semi + 1; body = text.slice(b, bodyEnd).trim(); }
        }
        const after = bodyEnd > 0 ? text.slice(bodyEnd, Math.min(fnEnd, bodyEnd + 40)) : '';
        if (bodyEnd > 0 && !/^\s*else\b/.test(after)) {
          const declared = declaredVmFaultVars(fnText);
          const v = declared.includes('ret') ? 'ret' : declared[0];
          const gotoLabel = /^goto\s+([A-Za-z_]\w*)\s*;$/.exec(body)?.[1];
          const onError = gotoLabel && v ? `goto ${gotoLabel};` : `return ${v ?? 'ret'};`;
          const first = v ? `${v} = vmf_anon_prepare(${vmf});` : `vm_fault_t ret = vmf_anon_prepare(${vmf});`;
          const newText = `${first}\n${indent}if (unlikely(${v ?? 'ret'}))\n${indent}\t${onError}`;
          fixes.push({
            title: `Use vmf_anon_prepare(${vmf}) and return its result (VM_FAULT_RETRY: the VMA lock is already dropped)`,
            edits: [{ start: stmtStart, end: bodyEnd, newText }],
            preferred: true,
          });
        }
      }
    }
  }
  if (!fixes.length) {
    const guard = `if ((${vmf}->flags & FAULT_FLAG_VMA_LOCK) && !${vmaExpr}->anon_vma) {\n` +
      `${indent}\tvma_end_read(${vmaExpr});\n${indent}\treturn VM_FAULT_RETRY;\n${indent}}\n${indent}`;
    fixes.push({
      title: `Retry under mmap_lock when only the VMA lock is held and ${vmaExpr} has no anon_vma (vma_end_read + VM_FAULT_RETRY)`,
      edits: [{ start: stmtStart, end: stmtStart, newText: guard }],
      preferred: true,
    });
  }
  return fixes;
}

/** Names declared `vm_fault_t a, b = 0;` in a function's text. */
function declaredVmFaultVars(fnText: string): string[] {
  const names: string[] = [];
  const re = /\bvm_fault_t\s+([^;(){}]*);/g;
  for (let m = re.exec(fnText); m; m = re.exec(fnText)) {
    for (const part of m[1]!.split(',')) {
      const name = /^\s*\**\s*([A-Za-z_]\w*)/.exec(part)?.[1];
      if (name) names.push(name);
    }
  }
  return names;
}

/** `/* mm-lock-lens: ignore RULE *\/` on the line above the finding (or at its end when the line above already has one). */
export function ignoreFix(text: string, offset: number, rule: string): Fix {
  const line = lineBounds(text, offset);
  const comment = `/* mm-lock-lens: ignore ${rule} */`;
  const prev = line.start > 0 ? lineBounds(text, line.start - 1) : undefined;
  const prevText = prev ? text.slice(prev.start, prev.end) : '';
  if (/mm-lock-lens:\s*ignore/.test(prevText)) {
    return { title: `Ignore ${rule} on this line`, edits: [{ start: line.end, end: line.end, newText: ` ${comment}` }] };
  }
  const indent = indentOf(text, line.start);
  return { title: `Ignore ${rule} on this line`, edits: [{ start: line.start, end: line.start, newText: `${indent}${comment}\n` }] };
}

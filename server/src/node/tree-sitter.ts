/**
 * Loads web-tree-sitter and the C grammar in Node. The wasm files sit next to
 * the bundles in dist/ (copied by the build, shipped in the .vsix); when
 * running from out/ (tests) they are found in node_modules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Language, Parser } from 'web-tree-sitter';

let loaded: Promise<Language> | undefined;

function locate(file: string, pkgPath: string): string {
  for (const dir of [__dirname, path.join(__dirname, '..', '..', '..', 'dist')]) {
    const p = path.join(dir, file);
    if (fs.existsSync(p)) return p;
  }
  return require.resolve(pkgPath);
}

/** The C language, loaded once per process. */
export function loadCLanguage(): Promise<Language> {
  loaded ??= (async () => {
    const runtime = locate('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm');
    const runtimeModule: EmscriptenModule = { locateFile: () => runtime };
    await Parser.init(runtimeModule as object);
    fastWordAccess(runtimeModule);
    const grammar = fs.readFileSync(locate('tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm'));
    return Language.load(grammar);
  })();
  return loaded;
}

/** The parts of web-tree-sitter's Emscripten module used here (the object given to `Parser.init` becomes it). */
interface EmscriptenModule {
  locateFile: () => string;
  setValue?: (ptr: number, value: number, type?: string) => void;
  getValue?: (ptr: number, type?: string) => number;
  HEAP32?: Int32Array;
}

/**
 * Every tree-cursor step in web-tree-sitter copies the cursor's four words to and from
 * the wasm memory through the module's generic `setValue`/`getValue` (a string test and
 * a DataView call per word): building the IR of mm/'s ~1400 interpreted bodies made
 * about 10 such calls per node. Words are read and written here through the module's
 * own Int32Array view (re-read on each call: it is replaced when the memory grows),
 * the same bytes on a little-endian host; other types, and big-endian hosts, keep the
 * module's functions.
 */
function fastWordAccess(m: EmscriptenModule): void {
  const { setValue, getValue } = m;
  if (!setValue || !getValue || !m.HEAP32 || new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return;
  m.setValue = (ptr, value, type = 'i8') => { if (type === 'i32') m.HEAP32![ptr >> 2] = value; else setValue(ptr, value, type); };
  m.getValue = (ptr, type = 'i8') => (type === 'i32' ? m.HEAP32![ptr >> 2]! : getValue(ptr, type));
}

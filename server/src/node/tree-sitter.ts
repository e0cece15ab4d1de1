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
    await Parser.init({ locateFile: () => runtime } as object);
    const grammar = fs.readFileSync(locate('tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm'));
    return Language.load(grammar);
  })();
  return loaded;
}

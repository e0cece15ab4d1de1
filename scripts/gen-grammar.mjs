// Writes syntaxes/mm-locks.injection.tmLanguage.json from the lock catalogue
// (server/src/catalogue/grammar.ts). Run after a build: `npm run grammar`.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { injectionGrammarText } = createRequire(import.meta.url)(join(root, 'out', 'server', 'src', 'catalogue', 'grammar.js'));
const out = join(root, 'syntaxes', 'mm-locks.injection.tmLanguage.json');
writeFileSync(out, injectionGrammarText());
console.log(`wrote ${out}`);

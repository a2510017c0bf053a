// libs/shared is emitted twice (ESM for Vite, CommonJS for the Nest build); a nested package.json
// tells Node which module system each output folder uses.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
const out = process.argv[2] ?? 'dist';
writeFileSync(join(out, 'esm', 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
writeFileSync(join(out, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');

// Bundles src/page.js (the OpenTelemetry JS web SDK setup) into one browser script.
//   node build.mjs OUTFILE        (default: ../target/web/rum-page.js)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.resolve(process.argv[2] ?? path.join(here, '..', 'target', 'web', 'rum-page.js'));
await build({
  entryPoints: [path.join(here, 'src', 'page.js')],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome120'],
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
  outfile,
});
console.log(outfile);

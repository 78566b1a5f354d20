// Bundles the browser scripts of the test pages, each into one IIFE:
//   src/page.js       (the OpenTelemetry JS web SDK setup)  → OUTFILE
//   src/faro-page.js  (the Grafana Faro Web SDK setup)       → faro-page.js beside OUTFILE
//   node build.mjs OUTFILE        (default: ../target/web/rum-page.js)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.resolve(process.argv[2] ?? path.join(here, '..', 'target', 'web', 'rum-page.js'));
const bundles = [
  [path.join(here, 'src', 'page.js'), outfile],
  [path.join(here, 'src', 'faro-page.js'), path.join(path.dirname(outfile), 'faro-page.js')],
];
await Promise.all(bundles.map(([entry, out]) => build({
  entryPoints: [entry],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome120'],
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
  outfile: out,
})));
for (const [, out] of bundles) console.log(out);

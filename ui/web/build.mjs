// Builds the front end into ../dist: app.js and app.css (bundled and
// minified by esbuild) and index.html. The output is committed so that
// `go build` alone embeds a working page; ui's TestDistMatchesSources
// checks it matches a fresh build. `node build.mjs --out DIR` builds
// elsewhere, for that check.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const i = process.argv.indexOf('--out');
const out = i > 0 ? process.argv[i + 1] : join(here, '..', 'dist');
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: out,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
  // The report inlines app.js in a <script> element; esbuild's default for
  // the browser escapes "</script" in strings ('inline-script' supported).
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
// ELK's worker, loaded by the page (layout.js) as a Web Worker.
copyFileSync(join(here, 'node_modules', 'elkjs', 'lib', 'elk-worker.min.js'), join(out, 'elk-worker.js'));

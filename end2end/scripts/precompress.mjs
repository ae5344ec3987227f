// Compresses the static files of a built site once, at the highest settings (brotli 11, gzip 9),
// next to the originals (`.br`, `.gz`). The server sends these instead of compressing on the fly
// at a faster, weaker setting. Usage: node end2end/scripts/precompress.mjs target/site
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const site = process.argv[2] ?? 'target/site';
const wanted = /\.(wasm|js|css|svg)$/;
const files = [];
for (const dir of [site, path.join(site, 'pkg')]) {
  if (!fs.existsSync(dir)) continue;
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (wanted.test(name) && fs.statSync(file).isFile()) files.push(file);
  }
}
for (const file of files) {
  const raw = fs.readFileSync(file);
  const br = zlib.brotliCompressSync(raw, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = zlib.gzipSync(raw, { level: 9 });
  fs.writeFileSync(`${file}.br`, br);
  fs.writeFileSync(`${file}.gz`, gz);
  console.log(`${file}: ${raw.length} B, brotli ${br.length} B, gzip ${gz.length} B`);
}

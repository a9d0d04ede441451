// The demo publisher's site: a page with images of several sizes (SVG drawings and one large BMP photo that
// spans two manifest chunks), a style sheet and a script, so every interception mode has something to serve.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PALETTE = ['#0b7285', '#e8590c', '#5f3dc4', '#2b8a3e', '#c2255c', '#1864ab', '#f08c00', '#495057'];

function drawing(i: number): string {
  let shapes = '';
  for (let k = 0; k < 40 + i * 12; k++) {
    const x = (k * 37 + i * 11) % 400;
    const y = (k * 53 + i * 29) % 300;
    const r = 6 + ((k * 7 + i) % 30);
    shapes += `<circle cx="${x}" cy="${y}" r="${r}" fill="${PALETTE[(k + i) % PALETTE.length]}" fill-opacity="0.6"/>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300"><rect width="400" height="300" fill="#f8f9fa"/>${shapes}<text x="12" y="290" font-family="sans-serif" font-size="18">Reef demo image ${i + 1}</text></svg>\n`;
}

/** An uncompressed 24-bit BMP (a format every browser shows) with a smooth pattern: big on purpose. */
export function bmpPhoto(width: number, height: number): Uint8Array {
  const row = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0, 'ascii');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(row * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 54 + y * row + x * 3;
      b[o] = (x * 255) / width; // blue
      b[o + 1] = (y * 255) / height; // green
      b[o + 2] = 128 + 127 * Math.sin((x + y) / 40); // red
    }
  }
  return b;
}

export async function writeDemoSite(dir: string, images = 8): Promise<void> {
  await mkdir(join(dir, 'img'), { recursive: true });
  const tags: string[] = [];
  for (let i = 0; i < images; i++) {
    await writeFile(join(dir, 'img', `drawing-${i + 1}.svg`), drawing(i));
    tags.push(`<img src="/img/drawing-${i + 1}.svg" width="200" height="150" alt="drawing ${i + 1}">`);
  }
  await writeFile(join(dir, 'img', 'photo.bmp'), bmpPhoto(800, 600));
  await writeFile(join(dir, 'style.css'), 'body{font-family:sans-serif;margin:2em;background:#fff}img{margin:4px;border:1px solid #ddd}\n');
  await writeFile(join(dir, 'app.js'), "document.getElementById('status').textContent = 'script ran: ' + document.images.length + ' images on the page';\n");
  await writeFile(
    join(dir, 'index.html'),
    `<!doctype html>
<html><head><meta charset="utf-8"><title>Reef demo site</title><link rel="stylesheet" href="/style.css"></head>
<body>
<h1>A suddenly popular page</h1>
<p>Every object below is listed in <a href="/.well-known/reef.json">/.well-known/reef.json</a>. With the Reef extension,
visitors fetch them from each other and check every byte against that manifest.</p>
<p id="status">script not run</p>
${tags.join('\n')}
<p><img src="/img/photo.bmp" width="400" height="300" alt="a large photo in two chunks"></p>
<script src="/app.js"></script>
</body></html>
`,
  );
}

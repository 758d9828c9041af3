// noVNC, served by shmfb-vnc --web, in headless Chromium (the system's
// /usr/bin/chromium driven by puppeteer-core; no browser is downloaded).
//
//   node browser.js URL STEP...
//
// Steps:
//   expect PNG       noVNC's canvas shows exactly this image (RGB), polling
//   click X Y        a left click at framebuffer pixel X,Y of the canvas
//   type TEXT        typed on the keyboard, focus in the canvas
//   shot PNG         what the canvas shows, as a PNG file
//   cursor image|none  the pointer over the canvas becomes the server's
//                    cursor image (a CSS url), or none
//
// Exits 0 on success, 1 with one line on failure, 77 without chromium.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const timeoutMs = 20000;

// A failed step; the browser is closed before the one line is printed.
class Failure extends Error {}

function fail(msg) {
  throw new Failure(msg);
}

// The canvas noVNC draws the framebuffer into, once connected.
async function canvas(page) {
  await page.waitForFunction(() => {
    const c = document.querySelector('#noVNC_container canvas');
    return c && c.width > 1 && c.height > 1;
  }, {timeout: timeoutMs});
  return page.$('#noVNC_container canvas');
}

// Differing pixels between the canvas and a PNG (decoded by the page), or -1
// when the sizes differ.
async function differing(page, png) {
  const data = 'data:image/png;base64,' + fs.readFileSync(png).toString('base64');
  return page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.querySelector('#noVNC_container canvas');
    if (c.width !== img.width || c.height !== img.height)
      return {n: -1, size: `${c.width}x${c.height}`, want: `${img.width}x${img.height}`};
    const ref = document.createElement('canvas');
    ref.width = img.width;
    ref.height = img.height;
    const rc = ref.getContext('2d');
    rc.drawImage(img, 0, 0);
    const want = rc.getImageData(0, 0, img.width, img.height).data;
    const got = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0, first = -1;
    for (let i = 0; i < want.length; i += 4) {
      if (got[i] !== want[i] || got[i + 1] !== want[i + 1] || got[i + 2] !== want[i + 2]) {
        if (first < 0)
          first = i / 4;
        n++;
      }
    }
    return {n, first, width: c.width};
  }, data);
}

async function expect(page, png) {
  await canvas(page);
  const until = Date.now() + timeoutMs;
  let d;
  for (;;) {
    d = await differing(page, png);
    if (d.n === 0)
      return;
    if (Date.now() > until)
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (d.n < 0)
    fail(`canvas is ${d.size}, ${png} is ${d.want}`);
  fail(`canvas differs from ${png} in ${d.n} pixels, first at ` +
      `${d.first % d.width},${Math.floor(d.first / d.width)}`);
}

async function click(page, x, y) {
  const box = await (await canvas(page)).boundingBox();
  await page.mouse.click(box.x + x + 0.5, box.y + y + 0.5);
}

async function shot(page, out) {
  const url = await page.evaluate(
      () => document.querySelector('#noVNC_container canvas').toDataURL('image/png'));
  fs.writeFileSync(out, Buffer.from(url.split(',')[1], 'base64'));
}

async function cursor(page, kind) {
  await canvas(page);
  try {
    await page.waitForFunction((k) => {
      const c = document.querySelector('#noVNC_container canvas').style.cursor;
      return k === 'none' ? c === 'none' : c.startsWith('url(');
    }, {timeout: timeoutMs}, kind);
  } catch (e) {
    const c = await page.evaluate(
        () => document.querySelector('#noVNC_container canvas').style.cursor);
    fail(`the canvas cursor is '${c.slice(0, 40)}', want ${kind}`);
  }
}

// noVNC's clipboard panel: the text the server sent, and text to send.
async function clipExpect(page, text) {
  try {
    await page.waitForFunction(
        (t) => document.getElementById('noVNC_clipboard_text').value === t,
        {timeout: timeoutMs}, text);
  } catch (e) {
    const got = await page.evaluate(() => document.getElementById('noVNC_clipboard_text').value);
    fail(`noVNC's clipboard holds '${got}', want '${text}'`);
  }
}

async function clipSend(page, text) {
  await canvas(page);
  await page.evaluate((t) => {
    const el = document.getElementById('noVNC_clipboard_text');
    el.value = t;
    el.dispatchEvent(new Event('change'));
  }, text);
}

async function run(browser, url, steps) {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1000, deviceScaleFactor: 1});
  page.on('pageerror', (e) => console.error(`browser.js: page error: ${e.message}`));
  // Connect at once, 1:1, no local scaling or remote resizing.
  await page.goto(`${url}?autoconnect=true&reconnect=false&resize=off&view_clip=false`,
                  {waitUntil: 'load', timeout: timeoutMs});
  for (let i = 0; i < steps.length;) {
    const s = steps[i++];
    if (s === 'expect')
      await expect(page, steps[i++]);
    else if (s === 'click')
      await click(page, Number(steps[i++]), Number(steps[i++]));
    else if (s === 'type')
      await page.keyboard.type(steps[i++], {delay: 20});
    else if (s === 'shot')
      await shot(page, steps[i++]);
    else if (s === 'cursor')
      await cursor(page, steps[i++]);
    else if (s === 'clip-expect')
      await clipExpect(page, steps[i++]);
    else if (s === 'clip-send')
      await clipSend(page, steps[i++]);
    else
      fail(`unknown step '${s}'`);
  }
}

async function main() {
  const [url, ...steps] = process.argv.slice(2);
  if (!url)
    fail('usage: node browser.js URL STEP...');
  try {
    fs.accessSync(chromium, fs.constants.X_OK);
  } catch (e) {
    console.error(`browser.js: no chromium at ${chromium}; skipped`);
    process.exit(77);
  }
  const puppeteer = require('puppeteer-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'shmfb-vnc-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await run(browser, url, steps);
  } finally {
    await browser.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
}

main().catch((e) => {
  console.error(`browser.js: ${e.message.split('\n')[0]}`);
  process.exit(1);
});

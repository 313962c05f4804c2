// Serves the built UI on 127.0.0.1 and opens it in Debian's Chromium with the Tauri IPC
// stubbed before any page script runs. The stub records calls on window.__ipcCalls.
import { createServer } from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
export const SHOTS = fileURLToPath(new URL('../../../target/ui-screenshots/', import.meta.url));

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(DIST, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Opens a page with IPC answered by `handlers` (command → result; a value under `__reject`
 * makes the call fail with it; `__sequence` answers call after call; `{ __echo: 'arg' }` answers
 * with that argument of the call, as a save that returns what it saved). Console errors are collected.
 * Options: colorScheme, hash, language (navigator.language), timezoneId (e.g. 'America/New_York'), viewport.
 */
export async function openApp(browser, url, handlers, { colorScheme = 'light', hash = '#/setup', language = null, timezoneId = undefined, viewport = { width: 1200, height: 780 } } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, timezoneId });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  // A language tag the engine cannot use, as WebKitGTK reports under LANG=C.
  if (language) await page.addInitScript((l) => Object.defineProperty(navigator, 'language', { value: l, configurable: true }), language);
  await page.addInitScript((h) => {
    window.__ipcCalls = [];
    window.__ipcHandlers = h;
    let next = 1;
    window.__TAURI_INTERNALS__ = {
      transformCallback: (cb, once) => {
        const id = next++;
        window[`_${id}`] = (v) => {
          if (once) delete window[`_${id}`];
          cb?.(v);
        };
        return id;
      },
      invoke: async (cmd, args) => {
        window.__ipcCalls.push({ cmd, args });
        const h = window.__ipcHandlers[cmd];
        if (h === undefined) throw { code: 'Internal', message: `no stub for ${cmd}` };
        if (h && typeof h === 'object' && '__reject' in h) throw h.__reject;
        if (h && typeof h === 'object' && '__echo' in h) return args?.[h.__echo];
        if (h && typeof h === 'object' && '__sequence' in h) {
          const step = h.__sequence.shift();
          if (step && typeof step === 'object' && '__reject' in step) throw step.__reject;
          return step;
        }
        return h;
      },
      metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
    };
  }, handlers);
  await page.goto(url + hash);
  return { page, context, consoleErrors };
}

/**
 * For a test file: serves the built UI and starts Chromium before its tests, stops both after,
 * and returns `open(handlers, options)`, which is `openApp` on that browser and server.
 */
export function withBrowser() {
  let browser, srv;
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    srv = await serveDist();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    srv?.server.close();
  });
  return (handlers, options) => openApp(browser, srv.url, handlers, options);
}

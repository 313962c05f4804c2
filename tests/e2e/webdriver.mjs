// A minimal W3C WebDriver client (Node 20 fetch) for tauri-driver + WebKitWebDriver.
import { writeFile } from 'node:fs/promises';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(driverUrl, application, args = []) {
    const res = await request(driverUrl, 'POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    });
    return new Session(driverUrl, res.sessionId ?? res.value.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body).then((r) => r.value);
  }

  async find(testId, { timeoutMs = 15000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        const el = await this.cmd('POST', '/element', {
          using: 'css selector',
          value: `[data-testid="${testId}"]`,
        });
        return el[ELEMENT];
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 150));
      }
    }
    throw new Error(`element [data-testid="${testId}"] not found: ${last?.message}`);
  }

  async click(testId) {
    const el = await this.find(testId);
    await this.cmd('POST', `/element/${el}/click`, {});
  }

  async type(testId, text) {
    const el = await this.find(testId);
    await this.cmd('POST', `/element/${el}/clear`, {});
    await this.cmd('POST', `/element/${el}/value`, { text });
  }

  async enabled(testId) {
    const el = await this.find(testId);
    return this.cmd('GET', `/element/${el}/enabled`);
  }

  async text(testId) {
    const el = await this.find(testId);
    return this.cmd('GET', `/element/${el}/text`);
  }

  /** Waits until the element's text satisfies `pred`, returns the text. */
  async waitText(testId, pred, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    let t = '';
    while (Date.now() < deadline) {
      t = await this.text(testId).catch(() => '');
      if (pred(t)) return t;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`text of ${testId} never matched; last: ${JSON.stringify(t)}`);
  }

  execute(script, args = []) {
    return this.cmd('POST', '/execute/sync', { script, args });
  }

  async screenshot(path) {
    const b64 = await this.cmd('GET', '/screenshot');
    await writeFile(path, Buffer.from(b64, 'base64'));
  }

  end() {
    return request(this.base, 'DELETE', `/session/${this.id}`).catch(() => {});
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(json.value ?? json)}`);
  }
  return json;
}

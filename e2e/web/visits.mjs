// Scripted visits in Debian's headless Chromium, driven by playwright-core. Every visitor is
// its own browser context (its own localStorage, so its own web-common session); the pages
// run the real OpenTelemetry JS web SDK (src/page.js, bundled by build.mjs), the Grafana Faro Web
// SDK (src/faro-page.js, pages/faro/), or the processor's own snippet /rum.js (pages/snippet/),
// and export OTLP/HTTP JSON to the Collector.
//
//   node visits.mjs PAGES_BASE_URL [CHROMIUM]
//     PAGES_BASE_URL  where the test serves index.html, p2.html, p3.html, e.g. http://127.0.0.1:4000
//     CHROMIUM        default /usr/bin/chromium (never `npx playwright install`)
//   RUM_E2E_VISITORS  optional, comma-separated visitor names: only these run (default: all).
//                     DistributedModeBrowserE2ETest has no backend and no /rum.js to serve.
//
// Prints one JSON document on stdout: per visitor, every step with the session id the page's
// session manager reported and wall-clock times around it (ms since the epoch), so the test can
// compare what the processors counted with what really happened.
import { chromium } from 'playwright-core';

const [base, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node visits.mjs PAGES_BASE_URL [CHROMIUM]');
  process.exit(2);
}

// A regular desktop Chrome (the headless one's `HeadlessChrome` token is what bot rules catch).
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const IDLE_MS = 6500; // longer than the session timeouts (4 s) the test configures

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // The browser-wide user agent too, not only the contexts': requests a page leaves behind when it
  // unloads (the SDK's keepalive export of the click on a link) are sent with the browser's own
  // user agent, not the context's override, so with Chromium's default they would say
  // HeadlessChrome and turn a human session into a bot one.
  args: ['--user-agent=' + CHROME, '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  // playwright-core gives every launch a fresh --user-data-dir of its own.
});

const only = process.env.RUM_E2E_VISITORS ? new Set(process.env.RUM_E2E_VISITORS.split(',')) : null;

/** One visitor: a fresh context; `steps` collects what happened. Null when not selected. */
async function visitor(name, { userAgent, consent, sdk = 'otel' }, script) {
  if (only && !only.has(name)) return null;
  const context = await browser.newContext({ userAgent });
  // Playwright adds click listeners of its own to `window` (hit-target checks of its actions),
  // which the user-interaction instrumentation would wrap like a site's: every click would get
  // an extra `click` span, a click on a plain link too. Pin `window.addEventListener` to the
  // unpatched method before the page's scripts run; listeners on elements and on `document`
  // (the site's) are still instrumented.
  await context.addInitScript(() => { window.addEventListener = window.addEventListener; });
  if (consent) await context.addInitScript((c) => { window.RUM_CONSENT = c; }, consent);
  // The snippet reports navigator.webdriver (browser.webdriver, which the processor's bot filter
  // reads); playwright's Chromium says true. A human's browser says false.
  if (sdk === 'snippet') {
    await context.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'webdriver', { get: () => false }); });
  }
  const steps = [];
  const errors = [];
  // The Collector's answers to this visitor's posts, for the test's log: 200s counted, anything
  // else listed. A post still in flight when the context closes is not seen.
  const posts = { ok: 0, other: [] };
  // The SDK's warnings and errors (window.rum.diagnostics), read after every step.
  const diagnostics = [];
  const readDiagnostics = async (page) => {
    diagnostics.push(...await page.evaluate(() => (window.rum && window.rum.diagnostics ? window.rum.diagnostics.splice(0) : [])));
  };
  const track = (page) => {
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text() + ' ' + JSON.stringify(m.location())); });
    const isPost = (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/traces';
    page.on('response', (r) => {
      if (!isPost(r.request())) return;
      if (r.status() === 200) posts.ok++; else posts.other.push(r.status() + ' at ' + Date.now());
    });
    page.on('requestfailed', (r) => { if (isPost(r)) posts.other.push((r.failure()?.errorText ?? 'failed') + ' at ' + Date.now()); });
  };
  const v = {
    async open(path, options = {}, page) {
      page = page ?? await context.newPage();
      track(page);
      const t0 = Date.now();
      await page.goto(base + path, { waitUntil: 'load', ...options });
      await page.waitForFunction(() => window.rum && window.rum.ended.includes('documentLoad'));
      const sid = await page.evaluate(() => window.rum.ready());
      await page.evaluate(() => window.rum.flush());
      steps.push({ step: 'pageview ' + path, sid, t0, t1: Date.now() });
      await readDiagnostics(page);
      return page;
    },
    async follow(page, selector) {
      const t0 = Date.now();
      const from = page.url();
      await Promise.all([page.waitForURL((u) => u.href !== from), page.click(selector)]);
      await page.waitForFunction(() => window.rum && window.rum.ended.includes('documentLoad'));
      const sid = await page.evaluate(() => window.rum.ready());
      await page.evaluate(() => window.rum.flush());
      steps.push({ step: 'link ' + selector + ' → ' + new URL(page.url()).pathname, sid, t0, t1: Date.now() });
      await readDiagnostics(page);
    },
    async click(page, selector, waitForSpan = 'click') {
      const t0 = Date.now();
      const sid = await page.evaluate(() => window.rum.sessionId());
      await page.click(selector);
      await page.waitForFunction((n) => window.rum.ended.includes(n), waitForSpan);
      await page.evaluate(() => window.rum.flush());
      steps.push({ step: 'click ' + selector, sid, t0, t1: Date.now() });
      await readDiagnostics(page);
    },
    // The snippet page: no session id in the browser (sid: null); done once the Collector has
    // answered the post of the page's `pageview` span.
    async snippetOpen(path) {
      const page = await context.newPage();
      track(page);
      const t0 = Date.now();
      const sent = pageviewPosted(page);
      await page.goto(base + path, { waitUntil: 'load' });
      await sent;
      steps.push({ step: 'pageview ' + path, sid: null, t0, t1: Date.now() });
      return page;
    },
    async snippetFollow(page, selector) {
      const t0 = Date.now();
      const sent = pageviewPosted(page);
      await page.click(selector);
      await sent;
      steps.push({ step: 'link ' + selector + ' → ' + new URL(page.url()).pathname, sid: null, t0, t1: Date.now() });
    },
    async idle(ms) {
      await new Promise((r) => setTimeout(r, ms));
    },
  };
  const started = Date.now();
  try {
    await script(v);
  } finally {
    await context.close();
  }
  return { name, sdk, userAgent, consent: consent ?? null,
    steps, errors, posts, diagnostics, ms: Date.now() - started };
}

/** Resolves when the Collector has answered 200 to a post of a `pageview` span from this page. */
function pageviewPosted(page) {
  return page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/traces'
    && (r.request().postData() ?? '').includes('"pageview"'), { timeout: 15000 })
    .then((r) => { if (r.status() !== 200) throw new Error('the Collector answered ' + r.status()); });
}

const human = (consent = 'granted', sdk = 'otel') => ({ userAgent: CHROME, consent, sdk });
// Chromium's own headless user agent, as it sends it without --user-agent.
const HEADLESS = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${browser.version()} Safari/537.36`;

// One visitor after the other: the idle visitor once ran alongside the others, and once in a
// dozen runs its first page never reached the Collector (cause not found; see e2e/README.md).
const results = [];
results.push(await visitor('idle', human(), async (v) => {
  const page = await v.open('/index.html');
  await v.idle(IDLE_MS); // the page stays open: web-common's own timer starts a new session id
  await v.follow(page, '#next');
}));
results.push(await visitor('bounce', human(), async (v) => {
  await v.open('/index.html');
}));
results.push(await visitor('utm', human(), async (v) => {
  const page = await v.open('/index.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale');
  await v.follow(page, '#next');
  await v.follow(page, '#next');
}));
results.push(await visitor('search', human(), async (v) => {
  const page = await v.open('/index.html', { referer: 'https://www.google.com/' });
  await v.click(page, '#like');
}));
results.push(await visitor('two_tabs', human(), async (v) => {
  const first = await v.open('/index.html');
  await v.open('/p2.html'); // a second tab of the same browser (same context, same localStorage)
  await first.bringToFront();
}));
results.push(await visitor('consent_denied', human(null), async (v) => {
  // No consent signal at all: the processors' default (denied). A query the export must not keep.
  const page = await v.open('/index.html?email=jane.doe%40example.com&order=ORD-Q4711');
  await v.follow(page, '#next');
}));
results.push(await visitor('backend', human(), async (v) => {
  const page = await v.open('/index.html');
  await v.click(page, '#buy', 'GET'); // the fetch span (named after the method)
}));
results.push(await visitor('bot', { userAgent: HEADLESS, consent: 'granted' }, async (v) => {
  await v.open('/index.html');
}));
// Grafana Faro Web SDK pages (spans as OTLP to the Collector; session id: Faro's).
results.push(await visitor('faro_two_pages', human('granted', 'faro'), async (v) => {
  const page = await v.open('/faro/index.html');
  await v.follow(page, '#next');
}));
results.push(await visitor('faro_bounce', human('granted', 'faro'), async (v) => {
  await v.open('/faro/index.html');
}));
// The processor's own snippet, /rum.js: no consent signal (its default, denied), no session id.
results.push(await visitor('snippet', human(null, 'snippet'), async (v) => {
  const page = await v.snippetOpen('/snippet/index.html');
  await v.snippetFollow(page, '#next');
}));

const version = browser.version();
await browser.close();
results.splice(0, results.length, ...results.filter((r) => r !== null));
const problems = results.flatMap((r) => r.errors.map((e) => r.name + ': ' + e));
console.log(JSON.stringify({ chromium: version, visitors: results }, null, 1));
if (problems.length) {
  console.error('page errors:\n' + problems.join('\n'));
  process.exit(1);
}

// The test pages' RUM setup: the OpenTelemetry JS web SDK as a site would ship it, bundled by
// build.mjs (esbuild) into one script. The page that loads it sets `window.RUM_E2E` first:
//   { service, collector: 'http://127.0.0.1:4318', backend: 'http://127.0.0.1:8080' | '',
//     sessionTimeoutSeconds }
// and the visitor's consent is `window.RUM_CONSENT` ('granted', 'denied', or unset = no signal),
// set by visits.mjs per browser context, as a consent manager would.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { WebTracerProvider } from '@opentelemetry/sdk-trace-web';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { UserInteractionInstrumentation } from '@opentelemetry/instrumentation-user-interaction';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  createSessionManager,
  createDefaultSessionIdGenerator,
  createLocalStorageSessionStore,
  createSessionSpanProcessor,
} from '@opentelemetry/web-common';

const cfg = window.RUM_E2E;
const consent = window.RUM_CONSENT;

// The SDK's own warnings and errors (a failed export, for one), for visits.mjs to report.
const diagnostics = [];
const keep = (level) => (...args) => diagnostics.push(level + ': ' + args.map(String).join(' '));
diag.setLogger({ error: keep('error'), warn: keep('warn'), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

// web-common's session manager keeps the id in localStorage across page loads. It must be
// start()ed (restores the stored session; without it every page load starts a new id).
// Its inactivity timer runs only while a page is open, and is pushed back at most once every
// 5 s of activity (SessionManager._inactivityResetDelay); a restored session is not checked
// for inactivity. So: equal to the processor's timeout, and visits keep each page short.
const sessionManager = createSessionManager({
  sessionIdGenerator: createDefaultSessionIdGenerator(),
  sessionStore: createLocalStorageSessionStore(),
  inactivityTimeout: cfg.sessionTimeoutSeconds,
  maxDuration: 4 * 3600,
});
const started = sessionManager.start();

// The SDK sends no referrer: add it to the pageview span (processor README, Campaign attribution).
const referrer = {
  onStart(span) {
    if (span.name === 'documentLoad' && document.referrer) span.setAttribute('page.referrer', document.referrer);
  },
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

// Names of the spans that have ended on this page, so visits.mjs knows what to wait for.
const ended = [];
const recorder = {
  onStart() {},
  onEnd(span) { ended.push(span.name); },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const resource = { 'service.name': cfg.service };
if (consent === 'granted' || consent === 'denied') resource['consent.analytics'] = consent;

const provider = new WebTracerProvider({
  resource: resourceFromAttributes(resource),
  spanProcessors: [
    createSessionSpanProcessor(sessionManager),
    referrer,
    recorder,
    new BatchSpanProcessor(new OTLPTraceExporter({ url: cfg.collector + '/v1/traces' }), { scheduledDelayMillis: 200 }),
  ],
});
provider.register();

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
registerInstrumentations({
  tracerProvider: provider,
  instrumentations: [
    new DocumentLoadInstrumentation(),
    new UserInteractionInstrumentation({ eventNames: ['click'] }),
    new FetchInstrumentation({
      // traceparent goes to the backend (another origin), so its spans share the fetch's trace.
      propagateTraceHeaderCorsUrls: cfg.backend ? [new RegExp('^' + escape(cfg.backend))] : [],
      ignoreUrls: [new RegExp('^' + escape(cfg.collector + '/v1/traces'))],
    }),
  ],
});

// For the page's own button handlers and for visits.mjs.
window.rum = {
  ready: () => started.then(() => sessionManager.getSessionId()),
  sessionId: () => sessionManager.getSessionId(),
  flush: () => provider.forceFlush(),
  ended,
  diagnostics,
  // The backend call: the session id travels in a header the Java agent extension reads, with
  // the visitor's consent (it applies the same rules as the processor).
  callBackend: (path) => {
    const headers = { 'x-rum-session-id': sessionManager.getSessionId() };
    if (consent) headers['x-rum-consent'] = consent;
    return fetch(cfg.backend + path, { headers }).then((r) => r.text());
  },
};

// The pages' buttons (added with addEventListener: the user-interaction instrumentation patches
// it, an inline onclick= would produce no span): #like does nothing else, #buy calls the backend.
document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('like')?.addEventListener('click', () => {
    document.getElementById('like').textContent = 'liked';
  });
  document.getElementById('buy')?.addEventListener('click', () => {
    window.rum.callBackend('/api/cart').then((text) => {
      document.getElementById('buy').textContent = text;
    });
  });
});

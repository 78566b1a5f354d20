// The Faro test pages' RUM setup: the Grafana Faro Web SDK (@grafana/faro-web-sdk) with its
// tracing package (@grafana/faro-web-tracing), bundled by build.mjs (esbuild) into one script.
// The page that loads it sets `window.RUM_E2E` first (see page.js; this one reads `faroService`,
// `collector`), and the visitor's consent is `window.RUM_CONSENT`, as for the OpenTelemetry pages.
//
// Faro's spans go to the Collector as OTLP/HTTP JSON, not through Faro's own transport: the
// tracing instrumentation's `spanProcessor` option replaces its default
// (FaroMetaAttributesSpanProcessor → BatchSpanProcessor → FaroTraceExporter, which hands the spans
// to Faro's transports as Faro JSON). The replacement wraps an OTLP exporter in the same
// FaroMetaAttributesSpanProcessor, which is what puts Faro's session id on every span as
// `session.id` (and user.* if a user were set). Faro's own items (events, logs, web vitals,
// measurements) go to the console transport at `debug` level: nowhere.
//
// Faro's tracing registers only fetch and XHR instrumentations; a page load is a Faro `view`
// event, not a span. The `instrumentations` option replaces that list: Faro's defaults
// (getDefaultOTELInstrumentations, ignoring the Collector's URL) plus the OpenTelemetry
// document-load instrumentation, so every page load is a `documentLoad` span (a pageview for the
// processor), as on the OpenTelemetry pages.
import { initializeFaro, getWebInstrumentations, ConsoleTransport, faro } from '@grafana/faro-web-sdk';
import {
  TracingInstrumentation,
  FaroMetaAttributesSpanProcessor,
  getDefaultOTELInstrumentations,
} from '@grafana/faro-web-tracing';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';

const cfg = window.RUM_E2E;
const consent = window.RUM_CONSENT;
const traces = cfg.collector + '/v1/traces';
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// OpenTelemetry's own warnings and errors (a failed export, for one), for visits.mjs to report.
const diagnostics = [];
const keep = (level) => (...args) => diagnostics.push(level + ': ' + args.map(String).join(' '));
diag.setLogger({ error: keep('error'), warn: keep('warn'), info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);

// Names of the spans that have ended on this page, so visits.mjs knows what to wait for.
const ended = [];
const batch = new BatchSpanProcessor(new OTLPTraceExporter({ url: traces }), { scheduledDelayMillis: 200 });
const exportAndRecord = {
  onStart: (span, ctx) => batch.onStart(span, ctx),
  onEnd(span) { ended.push(span.name); batch.onEnd(span); },
  forceFlush: () => batch.forceFlush(),
  shutdown: () => batch.shutdown(),
};
// FaroMetaAttributesSpanProcessor reads `metas.value.session` when a span starts; Faro's metas
// exist only once initializeFaro has run, so hand it a view of the global instance's.
const metas = { get value() { return faro.metas.value; } };

// The SDK sends no referrer: add it to the pageview span (processor README, Campaign attribution).
const referrer = {
  onStart(span) {
    if (span.name === 'documentLoad' && document.referrer) span.setAttribute('page.referrer', document.referrer);
  },
};

const resourceAttributes = {};
if (consent === 'granted' || consent === 'denied') resourceAttributes['consent.analytics'] = consent;

initializeFaro({
  app: { name: cfg.faroService, version: '1.0.0' },
  // Faro's own items to the console (debug level) instead of a Faro collector.
  transports: [new ConsoleTransport()],
  // Sessions: Faro's defaults, spelled out. Volatile (sessionStorage: one tab's navigations share
  // the id); 15 min inactivity and 4 h maximum are constants (SESSION_INACTIVITY_TIME,
  // SESSION_EXPIRATION_TIME), not options.
  sessionTracking: { enabled: true, persistent: false, samplingRate: 1 },
  instrumentations: [
    ...getWebInstrumentations({ captureConsole: false }),
    new TracingInstrumentation({
      resourceAttributes,
      spanProcessor: new FaroMetaAttributesSpanProcessor({
        onStart(span, ctx) { referrer.onStart(span); exportAndRecord.onStart(span, ctx); },
        onEnd: (span) => exportAndRecord.onEnd(span),
        forceFlush: () => exportAndRecord.forceFlush(),
        shutdown: () => exportAndRecord.shutdown(),
      }, metas),
      instrumentations: [
        ...getDefaultOTELInstrumentations({ ignoreUrls: [new RegExp('^' + escape(traces))] }),
        new DocumentLoadInstrumentation(),
      ],
    }),
  ],
});

// For visits.mjs (the same interface as page.js's).
window.rum = {
  ready: () => Promise.resolve(faro.api.getSession()?.id),
  sessionId: () => faro.api.getSession()?.id,
  flush: () => batch.forceFlush(),
  ended,
  diagnostics,
};


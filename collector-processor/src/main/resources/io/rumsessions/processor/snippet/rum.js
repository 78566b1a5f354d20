/*! rum-sessions rum.js: cookie-free pageviews as OTLP/JSON spans. No cookies, no storage. */
(function (w, d, n) {
  var s = d.currentScript;
  if (!s || w.rum) return;
  var a = function (k, v) { return s.getAttribute('data-' + k) || v; };
  var svc = a('service', location.hostname);
  // a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is written, gets the traces path like the OTel exporters
  var ep = new URL(a('endpoint', new URL(s.src).origin), location.href);
  if (ep.pathname === '/') ep.pathname = '/v1/traces';
  ep = ep.href;
  var warned;
  var mode = a('consent', 'denied');
  var ignored = a('ignore-paths', '').split(',').filter(Boolean);
  var state = mode === 'auto' ? 'denied' : mode;
  var KEEP = /^(utm_|gclid$|gbraid$|wbraid$|dclid$|msclkid$|fbclid$|twclid$|ttclid$|li_fat_id$)/i;
  var last = d.referrer, shown = Date.now(), visible = 0, page;

  function consent() { return n.globalPrivacyControl === true ? 'denied' : state; }
  function hex(k) {
    var b = new Uint8Array(k), o = '', i;
    crypto.getRandomValues(b);
    for (i = 0; i < k; i++) o += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return o;
  }
  function href() {
    var u = new URL(location.href);
    u.hash = '';
    if (consent() !== 'granted') {
      var q = new URLSearchParams();
      u.searchParams.forEach(function (v, k) { if (KEEP.test(k)) q.append(k, v); });
      u.search = q.toString();
    }
    return u.toString();
  }
  function kv(k, v) {
    return { key: k, value: typeof v === 'number' ? { intValue: String(v) } : typeof v === 'boolean' ? { boolValue: v } : { stringValue: String(v) } };
  }
  function ns(ms) { return String(ms) + '000000'; }
  function send(name, start, attrs) {
    var now = Date.now(), list = [kv('url.full', href()), kv('browser.webdriver', n.webdriver === true)];
    for (var k in attrs) if (attrs[k] != null && attrs[k] !== '') list.push(kv(k, attrs[k]));
    var body = JSON.stringify({ resourceSpans: [{
      resource: { attributes: [kv('service.name', svc), kv('consent.analytics', consent())] },
      scopeSpans: [{ scope: { name: 'rum.js', version: '1' }, spans: [{
        traceId: hex(16), spanId: hex(8), name: name, kind: 1,
        startTimeUnixNano: ns(start), endTimeUnixNano: ns(Math.max(start, now)), attributes: list }] }] }] });
    try {
      fetch(ep, { method: 'POST', body: body, keepalive: true, credentials: 'omit', headers: { 'Content-Type': 'application/json' } })
        .then(function (r) { if (!r.ok) fail('HTTP ' + r.status); }, fail);
    } catch (e) { fail(e); }
  }
  // lost spans are otherwise silent; once, so a broken endpoint does not flood the console
  function fail(why) {
    if (!warned) console.warn('rum.js: posting spans to ' + ep + ' failed: ' + why);
    warned = 1;
  }
  function pageview() {
    if (location.href === page) return;
    for (var i = 0; i < ignored.length; i++) if (location.pathname.indexOf(ignored[i]) === 0) return;
    var ref = page === undefined ? last : page;
    page = location.href;
    send('pageview', Date.now(), {
      'page.referrer': ref ? (consent() === 'granted' ? ref : ref.split(/[?#]/)[0]) : '',
      'page.title': a('title') === 'true' ? d.title : '',
      'browser.viewport.width': w.innerWidth
    });
  }
  function hide() {
    if (shown) { visible += Date.now() - shown; shown = 0; }
    if (visible > 0) send('engagement', Date.now() - visible, { 'rum.engaged_ms': visible });
    visible = 0;
  }
  function engagement() {
    if (d.visibilityState === 'hidden') hide(); else shown = Date.now();
  }
  var push = history.pushState;
  history.pushState = function () { push.apply(this, arguments); pageview(); };
  w.addEventListener('popstate', pageview);
  d.addEventListener('visibilitychange', engagement);
  w.addEventListener('pagehide', hide);
  w.rum = {
    consent: function (v) { if (v === 'granted' || v === 'denied') state = v; return consent(); },
    pageview: pageview
  };
  pageview();
})(window, document, navigator);

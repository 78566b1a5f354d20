package io.rumsessions.processor.input;

/**
 * What the input mapping read off one span (and its resource). Mutable and reused per thread;
 * fields are public for the pipeline that fills and reads it in one pass.
 */
public final class SpanFacts {
  /** The consent signal found on the span or its resource. */
  public enum Consent {
    GRANTED,
    DENIED,
    UNKNOWN
  }

  public String clientSessionId;
  public String url;
  public String userAgent;
  public String clientAddress;
  public Consent consent = Consent.UNKNOWN;
  public String referrer;
  public String syntheticType;
  public String automationFlag;
  public String previousSessionId;
  public String userId;
  /** A server-side span (kind SERVER or CONSUMER): joins a browser session, never starts one. */
  public boolean backend;
  public boolean error;
  public long timeNanos;
  public boolean pageview;
  public boolean interaction;

  // Scratch space for the mapping's single pass over attributes, reused to avoid garbage.
  final String[] scratchValues = new String[InputMapping.ROLES];
  final int[] scratchRanks = new int[InputMapping.ROLES];

  /**
   * Copies what the mapping read off another span (not the scratch space): the pipeline keeps a
   * copy of a span whose user agent is found only later in its request.
   */
  public void copyFrom(SpanFacts o) {
    clientSessionId = o.clientSessionId;
    url = o.url;
    userAgent = o.userAgent;
    clientAddress = o.clientAddress;
    consent = o.consent;
    referrer = o.referrer;
    syntheticType = o.syntheticType;
    automationFlag = o.automationFlag;
    previousSessionId = o.previousSessionId;
    userId = o.userId;
    backend = o.backend;
    error = o.error;
    timeNanos = o.timeNanos;
    pageview = o.pageview;
    interaction = o.interaction;
  }

  void clear() {
    clientSessionId = null;
    url = null;
    userAgent = null;
    clientAddress = null;
    consent = Consent.UNKNOWN;
    referrer = null;
    syntheticType = null;
    automationFlag = null;
    previousSessionId = null;
    userId = null;
    backend = false;
    error = false;
    timeNanos = 0;
    pageview = false;
    interaction = false;
  }
}

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

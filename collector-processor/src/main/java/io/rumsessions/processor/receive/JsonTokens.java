package io.rumsessions.processor.receive;

import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The JSON tokens {@link OtlpJsonSpans} walks, in the words its walk needs: the token, the field
 * name, and each OTLP/JSON scalar read as {@link OtlpJsonDecoder} reads it.
 *
 * <p>Two readers give them. {@link JacksonTokens} reads any JSON Jackson reads and refuses with the
 * decoder's messages. {@link PlainJsonTokens} reads only plain JSON (well-formed UTF-8, field
 * names without escapes, the scalars in the forms the OpenTelemetry SDKs write) straight from the
 * bytes, and gives up with {@link PlainJsonTokens.Unusual} on anything else, valid or not: the body
 * is then walked again with Jackson's tokens, so what is accepted and every refusal's message come
 * from one place.
 */
abstract sealed class JsonTokens permits JacksonTokens, PlainJsonTokens {
  // What plainText and hexId found.
  int refStart;
  int refLength;
  long idHigh;
  long idLow;

  /** The next token: null at the end of the input. */
  abstract JsonToken next() throws IOException, MalformedPayloadException;

  abstract JsonToken current();

  /** The current field's name. */
  abstract String name() throws IOException;

  /** Skips the current object or array whole (nothing for a scalar), checking it. */
  abstract void skip() throws IOException, MalformedPayloadException;

  /** Refuses the current token unless it is {@code wanted}. */
  abstract void expect(JsonToken wanted) throws MalformedPayloadException;

  /** Checks that the current token is a text (a string or null), as {@code OtlpJsonDecoder.text} does. */
  abstract void text() throws IOException, MalformedPayloadException;

  /** Checks a text nobody keeps: what {@link #text} refuses, without decoding it. */
  abstract void skipText() throws IOException, MalformedPayloadException;

  /**
   * Where the current text lies in the body, in {@link #refStart()} and {@link #refLength()}, if
   * its bytes there are its UTF-8 (null is the empty text at 0): true; false when it must be
   * decoded ({@link #decodedText}). Refuses what {@link #text} refuses.
   */
  abstract boolean plainText() throws IOException, MalformedPayloadException;

  final int refStart() {
    return refStart;
  }

  final int refLength() {
    return refLength;
  }

  /** The current text as Jackson decodes it (after {@link #plainText} said false). */
  abstract String decodedText() throws IOException;

  abstract long integer() throws IOException, MalformedPayloadException;

  abstract int enumValue(String prefix, OtlpJsonDecoder.EnumByName byName) throws IOException, MalformedPayloadException;

  abstract boolean bool() throws MalformedPayloadException;

  abstract double dbl() throws IOException, MalformedPayloadException;

  /** Checks a base64 text. */
  abstract void base64() throws IOException, MalformedPayloadException;

  /**
   * A hex id of {@code bytes} bytes (8 or 16) as {@code OtlpJsonDecoder.hexId} reads it: its
   * length in bytes (0 for empty or null), its value in {@link #idHigh()} and {@link #idLow()}.
   */
  abstract int hexId(int bytes) throws IOException, MalformedPayloadException;

  final long idHigh() {
    return idHigh;
  }

  final long idLow() {
    return idLow;
  }

  /** Where the current value token starts in the body. */
  abstract int offset();
}

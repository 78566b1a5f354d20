package io.rumsessions.processor.receive;

import io.rumsessions.processor.receive.http.HttpConnection;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.google.rpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.rumsessions.processor.ingest.IngestResult;
import java.nio.charset.StandardCharsets;

/** The OTLP/HTTP answers, in the encoding of the request as the specification says. */
final class OtlpHttpAnswers {
  static final String PROTOBUF = "application/x-protobuf";
  static final String JSON = "application/json";
  private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);
  private static final byte[] EMPTY_PROTOBUF = new byte[0];

  private OtlpHttpAnswers() {}

  /** 200 with the partial success, if any spans were rejected. */
  static FullHttpResponse success(boolean isJson, IngestResult result) {
    byte[] body;
    if (isJson) {
      body = result.rejected() == 0
          ? EMPTY_JSON
          : ("{\"partialSuccess\":{\"rejectedSpans\":\"" + result.rejected() + "\",\"errorMessage\":"
              + jsonString(result.errorMessage()) + "}}").getBytes(StandardCharsets.UTF_8);
    } else if (result.rejected() == 0) {
      body = EMPTY_PROTOBUF;
    } else {
      body = ExportTraceServiceResponse.newBuilder()
          .setPartialSuccess(ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(result.rejected()).setErrorMessage(result.errorMessage()))
          .build().toByteArray();
    }
    return response(HttpResponseStatus.OK, isJson ? JSON : PROTOBUF, body);
  }

  /** An error with a google.rpc.Status. */
  static FullHttpResponse error(int code, boolean isJson, String message) {
    int grpcCode = switch (code) {
      case 400 -> 3; // INVALID_ARGUMENT
      case 413 -> 11; // OUT_OF_RANGE
      case 429 -> 8; // RESOURCE_EXHAUSTED
      default -> 14; // UNAVAILABLE
    };
    byte[] body = isJson
        ? ("{\"code\":" + grpcCode + ",\"message\":" + jsonString(message) + "}").getBytes(StandardCharsets.UTF_8)
        : Status.newBuilder().setCode(grpcCode).setMessage(message).build().toByteArray();
    return response(HttpResponseStatus.valueOf(code), isJson ? JSON : PROTOBUF, body);
  }

  static FullHttpResponse text(int code, String text) {
    return HttpConnection.text(HttpResponseStatus.valueOf(code), text);
  }

  private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return r;
  }

  /** A JSON string literal (Jackson's escaping). */
  static String jsonString(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }
}

package io.rumsessions.extension.request;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;

class HeaderCaptureTest {

  @Test
  void mergesWithTheOperatorsListAndRedactsOnlyWhatItAdded() {
    HeaderCapture c =
        HeaderCapture.plan(
            Arrays.asList("X-Request-Id", "sec-gpc"), Arrays.asList("x-rum-session-id", "sec-gpc", "cookie"));
    assertThat(c.merged()).containsExactly("x-request-id", "sec-gpc", "x-rum-session-id", "cookie");
    assertThat(c.added()).containsExactly("x-rum-session-id", "cookie");
    assertThat(c.propertyOverrides())
        .containsEntry(HeaderCapture.CAPTURE_PROPERTY, "x-request-id,sec-gpc,x-rum-session-id,cookie");
    assertThat(c.attributesToRedact())
        .containsExactly(
            AttributeKey.stringArrayKey("http.request.header.x-rum-session-id"),
            AttributeKey.stringArrayKey("http.request.header.cookie"));
  }

  @Test
  void nothingToAddMeansNoOverride() {
    HeaderCapture c = HeaderCapture.plan(Arrays.asList("sec-gpc"), Arrays.asList("sec-gpc"));
    assertThat(c.propertyOverrides()).isEmpty();
    assertThat(HeaderCapture.none().attributesToRedact()).isEmpty();
    assertThat(HeaderCapture.plan(Collections.<String>emptyList(), Collections.<String>emptyList()).propertyOverrides())
        .isEmpty();
  }
}

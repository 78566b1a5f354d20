package io.rumsessions.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class ServerProcessTest {
  @Test
  void aPausedProcessIsStoppedUntilResumed() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      long pid = sleeper.pid();
      ServerProcess.signal(pid, "STOP");
      assertThat(waitForState(pid, 'T')).isEqualTo('T');
      ServerProcess.signal(pid, "CONT");
      assertThat(waitForState(pid, 'S')).isEqualTo('S');
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
    // A pid above any pid_max (at most 2^22) names no process.
    assertThatThrownBy(() -> ServerProcess.signal(Integer.MAX_VALUE, "STOP")).isInstanceOf(IOException.class)
        .hasMessageContaining("kill -STOP " + Integer.MAX_VALUE);
  }

  /** The state once it is {@code wanted}, or the last one seen within 5 s. */
  static char waitForState(long pid, char wanted) throws Exception {
    char state = ServerProcess.stateOf(pid);
    for (int i = 0; i < 500 && state != wanted; i++) {
      Thread.sleep(10);
      state = ServerProcess.stateOf(pid);
    }
    return state;
  }
}

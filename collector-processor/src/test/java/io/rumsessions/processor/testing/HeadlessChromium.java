package io.rumsessions.processor.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Chromium, headless, with the flags this workplace needs (root, no network beyond
 * loopback) and a regular desktop user agent: Chromium's own "HeadlessChrome" is a bot by our
 * rules. Loads a page, runs its scripts for a virtual-time budget, and exits.
 */
public final class HeadlessChromium {
  public static final String USER_AGENT =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36";

  private HeadlessChromium() {}

  public static String binary() {
    for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
      if (Files.isExecutable(Path.of(candidate))) return candidate;
    }
    throw new IllegalStateException("Chromium is not installed: .ci/run installs the Debian package 'chromium'");
  }

  /** Loads {@code url}, lets its timers run for {@code virtualMillis}, returns the DOM. */
  public static String load(String url, Path profile, int virtualMillis) throws Exception {
    Process p = new ProcessBuilder(binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--user-agent=" + USER_AGENT,
        "--virtual-time-budget=" + virtualMillis, "--dump-dom", url)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    byte[] dom = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("Chromium did not finish loading " + url);
    }
    return new String(dom, java.nio.charset.StandardCharsets.UTF_8);
  }
}

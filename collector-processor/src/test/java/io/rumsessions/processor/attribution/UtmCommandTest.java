package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rum-sessions utm build | list | check}, end to end through {@link UtmCommand#run}. */
class UtmCommandTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private record Result(int status, String out, String err) {}

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = UtmCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), CLOCK);
    return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private String registry() {
    return dir.resolve("campaigns.yaml").toString();
  }

  @Test
  void buildPrintsAnEncodedUrlAndRecordsIt() throws Exception {
    Result r = run("utm", "build", "--url", "https://shop.example/sale?ref=nav&utm_source=old#top",
        "--source", "Newsletter", "--medium", "email", "--campaign", "Spring Sale", "--content", "hero/button&more",
        "--registry", registry());

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("https://shop.example/sale?ref=nav&utm_source=newsletter&utm_medium=email"
        + "&utm_campaign=spring%20sale&utm_content=hero%2Fbutton%26more#top\n");
    assertThat(r.err())
        .contains("note: source 'Newsletter' is recorded as 'newsletter'")
        .contains("warning: campaign 'spring sale' contains spaces")
        .contains("channel: email (Email)")
        .contains("recorded in " + registry());

    CampaignRegistry saved = CampaignRegistry.load(Path.of(registry()));
    assertThat(saved.links()).containsExactly(new CampaignLink(r.out().trim(), "newsletter", "email", "spring sale", null,
        "hero/button&more", LocalDate.of(2026, 11, 28)));
    assertThat(Files.readString(Path.of(registry())))
        .contains("source: newsletter").contains("campaign: spring sale").contains("created: 2026-11-28");
  }

  @Test
  void builtUrlAttributesToTheRecordedValues() {
    Result build = run("build", "--url=https://shop.example", "--source=google", "--medium=cpc", "--campaign=brand",
        "--term=red shoes", "--id=42", "--registry=" + registry());
    String url = build.out().trim();

    assertThat(url).isEqualTo("https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_id=42&utm_term=red%20shoes");
    Attribution a = CampaignAttributor.withBundledLists(CampaignRegistry.load(Path.of(registry()))).attribute(url, null, null);
    assertThat(a).isEqualTo(new Attribution("google", "cpc", "brand", "red shoes", "(not set)", Channel.PAID_SEARCH));

    Result check = run("check", url, "--registry", registry());
    assertThat(check.status()).as(check.out()).isZero();
    assertThat(check.out()).doesNotContain("warning");
  }

  @Test
  void buildingTheSameLinkTwiceKeepsOneEntry() {
    String[] args = {"build", "--url", "https://shop.example/", "--source", "newsletter", "--medium", "email", "--campaign", "x", "--registry", registry()};
    run(args);
    Result second = run(args);

    assertThat(second.status()).isZero();
    assertThat(second.err()).contains("already registered in " + registry() + " (created 2026-11-28)");
    assertThat(CampaignRegistry.load(Path.of(registry())).links()).hasSize(1);
  }

  @Test
  void buildWarnsWhenTheChannelIsUnassignedAndNoRecordWritesNothing() {
    Result r = run("build", "--url", "https://shop.example/", "--source", "newsletter", "--medium", "newsletter",
        "--campaign", "weekly", "--registry", registry(), "--no-record");

    assertThat(r.status()).isZero();
    assertThat(r.err()).contains("channel: unassigned").contains("match no GA4 channel rule");
    assertThat(Path.of(registry())).doesNotExist();
  }

  @Test
  void buildUsageErrors() {
    assertThat(run("build", "--url", "https://shop.example/", "--source", "a", "--medium", "b", "--registry", registry()))
        .satisfies(r -> {
          assertThat(r.status()).isEqualTo(2);
          assertThat(r.err()).contains("--campaign is required");
        });
    assertThat(run("build", "--url", "shop.example/x", "--source", "a", "--medium", "b", "--campaign", "c").err())
        .contains("--url must be an absolute http(s) URL");
    assertThat(run("build", "--url", "https://shop.example/", "--source", " ", "--medium", "b", "--campaign", "c", "--registry", registry()).err())
        .contains("--source must not be empty");
    assertThat(run("build", "--bogus", "x").status()).isEqualTo(2);
    assertThat(run("build", "--url").err()).contains("--url needs a value");
    assertThat(run("build", "--source", "a", "--source", "b").err()).contains("--source given twice");
  }

  @Test
  void listPrintsTheRegistry() {
    assertThat(run("list", "--registry", registry()).out()).isEqualTo("no campaigns registered in " + registry() + "\n");
    run("build", "--url", "https://shop.example/", "--source", "newsletter", "--medium", "email", "--campaign", "spring_sale", "--registry", registry());
    run("build", "--url", "https://shop.example/p", "--source", "google", "--medium", "cpc", "--campaign", "brand", "--term", "shoes", "--registry", registry());

    Result r = run("list", "--registry", registry());

    assertThat(r.status()).isZero();
    assertThat(r.out().split("\n")).containsExactly(
        "CREATED     SOURCE      MEDIUM  CAMPAIGN     TERM   CONTENT  URL",
        "2026-11-28  newsletter  email   spring_sale  -      -        https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
        "2026-11-28  google      cpc     brand        shoes  -        https://shop.example/p?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=shoes");
  }

  @Test
  void checkReportsAttributionAndMessyParameters() {
    run("build", "--url", "https://shop.example/", "--source", "newsletter", "--medium", "email", "--campaign", "spring_sale", "--registry", registry());

    Result r = run("check", "https://shop.example/?UTM_SOURCE=Newsletter&utm_medium=email&utm_campaign=Spring-Sale+2026%zz", "--registry", registry());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).startsWith(String.join("\n",
        "source:   newsletter",
        "medium:   email",
        "campaign: spring-sale 2026%zz",
        "term:     (not set)",
        "content:  (not set)",
        "channel:  email (Email)",
        ""));
    assertThat(r.out())
        .contains("warning: parameter 'UTM_SOURCE' is not lower-case")
        .contains("warning: utm_source 'Newsletter' has upper-case letters; it is reported as 'newsletter'")
        .contains("warning: utm_campaign has invalid percent-encoding in 'Spring-Sale+2026%zz'")
        .contains("warning: utm_campaign 'Spring-Sale 2026%zz' contains spaces")
        .contains("warning: campaign 'spring-sale 2026%zz' is not registered in " + registry())
        .doesNotContain("source 'newsletter' is not registered")
        .doesNotContain("missing utm_source");
  }

  @Test
  void checkSuggestsTheRegisteredSpelling() {
    run("build", "--url", "https://shop.example/", "--source", "newsletter", "--medium", "email", "--campaign", "spring_sale", "--registry", registry());

    Result r = run("check", "https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale", "--registry", registry());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).contains("warning: campaign 'spring-sale' is not registered in " + registry() + "; did you mean 'spring_sale'?");
  }

  @Test
  void checkWarnsAboutMissingParametersAndUnassignedChannel() {
    Result r = run("check", "https://shop.example/?utm_source=newsletter&utm_campaign=spring%2520sale", "--registry", registry());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out())
        .contains("channel:  unassigned (Unassigned)")
        .contains("warning: missing utm_medium")
        .doesNotContain("warning: missing utm_source")
        .contains("warning: utm_campaign looks percent-encoded twice ('spring%2520sale')")
        .contains("warning: no campaigns registered in " + registry())
        .contains("match no GA4 channel rule");
  }

  @Test
  void checkOfAClickIdUrlNeedsNoUtmParameters() {
    run("build", "--url", "https://shop.example/", "--source", "google", "--medium", "cpc", "--campaign", "brand", "--registry", registry());

    Result r = run("check", "https://shop.example/?gclid=abc&utm_campaign=brand", "--registry", registry());

    assertThat(r.out()).contains("source:   google").contains("channel:  paid_search (Paid Search)").doesNotContain("warning");
    assertThat(r.status()).isZero();
  }

  @Test
  void checkOfAnUntaggedUrlIsDirect() {
    Result r = run("check", "https://shop.example/", "--registry", registry());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.out()).contains("source:   (direct)").contains("channel:  direct (Direct)")
        .contains("warning: missing utm_source").contains("warning: missing utm_medium").contains("warning: missing utm_campaign");
  }

  @Test
  void usageAndHelp() {
    assertThat(run().status()).isEqualTo(2);
    assertThat(run("utm").err()).contains("usage: rum-sessions utm build");
    Result help = run("utm", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).contains("rum-sessions utm check URL");
    assertThat(run("build", "--help").status()).isZero();
    assertThat(run("frobnicate").err()).contains("unknown command 'frobnicate'");
    assertThat(run("check").err()).contains("expects exactly one URL");
    assertThat(run("check", "a", "b").status()).isEqualTo(2);
    assertThat(run("check", "ftp://x.example/", "--registry", registry()).err()).contains("absolute http(s) URL");
    assertThat(run("list", "extra", "--registry", registry()).status()).isEqualTo(2);
  }

  @Test
  void brokenRegistryIsAUsageError() throws Exception {
    Files.writeString(Path.of(registry()), "campaigns: [\n");

    Result r = run("list", "--registry", registry());

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("not valid YAML");
  }

  @Test
  void defaultRegistryIsCampaignsYamlInTheWorkingDirectory() {
    assertThat(UtmCommand.DEFAULT_REGISTRY).isEqualTo("campaigns.yaml");
    assertThat(UtmCommand.USAGE).contains("default ./campaigns.yaml");
  }
}

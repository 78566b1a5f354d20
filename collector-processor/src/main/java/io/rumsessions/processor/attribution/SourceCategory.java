package io.rumsessions.processor.attribution;

/**
 * The categories GA4's default channel group rules look a source up in. Each has a bundled data
 * file ({@link #resource()}); {@link #EMAIL} is ours (GA4 has no e-mail source list).
 */
public enum SourceCategory {
  SEARCH("search-engines.txt"),
  SOCIAL("social-networks.txt"),
  VIDEO("video-sites.txt"),
  SHOPPING("shopping-sites.txt"),
  EMAIL("email-providers.txt");

  private final String resource;

  SourceCategory(String resource) {
    this.resource = resource;
  }

  /** The data file's name, next to this class on the classpath. */
  public String resource() {
    return resource;
  }
}

package io.rumsessions.processor.attribution;

import java.time.LocalDate;

/**
 * One entry of the campaign registry: a tagged link and its parameter values (normalised as the
 * processor reports them). {@code url}, {@code term}, {@code content} and {@code created} may be
 * null.
 */
public record CampaignLink(String url, String source, String medium, String campaign, String term, String content, LocalDate created) {
  public CampaignLink {
    source = require("source", source);
    medium = require("medium", medium);
    campaign = require("campaign", campaign);
    term = ParamValues.normalize(term);
    content = ParamValues.normalize(content);
    url = url == null || url.isBlank() ? null : url.trim();
  }

  private static String require(String what, String value) {
    String v = ParamValues.normalize(value);
    if (v == null) throw new IllegalArgumentException(what + " is required");
    return v;
  }
}

package io.rumsessions.processor.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** GA4's default channel group rules on (source, medium, campaign) values, first match wins. */
class ChannelRulesTest {
  private final ChannelRules rules = new ChannelRules(SourceLists.bundled());

  @ParameterizedTest(name = "{0} / {1} / {2} -> {3}")
  @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
      # source        | medium           | campaign                 | channel
      google          | cpc              | cross-network-pmax       | cross_network
      newsletter      | email            | Cross-Network            | cross_network
      Amazon          | CPC              | x                        | paid_shopping
      igshopping      | paid             | x                        | paid_shopping
      partner         | ppc              | shop_now                 | paid_shopping
      partner         | ppc              | summer shopping          | paid_shopping
      partner         | ppc              | workshop                 | paid_other
      google          | cpc              | x                        | paid_search
      GOOGLE          | Paid_Search      | x                        | paid_search
      baidu           | retargeting      | x                        | paid_search
      google.co.uk    | cpc              | x                        | paid_search
      facebook        | cpc              | x                        | paid_social
      ig              | paid             | x                        | paid_social
      tiktok          | cpm              | x                        | paid_social
      youtube         | cpv              | x                        | paid_video
      twitch          | paid-video       | x                        | paid_video
      criteo          | display          | x                        | display
      criteo          | banner           | x                        | display
      criteo          | expandable       | x                        | display
      criteo          | interstitial     | x                        | display
      criteo          | cpm              | x                        | display
      google          | display          | x                        | display
      partner         | cpa              | x                        | paid_other
      partner         | paid             | x                        | paid_other
      partner         | ppc              | x                        | paid_other
      ebay            | referral         | x                        | organic_shopping
      partner         | email            | eshop                    | organic_shopping
      partner         | email            | shop                     | organic_shopping
      partner         | email            | workshop                 | email
      partner         | email            | bishop                   | email
      linkedin        | referral         | x                        | organic_social
      partner         | social           | x                        | organic_social
      partner         | social-network   | x                        | organic_social
      partner         | social-media     | x                        | organic_social
      partner         | sm               | x                        | organic_social
      partner         | social network   | x                        | organic_social
      partner         | social media     | x                        | organic_social
      vimeo           | referral         | x                        | organic_video
      partner         | video            | x                        | organic_video
      partner         | explainer-video  | x                        | organic_video
      youtube         | social           | x                        | organic_social
      duckduckgo      | referral         | x                        | organic_search
      partner         | organic          | x                        | organic_search
      facebook        | organic          | x                        | organic_social
      email           | anything         | x                        | email
      e-mail          | anything         | x                        | email
      e_mail          | anything         | x                        | email
      e mail          | anything         | x                        | email
      partner         | EMAIL            | x                        | email
      sms             | email            | x                        | email
      partner         | affiliate        | x                        | affiliates
      partner         | affiliates       | x                        | unassigned
      partner         | audio            | x                        | audio
      partner         | sms              | x                        | sms
      sms             | text             | x                        | sms
      partner         | push             | x                        | mobile_push
      partner         | web_push         | x                        | mobile_push
      partner         | mobile           | x                        | mobile_push
      partner         | notification     | x                        | mobile_push
      firebase        | anything         | x                        | mobile_push
      partner         | referral         | x                        | referral
      partner         | app              | x                        | referral
      partner         | link             | x                        | referral
      partner         | affiliate-link   | x                        | unassigned
      (direct)        | (none)           | (direct)                 | direct
      (direct)        | (not set)        | x                        | direct
      (direct)        | email            | x                        | email
      (not set)       | (not set)        | (not set)                | unassigned
      null            | null             | null                     | unassigned
      newsletter      | newsletter       | weekly                   | unassigned
      """)
  void firstMatchingRuleWins(String source, String medium, String campaign, String channel) {
    assertThat(rules.classify(source, medium, campaign).label()).isEqualTo(channel);
  }

  @Test
  void paidMediumIsGa4sRegex() {
    for (String m : new String[] {"cpc", "cpm", "cpv", "cpa", "ecpc", "ppc", "retargeting", "paid", "paid_social", "paidsearch"}) {
      assertThat(ChannelRules.isPaidMedium(m)).as(m).isTrue();
    }
    for (String m : new String[] {"pc", "ppc2", "retarget", "unpaid", "organic", "c-p"}) {
      assertThat(ChannelRules.isPaidMedium(m)).as(m).isFalse();
    }
  }

  @Test
  void shoppingCampaignIsGa4sRegex() {
    for (String c : new String[] {"shop", "eshop", "e-shop", "summer_shop", "1shop", "shopping", "workshopping", "black friday shop"}) {
      assertThat(ChannelRules.isShoppingCampaign(c)).as(c).isTrue();
    }
    for (String c : new String[] {"workshop", "bishop", "ashop", "zshop", "sho p", "spring"}) {
      assertThat(ChannelRules.isShoppingCampaign(c)).as(c).isFalse();
    }
  }

  @Test
  void channelLabelsAreSnakeCaseInGa4Order() {
    assertThat(Channel.values()).extracting(Channel::label).containsExactly(
        "cross_network", "paid_shopping", "paid_search", "paid_social", "paid_video", "display", "paid_other",
        "organic_shopping", "organic_social", "organic_video", "organic_search", "email", "affiliates", "audio",
        "sms", "mobile_push", "referral", "direct", "unassigned");
    for (Channel c : Channel.values()) {
      assertThat(c.label()).matches("[a-z_]+");
      assertThat(Channel.fromLabel(c.label())).isSameAs(c);
      assertThat(c).hasToString(c.label());
    }
    assertThat(Channel.MOBILE_PUSH.ga4Name()).isEqualTo("Mobile Push Notifications");
  }
}

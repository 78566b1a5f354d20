package io.rumsessions.processor.config;

/**
 * Where consent is read and what unknown means.
 *
 * @param attribute span or resource attribute carrying {@code granted} or {@code denied}
 * @param header request header carrying {@code granted} or {@code denied} when browsers post
 *     directly; empty for none
 * @param honorGlobalPrivacyControl {@code Sec-GPC: 1} means denied, whatever else says
 * @param honorDoNotTrack {@code DNT: 1} means denied when nothing else says granted
 * @param grantedByDefault what a span without a consent signal counts as; false (denied) is the
 *     GDPR-safe default
 */
public record ConsentConfig(
    String attribute,
    String header,
    boolean honorGlobalPrivacyControl,
    boolean honorDoNotTrack,
    boolean grantedByDefault) {}

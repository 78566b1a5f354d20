package io.rumsessions.processor.config;

/**
 * Where consent is read and what unknown means.
 *
 * @param attribute span or resource attribute carrying {@code granted} or {@code denied}
 * @param grantedByDefault what a span without a consent signal counts as; false (denied) is the
 *     GDPR-safe default
 */
public record ConsentConfig(String attribute, boolean grantedByDefault) {}

package io.rumsessions.processor.ingest;

/**
 * What became of one export request, for the OTLP response.
 *
 * @param rejected spans refused (OTLP {@code partial_success.rejected_spans})
 * @param errorMessage why, for the first refused span; empty when none was
 */
public record IngestResult(long accepted, long rejected, String errorMessage) {}

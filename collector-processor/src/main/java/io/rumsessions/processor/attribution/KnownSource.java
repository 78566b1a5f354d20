package io.rumsessions.processor.attribution;

/** A source the bundled lists know: its canonical name (the label value) and its category. */
public record KnownSource(String name, SourceCategory category) {}

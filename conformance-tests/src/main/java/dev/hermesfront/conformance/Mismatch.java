package dev.hermesfront.conformance;

/**
 * One place where a received frame differs from the recorded one.
 *
 * @param path     JSON path inside the frame ({@code $} for the whole frame)
 * @param expected the recorded value as JSON text, or {@code (absent)}
 * @param actual   the received value as JSON text, or {@code (absent)}
 * @param reason   why they do not match
 */
record Mismatch(String path, String expected, String actual, String reason) {}

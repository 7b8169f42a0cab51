package dev.hermesfront.gateway.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Formats a log record as one JSON object per line for log shippers ({@code --log-format json}):
 * {@code {"ts", "level", "logger", "thread", "message"}} and {@code "error"} (the stack trace) when the
 * record carries a throwable. The message is formatted the way the text format does it. Thread-safe.
 */
public final class JsonLogFormatter extends Formatter {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String format(LogRecord r) {
        StringWriter w = new StringWriter(200);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("ts", r.getInstant().toString());
            g.writeStringField("level", level(r.getLevel()));
            g.writeStringField("logger", r.getLoggerName());
            g.writeNumberField("thread", r.getLongThreadID());
            g.writeStringField("message", formatMessage(r));
            if (r.getThrown() != null) {
                StringWriter trace = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(trace));
                g.writeStringField("error", trace.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.append('\n').toString();
    }

    /** The level as log shippers name it: ERROR, WARN, INFO, DEBUG, TRACE. */
    static String level(java.util.logging.Level l) {
        int v = l.intValue();
        if (v >= 1000) {
            return "ERROR";
        }
        if (v >= 900) {
            return "WARN";
        }
        if (v >= 800) {
            return "INFO";
        }
        if (v >= 500) {
            return "DEBUG";
        }
        return "TRACE";
    }
}

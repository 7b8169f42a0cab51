package dev.hermesfront.conformance;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes results as JUnit XML (the {@code testsuites}/{@code testsuite}/{@code testcase} schema CI servers
 * read): one test case per transcript, {@code failure} with the rendered differences, {@code error} when it
 * could not run, {@code skipped} when it does not apply to the target.
 */
public final class JUnitXml {
    private JUnitXml() {}

    /**
     * Writes the report.
     *
     * @param suite      test suite name, such as {@code conformance.gateway}
     * @param properties shown as suite properties (target URL without credentials, mode, rules file)
     */
    public static void write(Path file, String suite, Map<String, String> properties, List<TranscriptResult> results)
            throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, StandardCharsets.UTF_8.name());
            w.writeStartDocument(StandardCharsets.UTF_8.name(), "1.0");
            w.writeCharacters("\n");
            long failures = count(results, TranscriptResult.Status.FAILED);
            long errors = count(results, TranscriptResult.Status.ERROR);
            long skipped = count(results, TranscriptResult.Status.SKIPPED);
            String time = seconds(results.stream().map(TranscriptResult::duration).reduce(Duration.ZERO, Duration::plus));
            w.writeStartElement("testsuites");
            attributes(w, suite, results.size(), failures, errors, skipped, time);
            w.writeCharacters("\n  ");
            w.writeStartElement("testsuite");
            attributes(w, suite, results.size(), failures, errors, skipped, time);
            w.writeCharacters("\n    ");
            w.writeStartElement("properties");
            for (Map.Entry<String, String> p : properties.entrySet()) {
                w.writeCharacters("\n      ");
                w.writeEmptyElement("property");
                w.writeAttribute("name", p.getKey());
                w.writeAttribute("value", p.getValue());
            }
            w.writeCharacters("\n    ");
            w.writeEndElement();
            for (TranscriptResult r : results) {
                w.writeCharacters("\n    ");
                testCase(w, suite, r);
            }
            w.writeCharacters("\n  ");
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void testCase(XMLStreamWriter w, String suite, TranscriptResult r) throws XMLStreamException {
        w.writeStartElement("testcase");
        w.writeAttribute("classname", suite);
        w.writeAttribute("name", r.name());
        w.writeAttribute("time", seconds(r.duration()));
        switch (r.status()) {
            case PASSED -> {
                if (!r.tolerated().isEmpty() || !r.applied().isEmpty() || !r.wire().isEmpty()) {
                    // What the rules tolerated and applied, named for a passing transcript too.
                    w.writeCharacters("\n      ");
                    w.writeStartElement("system-out");
                    w.writeCharacters(r.render());
                    w.writeEndElement();
                    w.writeCharacters("\n    ");
                }
            }
            case FAILED -> {
                w.writeCharacters("\n      ");
                w.writeStartElement("failure");
                w.writeAttribute("type", "conformance");
                w.writeAttribute("message", r.message());
                w.writeCharacters(r.render());
                w.writeEndElement();
                w.writeCharacters("\n    ");
            }
            case ERROR -> {
                w.writeCharacters("\n      ");
                w.writeStartElement("error");
                w.writeAttribute("type", "could-not-run");
                w.writeAttribute("message", r.message());
                w.writeCharacters(r.render());
                w.writeEndElement();
                w.writeCharacters("\n    ");
            }
            case SKIPPED -> {
                w.writeEmptyElement("skipped");
                w.writeAttribute("message", r.message());
            }
        }
        w.writeEndElement();
    }

    private static void attributes(XMLStreamWriter w, String name, int tests, long failures, long errors, long skipped,
                                   String time) throws XMLStreamException {
        w.writeAttribute("name", name);
        w.writeAttribute("tests", Integer.toString(tests));
        w.writeAttribute("failures", Long.toString(failures));
        w.writeAttribute("errors", Long.toString(errors));
        w.writeAttribute("skipped", Long.toString(skipped));
        w.writeAttribute("time", time);
    }

    private static long count(List<TranscriptResult> results, TranscriptResult.Status s) {
        return results.stream().filter(r -> r.status() == s).count();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}

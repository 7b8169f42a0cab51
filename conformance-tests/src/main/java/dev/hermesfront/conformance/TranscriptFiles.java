package dev.hermesfront.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds transcript files ({@code *.jsonl}) and the rules file that belongs to them. */
public final class TranscriptFiles {
    /** Name of the rules file, looked up next to the transcripts and in the folders above. */
    public static final String RULES = "rules.json";

    private TranscriptFiles() {}

    /** Expands files and folders (recursively) into transcript files, sorted per folder. */
    public static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(f -> f.toString().endsWith(".jsonl") && Files.isRegularFile(f)).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p, e);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** Returns the nearest {@code rules.json} in the folder of {@code path} or above, if any. */
    public static Optional<Path> rulesFor(Path path) {
        Path start = Files.isDirectory(path) ? path.toAbsolutePath() : path.toAbsolutePath().getParent();
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve(RULES);
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
            if (Files.isDirectory(p.resolve(".git")) || Files.isRegularFile(p.resolve(".git"))) {
                break;
            }
        }
        return Optional.empty();
    }

    /** Returns the project's {@code transcripts/} folder, searched from the working directory upwards. */
    public static Path projectTranscripts() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("transcripts"))) {
                return p.resolve("transcripts");
            }
        }
        throw new IllegalStateException("transcripts/ not found above " + Path.of("").toAbsolutePath());
    }
}

package dev.tidings.issue;

import io.quarkus.qute.Template;
import java.time.Instant;
import java.util.UUID;

/**
 * An issue's templates, parsed once and rendered per recipient. The subject is plain text;
 * {@code html} escapes every value it inserts, {@code text} inserts values as they are.
 * {@code links} are the issue's trackable links ({@link TrackableLinks}), by index.
 */
public record CompiledIssue(
        UUID id,
        UUID newsletterId,
        Instant updatedAt,
        Template subject,
        String preheader,
        Template html,
        Template text,
        java.util.List<String> links) {}

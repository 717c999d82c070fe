package dev.tidings.admin;

import io.quarkus.qute.TemplateExtension;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Formatting for the admin's templates: times in UTC (the browser shows them in its own zone). */
@TemplateExtension
final class AdminFormat {

    private static final DateTimeFormatter UTC =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private AdminFormat() {}

    /** {@code 2026-11-30 14:05 UTC}. */
    static String utc(Instant instant) {
        return instant == null ? "" : UTC.format(instant);
    }

    /** A thousands-separated count: {@code 12,345}. */
    static String grouped(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** Where the admin shows an issue: its editor while it can change, else its delivery. */
    static String href(dev.tidings.issue.Issue issue) {
        return IssuePages.href(issue);
    }

    static String grouped(int value) {
        return grouped((long) value);
    }
}

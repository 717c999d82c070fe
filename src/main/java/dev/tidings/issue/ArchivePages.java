package dev.tidings.issue;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateInstance;
import java.util.List;

/** The public archive pages (templates in {@code templates/ArchivePages/}); accessible, no JavaScript. */
@CheckedTemplate(basePath = "ArchivePages")
final class ArchivePages {

    private ArchivePages() {}

    /** One line of the archive list. */
    record Entry(String href, String subject, String datetime, String date) {}

    static native TemplateInstance list(String slug, String newsletter, List<Entry> entries);

    static native TemplateInstance issue(
            String slug, String newsletter, String subject, String datetime, String date, RawString content);

    static native TemplateInstance notFound(String heading, String message);
}

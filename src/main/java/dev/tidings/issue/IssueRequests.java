package dev.tidings.issue;

public final class IssueRequests {

    private IssueRequests() {}

    /** POST body: a subject and exactly one of bodyMarkdown or bodyHtml; optionally an audience. */
    public record Create(
            String subject,
            String preheader,
            String bodyMarkdown,
            String bodyHtml,
            String bodyText,
            com.fasterxml.jackson.databind.JsonNode audience) {}
}

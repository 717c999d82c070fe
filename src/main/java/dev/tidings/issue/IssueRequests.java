package dev.tidings.issue;

public final class IssueRequests {

    private IssueRequests() {}

    /** POST body: a subject and exactly one of bodyMarkdown or bodyHtml. */
    public record Create(String subject, String preheader, String bodyMarkdown, String bodyHtml, String bodyText) {}
}

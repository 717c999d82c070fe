package dev.tidings.issue;

final class IssueRequests {

    private IssueRequests() {}

    /** POST body: a subject and exactly one of bodyMarkdown or bodyHtml. */
    record Create(String subject, String preheader, String bodyMarkdown, String bodyHtml, String bodyText) {}
}

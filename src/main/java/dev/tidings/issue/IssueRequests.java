package dev.tidings.issue;

import java.util.List;

final class IssueRequests {

    private IssueRequests() {}

    /** POST body: a subject and exactly one of bodyMarkdown or bodyHtml. */
    record Create(String subject, String preheader, String bodyMarkdown, String bodyHtml, String bodyText) {}

    /** POST .../test body: 1 to 10 addresses. */
    record TestSend(List<String> emails) {}
}

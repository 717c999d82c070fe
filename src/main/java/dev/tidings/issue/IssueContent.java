package dev.tidings.issue;

/**
 * What a writer edits: subject and preheader (one line each), and the body as Markdown (rendered to
 * {@code bodyHtml}) or as HTML, with an optional own plain-text part.
 */
public record IssueContent(String subject, String preheader, String bodyMarkdown, String bodyHtml, String bodyText) {}

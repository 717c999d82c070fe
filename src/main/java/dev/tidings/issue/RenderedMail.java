package dev.tidings.issue;

/** An issue as one recipient gets it: subject, HTML part and plain-text part. */
public record RenderedMail(String subject, String html, String text) {}

package dev.tidings.issue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * Markdown bodies to HTML with CommonMark (commonmark-java). Safe defaults: raw HTML in the
 * Markdown is escaped, not passed through ({@code escapeHtml}), and link and image URLs with
 * unsafe schemes such as {@code javascript:} are dropped ({@code sanitizeUrls}). Writers who want
 * their own HTML send {@code bodyHtml} instead.
 *
 * <p>The Markdown is also a Qute template. CommonMark would HTML-escape the quotes in
 * {@code {#if subscriber.attributes.plan == "pro"}} and could read {@code *} or {@code _} inside an
 * expression as emphasis, so every Qute tag is swapped for an inert alphanumeric placeholder before
 * rendering and put back afterwards, untouched. {@code \{} (Qute's escaped brace) is protected the
 * same way so that it still prints a literal brace.
 *
 * <p>The Markdown is a writer's, parsed on our CPU. commonmark-java from 0.32 parses in about
 * linear time and caps nesting at 100 levels (0.27 recursed once per level, off the stack, and
 * spent a minute on 400,000 {@code <}; see {@code bench/MarkdownBench.java}). What it cannot cap
 * is expansion: one long link reference used many times is repeated in full each time, so the
 * HTML is written into a bounded buffer that stops at {@code maxChars}.
 */
final class Markdown {

    /** Qute's escaped brace, a comment, or a tag: '{' then a character that starts a Qute tag. */
    private static final Pattern QUTE_TAG =
            Pattern.compile("\\\\\\{|\\{![\\s\\S]*?!\\}|\\{[#/@_\\p{L}\\p{N}](?:[^{}]|\\{[^{}]*\\})*\\}");

    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer RENDERER =
            HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Markdown() {}

    /** The Markdown would become more HTML than a mail may hold. */
    static final class TooLong extends RuntimeException {
        TooLong() {
            super(null, null, false, false);
        }
    }

    /** An appendable that refuses to grow past its limit (the renderer's only output). */
    private static final class Bounded implements Appendable {
        private final StringBuilder out = new StringBuilder();
        private final long max;

        Bounded(long max) {
            this.max = max;
        }

        private void check(int more) {
            if (out.length() + (long) more > max) {
                throw new TooLong();
            }
        }

        @Override
        public Appendable append(CharSequence text) {
            CharSequence chars = text == null ? "null" : text;
            check(chars.length());
            out.append(chars);
            return this;
        }

        @Override
        public Appendable append(CharSequence text, int start, int end) {
            CharSequence chars = text == null ? "null" : text;
            check(end - start);
            out.append(chars, start, end);
            return this;
        }

        @Override
        public Appendable append(char c) {
            check(1);
            out.append(c);
            return this;
        }
    }

    /**
     * The HTML of a Markdown body, Qute tags untouched; throws {@link TooLong} as soon as it passes
     * {@code maxChars}.
     */
    static String toHtml(String markdown, long maxChars) {
        String marker = "QUTE" + nonce() + "T";
        List<String> tags = new ArrayList<>();
        Matcher matcher = QUTE_TAG.matcher(markdown);
        StringBuilder shielded = new StringBuilder(markdown.length());
        while (matcher.find()) {
            matcher.appendReplacement(shielded, marker + tags.size() + "Z");
            tags.add(matcher.group());
        }
        matcher.appendTail(shielded);
        Bounded rendered = new Bounded(maxChars);
        RENDERER.render(PARSER.parse(shielded.toString()), rendered);
        String html = rendered.out.toString();
        if (tags.isEmpty()) {
            return html;
        }
        Matcher placeholders = Pattern.compile(marker + "(\\d+)Z").matcher(html);
        StringBuilder restored = new StringBuilder(html.length());
        while (placeholders.find()) {
            int index = Integer.parseInt(placeholders.group(1));
            String tag = index < tags.size() ? tags.get(index) : placeholders.group();
            placeholders.appendReplacement(restored, Matcher.quoteReplacement(tag));
        }
        placeholders.appendTail(restored);
        return restored.toString();
    }

    /** Upper-case letters only, so the placeholder never collides with a writer's text by chance. */
    private static String nonce() {
        char[] chars = new char[10];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = (char) ('A' + RANDOM.nextInt(26));
        }
        return new String(chars);
    }
}

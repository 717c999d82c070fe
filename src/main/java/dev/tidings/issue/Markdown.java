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

    static String toHtml(String markdown) {
        String marker = "QUTE" + nonce() + "T";
        List<String> tags = new ArrayList<>();
        Matcher matcher = QUTE_TAG.matcher(markdown);
        StringBuilder shielded = new StringBuilder(markdown.length());
        while (matcher.find()) {
            matcher.appendReplacement(shielded, marker + tags.size() + "Z");
            tags.add(matcher.group());
        }
        matcher.appendTail(shielded);
        String html = RENDERER.render(PARSER.parse(shielded.toString()));
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

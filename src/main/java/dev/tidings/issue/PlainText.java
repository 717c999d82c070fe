package dev.tidings.issue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;

/**
 * The plain-text part derived from an HTML body. jsoup (maintained, parses real-world HTML the way
 * browsers do) builds the tree; this filter writes it the way plain-text mails are usually read:
 * paragraphs separated by blank lines, list items as "- " or "1. ", links as "text (url)", images
 * by their alt text, nothing of scripts and styles. We chose this over a Markdown converter such as
 * flexmark's html2md because that output is Markdown (escaped characters, pipe tables for layout
 * tables), which reads worse in a mail client than conventional plain text.
 *
 * <p>Qute tags are text to jsoup and come through unchanged, so the result is a template too.
 */
final class PlainText {

    private static final Set<String> SKIPPED = Set.of("head", "script", "style", "template", "title", "noscript");
    private static final Set<String> PARAGRAPHS =
            Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure");
    private static final Set<String> LINES =
            Set.of("div", "section", "article", "header", "footer", "main", "aside", "nav", "tr", "dt", "dd", "li");

    private PlainText() {}

    static String fromHtml(String html) {
        Writer writer = new Writer();
        Jsoup.parse(html).body().filter(writer);
        return writer.result();
    }

    private static final class Writer implements NodeFilter {
        private final StringBuilder out = new StringBuilder();
        /** One entry per open list: -1 for a bulleted list, else the next number. */
        private final Deque<int[]> lists = new ArrayDeque<>();

        private int pre;

        @Override
        public FilterResult head(Node node, int depth) {
            if (node instanceof TextNode text) {
                appendText(pre > 0 ? text.getWholeText() : text.text());
                return FilterResult.CONTINUE;
            }
            if (!(node instanceof Element element)) {
                return FilterResult.CONTINUE;
            }
            String tag = element.normalName();
            if (SKIPPED.contains(tag) || isHidden(element)) {
                return FilterResult.SKIP_ENTIRELY;
            }
            switch (tag) {
                case "br" -> newline();
                case "hr" -> {
                    blankLine();
                    out.append("----");
                    blankLine();
                }
                case "img" -> {
                    String alt = element.attr("alt").strip();
                    if (!alt.isEmpty()) {
                        appendText(alt);
                    }
                }
                case "ul" -> lists.push(new int[] {-1});
                case "ol" -> lists.push(new int[] {startOf(element)});
                case "li" -> {
                    newline();
                    out.append("  ".repeat(Math.max(0, lists.size() - 1)));
                    int[] list = lists.peek();
                    if (list == null || list[0] < 0) {
                        out.append("- ");
                    } else {
                        out.append(list[0]++).append(". ");
                    }
                }
                case "td", "th" -> {
                    if (element.elementSiblingIndex() > 0) {
                        appendText(" ");
                    }
                }
                default -> {}
            }
            if (tag.equals("pre")) {
                pre++;
            }
            if (PARAGRAPHS.contains(tag) && lists.size() <= (tag.equals("ul") || tag.equals("ol") ? 1 : 0)) {
                blankLine();
            } else if (LINES.contains(tag) && !tag.equals("li")) {
                newline();
            }
            return FilterResult.CONTINUE;
        }

        @Override
        public FilterResult tail(Node node, int depth) {
            if (!(node instanceof Element element)) {
                return FilterResult.CONTINUE;
            }
            String tag = element.normalName();
            switch (tag) {
                case "a" -> appendLink(element);
                case "ul", "ol" -> lists.pop();
                case "pre" -> pre--;
                default -> {}
            }
            if (PARAGRAPHS.contains(tag) && lists.isEmpty()) {
                blankLine();
            } else if (LINES.contains(tag)) {
                newline();
            }
            return FilterResult.CONTINUE;
        }

        private void appendLink(Element link) {
            String href = link.attr("href").strip();
            if (href.isEmpty() || href.startsWith("#")) {
                return;
            }
            String text = link.text().strip();
            String bare = href.startsWith("mailto:") ? href.substring("mailto:".length()) : href;
            if (!text.equals(href) && !text.equals(bare)) {
                appendText(text.isEmpty() ? href : " (" + href + ")");
            }
        }

        private void appendText(String text) {
            if (text.isEmpty()) {
                return;
            }
            if (pre == 0) {
                boolean lineStart = out.length() == 0 || out.charAt(out.length() - 1) == '\n';
                boolean afterSpace = lineStart || out.charAt(out.length() - 1) == ' ';
                if (afterSpace) {
                    text = text.stripLeading();
                }
            }
            out.append(text);
        }

        private void newline() {
            trimTrailingSpaces();
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') {
                out.append('\n');
            }
        }

        private void blankLine() {
            newline();
            if (out.length() > 0 && !endsWith("\n\n")) {
                out.append('\n');
            }
        }

        private boolean endsWith(String suffix) {
            return out.length() >= suffix.length()
                    && out.substring(out.length() - suffix.length()).equals(suffix);
        }

        private void trimTrailingSpaces() {
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == ' ') {
                end--;
            }
            out.setLength(end);
        }

        String result() {
            return out.toString()
                            .replaceAll("[ \\t]+\\n", "\n")
                            .replaceAll("\\n{3,}", "\n\n")
                            .strip() + "\n";
        }

        private static int startOf(Element list) {
            try {
                return Integer.parseInt(list.attr("start").strip());
            } catch (NumberFormatException e) {
                return 1;
            }
        }

        /** The hidden preheader and the like: not part of what a reader sees. */
        private static boolean isHidden(Element element) {
            String style = element.attr("style").replace(" ", "").toLowerCase(java.util.Locale.ROOT);
            return element.hasAttr("hidden") || style.contains("display:none");
        }
    }
}

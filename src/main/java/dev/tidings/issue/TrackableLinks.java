package dev.tidings.issue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The links of an issue that click tracking may stand in for: the {@code href} of every anchor in
 * the stored HTML that is a fixed http(s) URL, once each, in order of appearance. A link built
 * from a template expression (personalised, or the unsubscribe link) contains {@code {} and is
 * never tracked. The text as written in the HTML (entities and all) is what the rendered mail
 * contains, so it is matched as is; {@link #target} is where a click leads.
 */
public final class TrackableLinks {

    /** Links one issue may have tracked; the rest stay plain. */
    public static final int MAX = 500;

    private static final Pattern ANCHOR_HREF =
            Pattern.compile("<a\\b[^>]*?\\shref\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)')", Pattern.CASE_INSENSITIVE);

    private TrackableLinks() {}

    public static List<String> of(String html) {
        Set<String> links = new LinkedHashSet<>();
        Matcher m = ANCHOR_HREF.matcher(html == null ? "" : html);
        while (m.find() && links.size() < MAX) {
            String href = m.group(1) != null ? m.group(1) : m.group(2);
            String lower = href.strip().toLowerCase(java.util.Locale.ROOT);
            if ((lower.startsWith("https://") || lower.startsWith("http://"))
                    && !href.contains("{")
                    && !href.contains("}")
                    && href.length() <= 2000) {
                links.add(href);
            }
        }
        return List.copyOf(new ArrayList<>(links));
    }

    /** The URL a link's {@code href} text stands for (HTML entities decoded). */
    public static String target(String href) {
        return org.jsoup.parser.Parser.unescapeEntities(href, true).strip();
    }
}

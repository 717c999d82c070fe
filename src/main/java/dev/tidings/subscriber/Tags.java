package dev.tidings.subscriber;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tidings.common.ProblemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The rules of a subscriber's tags, for the API, bulk tagging and CSV import alike: a tag is
 * trimmed and lower-cased ("VIP" and "vip" are one tag), 1 to {@value #MAX_LENGTH} characters,
 * one line, without {@code ;} or {@code ,} (the CSV column separates tags with {@code ;}); a
 * subscriber has at most {@value #MAX_PER_SUBSCRIBER}. Lists come back sorted and without repeats.
 */
public final class Tags {

    public static final int MAX_LENGTH = 64;
    public static final int MAX_PER_SUBSCRIBER = 50;

    /** Tags one bulk request may add or remove. */
    public static final int MAX_PER_REQUEST = 50;

    private Tags() {}

    /** What is wrong with a tag, or null. */
    static String problemWith(String raw) {
        if (raw == null || raw.isBlank()) {
            return "a tag must not be blank";
        }
        String tag = raw.strip();
        if (tag.length() > MAX_LENGTH) {
            return "a tag must be at most " + MAX_LENGTH + " characters";
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c == ';' || c == ',' || Character.isISOControl(c)) {
                return "a tag may not contain ';', ',' or control characters";
            }
        }
        return null;
    }

    /**
     * A JSON array of tags as the API takes it: normalised, sorted, without repeats, at most
     * {@code max}; a 400 naming {@code field} otherwise.
     */
    public static List<String> fromJson(JsonNode node, String field, int max) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw ProblemException.invalid(field, "must be an array of strings");
        }
        List<String> raw = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                throw ProblemException.invalid(field + "[" + i + "]", "must be a string");
            }
            String problem = problemWith(item.asText());
            if (problem != null) {
                throw ProblemException.invalid(field + "[" + i + "]", problem);
            }
            raw.add(item.asText());
        }
        return sorted(raw, field, max);
    }

    /** The {@code ;}-separated cell of a CSV {@code tags} column; null and a message when invalid. */
    static List<String> fromCsv(String cell) {
        if (cell == null || cell.isBlank()) {
            return List.of();
        }
        List<String> raw = new ArrayList<>();
        for (String part : cell.split(";")) {
            if (!part.isBlank()) {
                String problem = problemWith(part);
                if (problem != null) {
                    throw ProblemException.invalid("tags", problem);
                }
                raw.add(part);
            }
        }
        return sorted(raw, "tags", MAX_PER_SUBSCRIBER);
    }

    private static List<String> sorted(List<String> raw, String field, int max) {
        TreeSet<String> tags = new TreeSet<>();
        for (String tag : raw) {
            tags.add(tag.strip().toLowerCase(Locale.ROOT));
        }
        if (tags.size() > max) {
            throw ProblemException.invalid(field, "at most " + max + " tags");
        }
        return List.copyOf(tags);
    }
}

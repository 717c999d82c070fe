package dev.tidings.common;

import java.util.Locale;
import org.apache.commons.validator.routines.EmailValidator;

/**
 * A syntactically valid email address: trimmed, at most 254 characters, with its domain in lower
 * case. The local part keeps its case (RFC 5321 leaves it to the receiving server); uniqueness
 * checks compare the whole address case-insensitively.
 */
public record EmailAddress(String value) {

    private static final EmailValidator VALIDATOR = EmailValidator.getInstance(false, false);

    public EmailAddress {
        if (value == null) {
            throw new IllegalArgumentException("email address is null");
        }
    }

    /** Parses user input; throws a 400 problem naming {@code field} when it is not an address. */
    public static EmailAddress parse(String raw, String field) {
        String problem = problemWith(raw);
        if (problem != null) {
            throw ProblemException.invalid(field, problem);
        }
        return new EmailAddress(normalise(raw));
    }

    /** What is wrong with {@code raw} as an address, or null when nothing is. */
    public static String problemWith(String raw) {
        if (raw == null || raw.isBlank()) {
            return "must not be blank";
        }
        String trimmed = raw.strip();
        if (trimmed.length() > 254) {
            return "must be at most 254 characters";
        }
        int at = trimmed.lastIndexOf('@');
        if (at <= 0 || at == trimmed.length() - 1 || !VALIDATOR.isValid(normalise(trimmed))) {
            return "must be a valid email address";
        }
        return null;
    }

    private static String normalise(String raw) {
        String trimmed = raw.strip();
        int at = trimmed.lastIndexOf('@');
        return trimmed.substring(0, at) + "@" + trimmed.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    public String domain() {
        return value.substring(value.lastIndexOf('@') + 1);
    }

    @Override
    public String toString() {
        return value;
    }
}

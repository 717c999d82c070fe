package dev.tidings.issue;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.tidings.web.ProblemException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where an issue is in its life: written, waiting, going out, or done. */
public enum IssueStatus {
    DRAFT,
    SCHEDULED,
    SENDING,
    PAUSED,
    SENT,
    CANCELLED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IssueStatus parse(String value, String field) {
        for (IssueStatus status : values()) {
            if (status.wire().equals(value)) {
                return status;
            }
        }
        throw ProblemException.invalid(field, "must be one of " + allowed());
    }

    static IssueStatus of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    static String allowed() {
        return Arrays.stream(values()).map(IssueStatus::wire).collect(Collectors.joining(", "));
    }

    /** Content can change until the audience starts receiving it. */
    boolean isEditable() {
        return this == DRAFT || this == SCHEDULED;
    }
}

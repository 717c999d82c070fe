package dev.tidings.subscriber;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.tidings.common.ProblemException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The states of a subscriber that the API shows. (Erased rows are internal.) */
public enum SubscriberStatus {
    PENDING,
    ACTIVE,
    UNSUBSCRIBED,
    BOUNCED,
    COMPLAINED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SubscriberStatus parse(String value, String field) {
        for (SubscriberStatus status : values()) {
            if (status.wire().equals(value)) {
                return status;
            }
        }
        throw ProblemException.invalid(field, "must be one of " + allowed());
    }

    static String allowed() {
        return Arrays.stream(values()).map(SubscriberStatus::wire).collect(Collectors.joining(", "));
    }

    /** Statuses that receive no issue and leave only through the subscriber's own confirmation. */
    boolean isSuppressed() {
        return this == UNSUBSCRIBED || this == BOUNCED || this == COMPLAINED;
    }
}

package dev.tidings.delivery;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.tidings.common.ProblemException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where one send record is: waiting ({@code queued}, or {@code retrying} until its next attempt),
 * claimed by an instance ({@code sending}), or settled. Only {@link DeliveryStore} writes it.
 */
public enum SendStatus {
    QUEUED,
    SENDING,
    SENT,
    RETRYING,
    FAILED,
    BOUNCED,
    SKIPPED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SendStatus of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    public static SendStatus parse(String value, String field) {
        for (SendStatus status : values()) {
            if (status.wire().equals(value)) {
                return status;
            }
        }
        throw ProblemException.invalid(
                field,
                "must be one of "
                        + Arrays.stream(values()).map(SendStatus::wire).sorted().collect(Collectors.joining(", ")));
    }

    /** Still to be delivered: the issue is not sent while any send is in one of these. */
    public boolean isOpen() {
        return this == QUEUED || this == SENDING || this == RETRYING;
    }
}

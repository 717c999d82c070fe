package dev.tidings.issue;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.tidings.common.ProblemException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where an issue is in its life: written, waiting, going out, or done. The moves between these
 * are listed here, and only here ({@link Transition}); whoever changes an issue's status goes by
 * them.
 *
 * <pre>
 * draft ──publish──▶ sending ──(all settled)──▶ sent
 *   └──publish later──▶ scheduled ──(due)──▶ sending ◀──resume── paused ◀──pause── sending
 * scheduled, sending, paused ──cancel──▶ cancelled
 * </pre>
 */
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

    /** The status of a stored row. */
    public static IssueStatus of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    static String allowed() {
        return Arrays.stream(values()).map(IssueStatus::wire).collect(Collectors.joining(", "));
    }

    /** The moves an issue's life allows: each from some statuses to one. Nothing else moves it. */
    public enum Transition {
        PUBLISH(SENDING, DRAFT),
        SCHEDULE(SCHEDULED, DRAFT),
        START(SENDING, SCHEDULED),
        PAUSE(PAUSED, SENDING),
        RESUME(SENDING, PAUSED),
        FINISH(SENT, SENDING),
        CANCEL(CANCELLED, SCHEDULED, SENDING, PAUSED);

        private final IssueStatus to;
        private final Set<IssueStatus> from;

        Transition(IssueStatus to, IssueStatus first, IssueStatus... rest) {
            this.to = to;
            this.from = EnumSet.of(first, rest);
        }

        public IssueStatus to() {
            return to;
        }

        public boolean allowedFrom(IssueStatus status) {
            return from.contains(status);
        }

        /** The statuses it starts from, as stored (for a conditional {@code WHERE status = ANY(...)}). */
        public String[] fromWire() {
            return from.stream().map(IssueStatus::wire).toArray(String[]::new);
        }
    }

    /** Whether some transition moves the issue from this status to {@code next}. */
    public boolean canBecome(IssueStatus next) {
        for (Transition transition : Transition.values()) {
            if (transition.to == next && transition.allowedFrom(this)) {
                return true;
            }
        }
        return false;
    }

    /** Content can change until the audience starts receiving it. */
    public boolean isEditable() {
        return this == DRAFT || this == SCHEDULED;
    }
}

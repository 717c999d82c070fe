package dev.tidings.bounce;

/**
 * One event a provider reported about one recipient of one mail.
 *
 * @param kind what happened
 * @param email the recipient, lower-cased (the mappers in {@link ProviderEvents} skip events without
 *     one, so it is never null there)
 * @param messageId the mail's own Message-ID header value as sent by us, with angle brackets added if
 *     missing, or null when the provider did not report it
 * @param diagnostic one line of at most 300 characters explaining the event (an SMTP reply, a
 *     provider's description), or null
 */
public record ProviderEvent(Kind kind, String email, String messageId, String diagnostic) {

    /** What a provider reported. */
    public enum Kind {
        /** The address cannot receive mail (permanent failure). */
        HARD,
        /** This delivery failed or was delayed, the address may work later. */
        SOFT,
        /** The recipient marked the mail as spam. */
        COMPLAINT,
        /** The receiving server accepted the mail. */
        DELIVERED
    }
}

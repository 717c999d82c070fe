package dev.tidings.delivery.smtp;

/**
 * The SMTP server refused a command: its reply code and text. 5xx is permanent, 4xx transient
 * (RFC 5321 4.2.1). Connection faults and timeouts are other exceptions.
 */
public final class SmtpReplyException extends RuntimeException {

    private final int code;
    private final String reply;

    public SmtpReplyException(int code, String reply) {
        super(reply, null, false, false);
        this.code = code;
        this.reply = reply;
    }

    public int code() {
        return code;
    }

    /** The whole reply as the server sent it, lines joined with a space, e.g. "550 5.1.1 no such user". */
    public String reply() {
        return reply;
    }

    public boolean isPermanent() {
        return code >= 500;
    }
}

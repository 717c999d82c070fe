package dev.tidings.delivery.smtp;

/**
 * The SMTP server refused a command: its reply code and text. 5xx is permanent, 4xx transient
 * (RFC 5321 4.2.1). Connection faults and timeouts are other exceptions.
 */
public final class SmtpReplyException extends RuntimeException {

    /** Where in the session the server refused: what the refusal is about. */
    public enum Stage {
        /** The greeting, EHLO, STARTTLS or AUTH: the server refused the connection, not a mail. */
        SESSION,
        /** MAIL FROM: the sender. */
        MAIL,
        /** RCPT TO: one recipient. */
        RCPT,
        /** The DATA command. */
        DATA,
        /** The message itself, after its final dot. */
        MESSAGE
    }

    private final int code;
    private final String reply;
    private final Stage stage;

    public SmtpReplyException(int code, String reply, Stage stage) {
        super(reply, null, false, false);
        this.code = code;
        this.reply = reply;
        this.stage = stage;
    }

    public Stage stage() {
        return stage;
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

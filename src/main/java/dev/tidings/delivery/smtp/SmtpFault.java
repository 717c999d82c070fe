package dev.tidings.delivery.smtp;

/** The connection to the SMTP server failed, closed or timed out: no reply to go by, so worth a retry. */
public final class SmtpFault extends RuntimeException {

    private final boolean beforeData;

    public SmtpFault(String message) {
        this(message, true);
    }

    SmtpFault(String message, boolean beforeData) {
        super(message, null, false, false);
        this.beforeData = beforeData;
    }

    /** True if the message had not been handed over yet: the server cannot have accepted it. */
    public boolean beforeData() {
        return beforeData;
    }
}

package dev.tidings.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the {@link Mailbox} field of a {@code @QuarkusTest} that the real test SMTP server
 * ({@link SmtpTestServer}) fills: what it accepted, and its scripted refusals.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectMailbox {}

package dev.tidings.testing;

import static org.awaitility.Awaitility.await;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the test SMTP server accepted, read as a mail client would; and its scripted refusals. */
public class Mailbox {

    private static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");

    private record Delivered(MimeMessage message, String recipient) {}

    private record Script(int code, AtomicInteger remaining) {}

    private final List<Delivered> delivered = new CopyOnWriteArrayList<>();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, Duration> delays = new ConcurrentHashMap<>();

    void accept(MimeMessage message, List<String> recipients) {
        for (String recipient : recipients) {
            delivered.add(new Delivered(message, recipient.toLowerCase(Locale.ROOT)));
        }
    }

    /** The reply code to give {@code recipient} at RCPT, or null to accept it. */
    Integer scriptedReply(String recipient) {
        Script script = scripts.get(recipient.toLowerCase(Locale.ROOT));
        if (script == null) {
            return null;
        }
        return script.remaining().getAndDecrement() > 0 ? script.code() : null;
    }

    private final Map<String, Integer> greylisted = new ConcurrentHashMap<>();
    private final java.util.Set<String> greylistSeen = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> domainThrottles = new ConcurrentHashMap<>();
    private final AtomicInteger greylistReplies = new AtomicInteger();
    private final AtomicInteger throttleReplies = new AtomicInteger();

    /**
     * Greylisting: about {@code percent} % of the addresses of {@code domain} (chosen by a hash of
     * the address) get {@code 451 4.7.1} at RCPT on their first attempt only.
     */
    public void greylist(String domain, int percent) {
        greylisted.put(domain.toLowerCase(Locale.ROOT), percent);
    }

    /** Whether the address is one that {@link #greylist} refuses on its first attempt. */
    public boolean isGreylisted(String address) {
        String lower = address.toLowerCase(Locale.ROOT);
        Integer percent = greylisted.get(lower.substring(lower.lastIndexOf('@') + 1));
        return percent != null && Math.floorMod(lower.hashCode(), 100) < percent;
    }

    /** The domain's next {@code times} recipients get {@code 421 4.7.0} (the provider throttles us). */
    public void throttleDomain(String domain, int times) {
        domainThrottles.put(domain.toLowerCase(Locale.ROOT), new AtomicInteger(times));
    }

    public int greylistReplies() {
        return greylistReplies.get();
    }

    public int throttleReplies() {
        return throttleReplies.get();
    }

    /** A scripted reply with its text ("451 4.7.1 ..."), or null. */
    String scriptedReplyText(String recipient) {
        String lower = recipient.toLowerCase(Locale.ROOT);
        String domain = lower.substring(lower.lastIndexOf('@') + 1);
        AtomicInteger throttles = domainThrottles.get(domain);
        if (throttles != null && throttles.getAndDecrement() > 0) {
            throttleReplies.incrementAndGet();
            return "421 4.7.0 Try again later, closing connection (test: throttled)";
        }
        if (isGreylisted(lower) && greylistSeen.add(lower)) {
            greylistReplies.incrementAndGet();
            return "451 4.7.1 Greylisted, please try again later (test)";
        }
        return null;
    }

    /** The server takes {@code delay} to answer RCPT for addresses in {@code domain} (a slow receiver). */
    public void slowDomain(String domain, Duration delay) {
        delays.put(domain.toLowerCase(Locale.ROOT), delay);
    }

    /** Waits as scripted by {@link #slowDomain} before RCPT of {@code recipient} is answered. */
    void pauseFor(String recipient) {
        String lower = recipient.toLowerCase(Locale.ROOT);
        Duration delay = delays.get(lower.substring(lower.lastIndexOf('@') + 1));
        if (delay != null) {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Refuses {@code address} with {@code code} (e.g. 450, 550) for its next {@code times} attempts. */
    public void refuse(String address, int code, int times) {
        scripts.put(address.toLowerCase(Locale.ROOT), new Script(code, new AtomicInteger(times)));
    }

    public List<MimeMessage> messagesTo(String address) {
        String wanted = address.toLowerCase(Locale.ROOT);
        List<MimeMessage> found = new ArrayList<>();
        for (Delivered d : delivered) {
            if (d.recipient().equals(wanted)) {
                found.add(d.message());
            }
        }
        return found;
    }

    /** The recipient of every accepted message, lower case, in order of arrival. */
    public List<String> recipients() {
        return delivered.stream().map(Delivered::recipient).toList();
    }

    /** Every accepted message, in order of arrival. */
    public List<MimeMessage> all() {
        return delivered.stream().map(Delivered::message).toList();
    }

    /** Waits for the {@code n}th mail (1-based) to {@code address}. */
    public MimeMessage awaitMessage(String address, int n) {
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesTo(address).size() >= n);
        return messagesTo(address).get(n - 1);
    }

    /** Waits for the {@code n}th mail to {@code address} and answers the six-digit code in it. */
    public String awaitCode(String address, int n) {
        MimeMessage message = awaitMessage(address, n);
        Matcher matcher = CODE.matcher(subject(message));
        if (!matcher.find()) {
            throw new AssertionError("no code in the subject '" + subject(message) + "'");
        }
        return matcher.group(1);
    }

    /** How many mails {@code address} has after a moment in which more could have arrived. */
    public int countAfterQuietPeriod(String address) throws InterruptedException {
        Thread.sleep(1500);
        return messagesTo(address).size();
    }

    public static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String header(MimeMessage message, String name) {
        try {
            return message.getHeader(name, ", ");
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text/plain or text/html part of a multipart/alternative mail. */
    public static Optional<String> part(MimeMessage message, String mimeType) {
        try {
            if (!(message.getContent() instanceof MimeMultipart multipart)) {
                return Optional.empty();
            }
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart part = multipart.getBodyPart(i);
                if (part.isMimeType(mimeType)) {
                    return Optional.of(part.getContent().toString());
                }
            }
            return Optional.empty();
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

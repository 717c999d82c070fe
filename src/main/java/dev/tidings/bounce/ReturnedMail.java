package dev.tidings.bounce;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.CharsetUtil;

/**
 * What a returned mail says, read with mime4j under fixed limits. Pure: no I/O beyond the bytes given.
 *
 * <p>Three readings, tried in this order: an RFC 5965 complaint (a {@code message/feedback-report} part),
 * an RFC 3464 delivery status notification (a {@code message/delivery-status} or RFC 6533
 * {@code message/global-delivery-status} part), and, only when the mail looks like a non-delivery report
 * and not like an auto-reply, the reply codes in its human-readable text. Everything is bounded: the
 * input (the first {@link #MAX_BYTES}), the MIME structure (mime4j's {@link MimeConfig} limits), the text
 * kept from each part, the text scanned for codes, and the line length any pattern sees; every pattern is
 * free of nested or overlapping quantifiers, so the work is linear in the input.
 */
public final class ReturnedMail {

    public enum Kind {
        HARD,
        SOFT,
        COMPLAINT,
        NONE // auto-reply, unrecognised, or nothing actionable
    }

    public record Report(
            Kind kind,
            String recipient, // the failed/complaining recipient address (lower-cased), or null when not found
            String status, // enhanced status code like "5.1.1" or null
            String diagnostic, // one line, ≤ 300 chars, printable; null if none
            String format, // how it was recognised: "dsn", "arf", "text" (non-standard body), "none"
            List<String> returnTokens, // distinct t of bounces+t@… found anywhere, in order found, at most 5
            String originalMessageId // the Message-ID of the returned original, with angle brackets, or null
            ) {}

    /** Callers never pass more; {@link #parse} reads only this many bytes of a longer input. */
    public static final int MAX_BYTES = 256 * 1024;

    static final int MAX_TOKENS = 5;
    static final int MAX_DIAGNOSTIC = 300;
    /** Decoded bytes kept from one part (a text, a status report, a header block). */
    private static final int PART_LIMIT = 64 * 1024;
    /** Characters of human-readable text scanned for reply codes. */
    private static final int SCAN_LIMIT = 64 * 1024;
    /** The type given to a multipart's preamble, read only when the mail has no text part. */
    private static final String PREAMBLE = "x-preamble";
    /** Characters of one line that a pattern looks at. */
    private static final int LINE_LIMIT = 2_000;
    /** Fields kept from one status or feedback report, and blocks read from it. */
    private static final int MAX_FIELDS = 64;

    private static final int MAX_BLOCKS = 64;

    /**
     * Generous enough for real reports (Exchange writes header lines of several kilobytes and a hundred
     * header fields per entity; a returned newsletter nests three or four multiparts deep), small enough
     * that a hostile message cannot make the parse expensive. Exceeding one ends the parse: {@code NONE}.
     */
    private static final MimeConfig LIMITS = MimeConfig.custom()
            .setMaxLineLen(32 * 1024)
            .setMaxHeaderLen(64 * 1024)
            .setMaxHeaderCount(500)
            .setMaxTotalHeaderCount(2_000)
            .setMaxTotalHeaderLen(MAX_BYTES)
            .setMaxContentLen(MAX_BYTES)
            .setMaxPartCount(100)
            .setMaxNestingDepth(8)
            .setStrictParsing(false) // lenient: a malformed header line is skipped, not fatal
            .setMalformedHeaderStartsBody(false) // so an mbox "From " line does not swallow the headers
            .build();

    private static final Pattern TOKEN = Pattern.compile("(?<![A-Za-z0-9._%+-])(?i:bounces)\\+([A-Za-z0-9_-]{1,80})@");
    private static final Pattern ADDRESS = Pattern.compile(
            "(?<![A-Za-z0-9._%+=-])([A-Za-z0-9._%+=-]{1,64}@[A-Za-z0-9-]{1,63}(?:\\.[A-Za-z0-9-]{1,63}){1,10})");
    /** An enhanced status code of a failure (RFC 3463), not part of a version number or an address. */
    private static final Pattern FAILURE_STATUS =
            Pattern.compile("(?<![\\w.])([45])\\.([0-7])\\.(\\d{1,3})(?!\\w|\\.\\d)");
    /** An enhanced status code where one is expected (a Status field, a Diagnostic-Code). */
    private static final Pattern ANY_STATUS =
            Pattern.compile("(?<![\\w.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?!\\w|\\.\\d)");
    /** An SMTP reply code of a failure: "550 ", "550-" (a multi-line reply), "554:", "'550 …", at a line's end. */
    private static final Pattern FAILURE_REPLY = Pattern.compile("(?<![\\w.:/=#+-])([45][0-5]\\d)(?=[ \\t:-]|$)");

    private static final List<String> NDR_SUBJECTS = List.of(
            "undeliverable",
            "undelivered mail",
            "delivery status notification (failure)",
            "delivery status notification (delay)",
            "mail delivery failed",
            "failure notice",
            "delivery failure",
            "delivery has failed",
            "returned mail",
            "delivery notification",
            "non-delivery",
            "nondeliverable",
            "unzustellbar",
            "non remis",
            "non recapitabile",
            "no se puede entregar");
    private static final List<String> AUTO_REPLY_SUBJECTS = List.of(
            "out of office",
            "out of the office",
            "automatic reply",
            "autoreply",
            "auto-reply",
            "auto reply",
            "automatische antwort",
            "abwesenheitsnotiz",
            "réponse automatique",
            "respuesta automática",
            "risposta automatica");
    private static final List<String> SEPARATORS = List.of(
            "copy of the message",
            "copy of your message",
            "original message",
            "below this line",
            "returned message",
            "undelivered message",
            "original headers",
            "header of the original");
    /** Lines of a quoted original or report whose address is never the failed recipient. */
    private static final List<String> NOT_RECIPIENT_LINES = List.of(
            "message-id:",
            "in-reply-to:",
            "references:",
            "return-path:",
            "from:",
            "sender:",
            "reply-to:",
            "received:",
            "x-postfix-sender:",
            "x-original-message-id:",
            "original-envelope-id:");

    private static final List<String> FULL_MAILBOX = List.of(
            "mailbox full",
            "mailbox is full",
            "mailboxfull",
            "quota",
            "storage allocation",
            "out of storage",
            "insufficient storage",
            "mailbox size limit");
    private static final List<String> DELAYED = List.of(
            "delayed",
            "will retry",
            "will be retried",
            "will continue",
            "temporar",
            "not yet been delivered",
            "still trying",
            "try again");
    private static final List<String> PERMANENT = List.of(
            "permanent error",
            "permanently",
            "user unknown",
            "unknown user",
            "no such user",
            "does not exist",
            "doesn't exist",
            "address not found",
            "couldn't be found",
            "could not be found",
            "recipient not found",
            "invalid recipient",
            "mailbox unavailable",
            "doesn't have a");

    private ReturnedMail() {}

    /** Never throws: garbage, truncated or huge input gives a report of {@link Kind#NONE}. */
    public static Report parse(byte[] raw) {
        Collected mail = new Collected();
        try {
            if (raw == null || raw.length == 0) {
                return none(mail);
            }
            mail.read(new ByteArrayInputStream(raw, 0, Math.min(raw.length, MAX_BYTES)), 0);
            return classify(mail);
        } catch (Exception | StackOverflowError e) {
            return none(mail);
        }
    }

    private static Report none(Collected mail) {
        return new Report(Kind.NONE, null, null, null, "none", mail.tokens(), null);
    }

    // ---------------------------------------------------------------------------------------------
    // What mime4j hands over, kept small.

    private record Header(String name, String value) {} // name lower-cased

    /** A leaf part: its nesting level (0 = the returned mail, 1 = the original inside it), type, decoded text. */
    private record Part(int level, String type, String text) {}

    /** Everything read from one returned mail, in document order. */
    private static final class Collected {
        final Set<String> tokens = new LinkedHashSet<>();
        final List<Part> parts = new ArrayList<>();
        List<Header> outer;
        List<Header> original;
        private int nestedReads;

        List<String> tokens() {
            return List.copyOf(tokens);
        }

        /** Parses one message (the returned mail at level 0, or an original's header block at level 1). */
        void read(InputStream in, int level) throws IOException, MimeException {
            MimeStreamParser parser = new MimeStreamParser(LIMITS, DecodeMonitor.SILENT, null);
            parser.setContentDecoding(true);
            parser.setRecurse();
            parser.setContentHandler(new Handler(this, level));
            parser.parse(in);
        }

        void scanTokens(String text) {
            if (tokens.size() >= MAX_TOKENS || text == null || text.isEmpty()) {
                return;
            }
            Matcher m = TOKEN.matcher(text);
            while (tokens.size() < MAX_TOKENS && m.find()) {
                tokens.add(m.group(1));
            }
        }

        Part first(String... types) {
            for (Part p : parts) {
                if (p.level() == 0) {
                    for (String t : types) {
                        if (t.equals(p.type())) {
                            return p;
                        }
                    }
                }
            }
            return null;
        }
    }

    private static final class Entity {
        final int level;
        final boolean message;
        final List<Header> headers = new ArrayList<>();

        Entity(int level, boolean message) {
            this.level = level;
            this.message = message;
        }
    }

    private static final class Handler extends AbstractContentHandler {
        private final Collected mail;
        private final int base;
        private final Deque<Entity> stack = new ArrayDeque<>();

        Handler(Collected mail, int base) {
            this.mail = mail;
            this.base = base;
        }

        @Override
        public void startMessage() {
            stack.push(new Entity(stack.isEmpty() ? base : stack.peek().level + 1, true));
        }

        @Override
        public void endMessage() {
            stack.poll();
        }

        @Override
        public void startBodyPart() {
            stack.push(new Entity(stack.isEmpty() ? base : stack.peek().level, false));
        }

        @Override
        public void endBodyPart() {
            stack.poll();
        }

        @Override
        public void field(Field field) {
            Entity e = stack.peek();
            String value = field.getBody();
            if (e == null || field.getName() == null || value == null) {
                return;
            }
            e.headers.add(new Header(field.getName().trim().toLowerCase(Locale.ROOT), value));
            mail.scanTokens(value);
        }

        @Override
        public void endHeader() {
            Entity e = stack.peek();
            if (e == null || !e.message) {
                return;
            }
            if (e.level == 0 && mail.outer == null) {
                mail.outer = e.headers;
            } else if (e.level == 1 && mail.original == null) {
                mail.original = e.headers;
            }
        }

        /** Kept as a last resort: when a declared boundary never appears, the whole body is "preamble". */
        @Override
        public void preamble(InputStream in) throws IOException {
            Entity e = stack.peek();
            int level = e == null ? base : e.level;
            if (level == 0) {
                String text = new String(in.readNBytes(PART_LIMIT), StandardCharsets.UTF_8);
                mail.parts.add(new Part(level, PREAMBLE, text));
                mail.scanTokens(text);
            }
        }

        @Override
        public void body(BodyDescriptor body, InputStream in) throws MimeException, IOException {
            Entity e = stack.peek();
            int level = e == null ? base : e.level;
            String type = body.getMimeType() == null
                    ? "text/plain"
                    : body.getMimeType().toLowerCase(Locale.ROOT);
            boolean headerBlock = type.equals("text/rfc822-headers")
                    || type.equals("message/rfc822")
                    || type.equals("message/global")
                    || type.equals("message/global-headers");
            boolean report = type.equals("message/delivery-status")
                    || type.equals("message/global-delivery-status")
                    || type.equals("message/feedback-report");
            if (headerBlock) {
                if (level == 0 && mail.nestedReads++ < 2) {
                    mail.read(new ByteArrayInputStream(in.readNBytes(PART_LIMIT)), level + 1);
                }
                return;
            }
            if (!report && !type.startsWith("text/")) {
                return; // images, attachments: nothing to read
            }
            byte[] bytes = in.readNBytes(PART_LIMIT);
            String text = new String(bytes, report ? StandardCharsets.UTF_8 : charset(body.getCharset()));
            mail.parts.add(new Part(level, type, text));
            mail.scanTokens(text);
        }
    }

    private static Charset charset(String name) {
        Charset cs = name == null ? null : CharsetUtil.lookup(name.trim());
        // US-ASCII labels routinely carry 8-bit text; UTF-8 decodes ASCII identically and the rest leniently.
        return cs == null || cs.equals(StandardCharsets.US_ASCII) ? StandardCharsets.UTF_8 : cs;
    }

    // ---------------------------------------------------------------------------------------------
    // Classification.

    private static Report classify(Collected mail) {
        Part feedback = mail.first("message/feedback-report");
        if (feedback != null) {
            return complaint(mail, feedback);
        }
        Part status = mail.first("message/delivery-status", "message/global-delivery-status");
        if (status != null) {
            Report report = deliveryStatus(mail, status);
            if (report != null) {
                return report;
            }
        }
        return nonStandard(mail);
    }

    /** RFC 5965: the feedback report, then the original it carries. */
    private static Report complaint(Collected mail, Part feedback) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map<String, String> block : fieldBlocks(feedback.text())) {
            block.forEach(fields::putIfAbsent);
        }
        String type = firstWord(fields.get("feedback-type"));
        Kind kind =
                switch (type) {
                    case "abuse", "fraud", "other" -> Kind.COMPLAINT;
                    default -> Kind.NONE; // not-spam, auth-failure (DMARC), virus, missing
                };
        String recipient = firstNonNull(
                fieldAddress(fields.get("original-rcpt-to")),
                addressIn(header(mail.original, "x-hmxmroriginalrecipient"), Set.of()),
                addressIn(header(mail.original, "to"), Set.of()));
        String agent = fields.get("user-agent");
        String diagnostic = type.isEmpty()
                ? null
                : oneLine("Feedback-Type: " + type + (agent == null ? "" : "; User-Agent: " + agent));
        String messageId = firstNonNull(
                messageId(header(mail.original, "message-id")),
                messageId(fields.get("x-original-message-id")),
                messageId(fields.get("original-message-id")),
                messageIdInText(mail));
        return new Report(kind, recipient, null, diagnostic, "arf", mail.tokens(), messageId);
    }

    /** RFC 3464: the first failed recipient, else the first delayed one; null when it names no recipient. */
    private static Report deliveryStatus(Collected mail, Part part) {
        List<Map<String, String>> blocks = fieldBlocks(part.text());
        List<Map<String, String>> recipients = new ArrayList<>();
        for (Map<String, String> block : blocks) {
            if (block.containsKey("final-recipient")
                    || block.containsKey("original-recipient")
                    || block.containsKey("action")
                    || block.containsKey("status")) {
                recipients.add(block);
            }
        }
        if (recipients.isEmpty()) {
            return null;
        }
        Map<String, String> chosen = null;
        for (String wanted : List.of("failed", "delayed")) {
            for (Map<String, String> block : recipients) {
                if (chosen == null && wanted.equals(action(block))) {
                    chosen = block;
                }
            }
        }
        Map<String, String> block = chosen == null ? recipients.get(0) : chosen;
        String diagnosticCode = block.get("diagnostic-code");
        String status = firstNonNull(statusIn(block.get("status")), statusIn(diagnosticCode));
        String diagnostic = oneLine(diagnosticCode);
        if (diagnostic == null) { // no Diagnostic-Code: the line the human-readable part gives, if any
            TextFindings text = textFindings(mail);
            diagnostic = text.diagnostic();
            status = firstNonNull(status, text.status());
        }
        Kind kind = Kind.NONE;
        if (chosen != null && "delayed".equals(action(chosen))) {
            kind = Kind.SOFT;
        } else if (chosen != null) {
            boolean temporary = status != null ? status.startsWith("4") : replyClass(diagnostic) == '4';
            kind = temporary || fullMailbox(status, diagnostic) ? Kind.SOFT : Kind.HARD;
        }
        String recipient = firstNonNull(
                fieldAddress(block.get("original-recipient")),
                fieldAddress(block.get("final-recipient")),
                addressIn(header(mail.outer, "x-failed-recipients"), Set.of()),
                addressIn(header(mail.original, "to"), Set.of()));
        String messageId = messageId(header(mail.original, "message-id"));
        for (Map<String, String> b : blocks) {
            messageId = firstNonNull(
                    messageId,
                    messageId(b.get("x-original-message-id")),
                    messageId(b.get("original-message-id")),
                    messageId(b.get("original-envelope-id")));
        }
        messageId = firstNonNull(messageId, messageIdInText(mail));
        return new Report(kind, recipient, status, diagnostic, "dsn", mail.tokens(), messageId);
    }

    private static String action(Map<String, String> block) {
        String action = firstWord(block.get("action"));
        if (!action.isEmpty()) {
            return action;
        }
        String status = statusIn(block.get("status"));
        if (status == null) {
            return "";
        }
        return switch (status.charAt(0)) {
            case '5' -> "failed";
            case '4' -> "delayed";
            default -> "delivered";
        };
    }

    /** A mail without a report part: only a non-delivery report that is not an auto-reply is read. */
    private static Report nonStandard(Collected mail) {
        List<Header> outer = mail.outer == null ? List.of() : mail.outer;
        String subject = subject(header(outer, "subject"));
        String from = lower(header(outer, "from"));
        boolean ndrSubject = containsAny(subject, NDR_SUBJECTS);
        boolean ndrStrong = ndrSubject
                || from.contains("mailer-daemon")
                || from.contains("postmaster")
                || from.contains("mail delivery subsystem")
                || from.contains("mail delivery system")
                || header(outer, "x-failed-recipients") != null;
        boolean nullSender =
                lower(header(outer, "return-path")).replace(" ", "").equals("<>");
        boolean autoSubject = !ndrSubject && (subject.startsWith("auto:") || containsAny(subject, AUTO_REPLY_SUBJECTS));
        boolean autoStrong = autoSubject
                || header(outer, "x-autoreply") != null
                || header(outer, "x-autorespond") != null
                || lower(header(outer, "precedence")).contains("auto_reply")
                || lower(header(outer, "x-autogenerated")).contains("reply");
        boolean autoWeak = lower(header(outer, "auto-submitted")).startsWith("auto-replied");
        boolean ndr = !autoStrong && (ndrStrong || (nullSender && !autoWeak));
        if (!ndr) {
            return none(mail);
        }
        TextFindings found = textFindings(mail);
        String status = found.status();
        String diagnostic = found.diagnostic();
        String examined = lower(diagnostic);
        Kind kind;
        if (containsAny(examined, FULL_MAILBOX)
                || (status == null && found.reply() == 0 && containsAny(found.scanned(), FULL_MAILBOX))) {
            kind = Kind.SOFT;
        } else if (status != null) {
            kind = status.startsWith("5") ? Kind.HARD : Kind.SOFT;
        } else if (found.reply() != 0) {
            kind = found.reply() == '5' ? Kind.HARD : Kind.SOFT;
        } else if (containsAny(found.scanned(), DELAYED)) {
            kind = Kind.SOFT;
        } else if (containsAny(found.scanned(), PERMANENT)) {
            kind = Kind.HARD;
        } else {
            kind = Kind.NONE;
        }
        String recipient = firstNonNull(
                addressIn(header(outer, "x-failed-recipients"), Set.of()),
                found.recipient(),
                addressIn(header(mail.original, "to"), Set.of()));
        String messageId = firstNonNull(messageId(header(mail.original, "message-id")), messageIdInText(mail));
        return new Report(kind, recipient, status, diagnostic, "text", mail.tokens(), messageId);
    }

    /**
     * What the human-readable text of a report says, read up to the copy of the original it quotes.
     *
     * @param scanned the text read, lower-cased
     * @param reply '5' or '4' for the class of the reply code on the diagnostic line, 0 when none
     */
    private record TextFindings(String diagnostic, String status, char reply, String recipient, String scanned) {}

    private static TextFindings textFindings(Collected mail) {
        List<String> lines = new ArrayList<>();
        for (String line : humanText(mail).split("\n", -1)) {
            String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (isSeparator(l)) {
                break;
            }
            lines.add(l.length() > LINE_LIMIT ? l.substring(0, LINE_LIMIT) : l);
        }
        String scanned = lower(String.join("\n", lines));
        Set<String> ours = ownAddresses(mail.outer);
        String recipient = null;
        int at = -1;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (recipient == null && !startsWithAny(line, NOT_RECIPIENT_LINES)) {
                recipient = addressIn(line, ours);
            }
            if (at < 0
                    && (FAILURE_STATUS.matcher(line).find()
                            || FAILURE_REPLY.matcher(line).find())) {
                at = i;
            }
        }
        if (at < 0) {
            return new TextFindings(null, null, (char) 0, recipient, scanned);
        }
        StringBuilder paragraph = new StringBuilder(lines.get(at).strip());
        for (int i = at + 1; i < lines.size() && i <= at + 3 && !lines.get(i).isBlank(); i++) {
            paragraph.append(' ').append(lines.get(i).strip());
        }
        String diagnostic = oneLine(paragraph.toString());
        String status = null;
        Matcher enhanced = FAILURE_STATUS.matcher(diagnostic == null ? "" : diagnostic);
        if (enhanced.find()) {
            status = enhanced.group();
        }
        return new TextFindings(diagnostic, status, replyClass(diagnostic), recipient, scanned);
    }

    /** The text parts of the returned mail itself (not of the original), at most {@link #SCAN_LIMIT}. */
    private static String humanText(Collected mail) {
        StringBuilder plain = new StringBuilder();
        StringBuilder html = new StringBuilder();
        StringBuilder preamble = new StringBuilder();
        for (Part p : mail.parts) {
            if (p.level() != 0) {
                continue;
            }
            StringBuilder into = p.type().equals("text/html")
                    ? html
                    : p.type().startsWith("text/") ? plain : p.type().equals(PREAMBLE) ? preamble : null;
            if (into != null && into.length() < SCAN_LIMIT) {
                into.append(p.text(), 0, Math.min(p.text().length(), SCAN_LIMIT - into.length()))
                        .append('\n');
            }
        }
        if (plain.length() > 0) {
            return plain.toString();
        }
        return html.length() > 0 ? stripTags(html) : preamble.toString();
    }

    private static boolean isSeparator(String line) {
        String l = line.strip().toLowerCase(Locale.ROOT);
        if (l.startsWith("original message headers")) {
            return true;
        }
        return (l.startsWith("--") || l.startsWith("==") || l.startsWith("**")) && containsAny(l, SEPARATORS);
    }

    /** The class of the first failure reply code in the text: '5', '4', or 0. */
    private static char replyClass(String text) {
        if (text == null) {
            return 0;
        }
        Matcher m = FAILURE_REPLY.matcher(text.length() > LINE_LIMIT ? text.substring(0, LINE_LIMIT) : text);
        return m.find() ? m.group(1).charAt(0) : 0;
    }

    /** X.2.2 (RFC 3463: mailbox full) or quota wording: the mailbox may take mail again later. */
    private static boolean fullMailbox(String status, String diagnostic) {
        return (status != null && status.equals(status.charAt(0) + ".2.2"))
                || containsAny(lower(diagnostic), FULL_MAILBOX);
    }

    // ---------------------------------------------------------------------------------------------
    // Small readers.

    /**
     * The field blocks of a status or feedback report: "Name: value" lines, continuation lines folded in,
     * blocks separated by blank lines; names lower-cased, the first value of a name kept.
     */
    static List<Map<String, String>> fieldBlocks(String text) {
        List<Map<String, String>> blocks = new ArrayList<>();
        Map<String, String> block = new LinkedHashMap<>();
        String last = null;
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    blocks.add(block);
                    if (blocks.size() >= MAX_BLOCKS) {
                        return blocks;
                    }
                    block = new LinkedHashMap<>();
                }
                last = null;
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                String value = last == null ? null : block.get(last);
                if (value != null && value.length() < LINE_LIMIT) { // a folded field, unless its field was dropped
                    block.put(last, value + " " + line.strip());
                }
            } else {
                int colon = line.indexOf(':');
                last = null;
                if (colon > 0 && colon < 80 && block.size() < MAX_FIELDS) {
                    String name = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                    if (!block.containsKey(name)) {
                        String value = line.substring(colon + 1).strip();
                        block.put(name, value.length() > LINE_LIMIT ? value.substring(0, LINE_LIMIT) : value);
                        last = name;
                    }
                }
            }
        }
        if (!block.isEmpty()) {
            blocks.add(block);
        }
        return blocks;
    }

    private static String header(List<Header> headers, String name) {
        if (headers != null) {
            for (Header h : headers) {
                if (h.name().equals(name)) {
                    return h.value();
                }
            }
        }
        return null;
    }

    private static String subject(String raw) {
        if (raw == null) {
            return "";
        }
        String s = raw.length() > 1_000 ? raw.substring(0, 1_000) : raw;
        try {
            s = DecoderUtil.decodeEncodedWords(s, DecodeMonitor.SILENT);
        } catch (RuntimeException e) {
            // keep the encoded form
        }
        return s.strip().toLowerCase(Locale.ROOT);
    }

    /** The addresses the report was sent to (our bounce address): never the failed recipient. */
    private static Set<String> ownAddresses(List<Header> outer) {
        Set<String> own = new LinkedHashSet<>();
        for (String name : List.of("to", "delivered-to", "x-original-to", "from")) {
            String value = header(outer, name);
            if (value != null) {
                Matcher m = ADDRESS.matcher(value.length() > LINE_LIMIT ? value.substring(0, LINE_LIMIT) : value);
                while (m.find() && own.size() < 16) {
                    own.add(m.group(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return own;
    }

    /** The first plausible recipient address in free text, skipping ours and the mail system's own. */
    private static String addressIn(String text, Set<String> skip) {
        if (text == null) {
            return null;
        }
        Matcher m = ADDRESS.matcher(text.length() > LINE_LIMIT ? text.substring(0, LINE_LIMIT) : text);
        while (m.find()) {
            String address = plausible(m.group(1));
            if (address != null && !skip.contains(address)) {
                return address;
            }
        }
        return null;
    }

    /** An address in a report field: {@code rfc822; user@example.com}, {@code <user@example.com>}, … */
    private static String fieldAddress(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        int semicolon = v.indexOf(';');
        if (semicolon >= 0 && semicolon < 20 && v.lastIndexOf('@', semicolon) < 0) {
            v = v.substring(semicolon + 1).strip(); // the address type: rfc822, utf-8
        }
        if (v.startsWith("<") && v.endsWith(">")) {
            v = v.substring(1, v.length() - 1).strip();
        }
        if (v.isEmpty()
                || v.length() > 254
                || v.indexOf('@') <= 0
                || v.chars().anyMatch(c -> c <= ' ' || c == '<' || c == '>')) {
            return addressIn(value, Set.of());
        }
        return plausible(v);
    }

    private static String plausible(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        while (a.endsWith(".")) {
            a = a.substring(0, a.length() - 1);
        }
        int at = a.lastIndexOf('@');
        if (at <= 0 || at == a.length() - 1) {
            return null;
        }
        String local = a.substring(0, at);
        if (TOKEN.matcher(a).find()
                || local.equals("mailer-daemon")
                || local.equals("postmaster")
                || local.equals("redacted")) {
            return null;
        }
        return a;
    }

    private static String statusIn(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = ANY_STATUS.matcher(text.length() > LINE_LIMIT ? text.substring(0, LINE_LIMIT) : text);
        return m.find() ? m.group() : null;
    }

    /** A Message-ID with its angle brackets, or null when the value holds none. */
    static String messageId(String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        if (v.length() > 1_000) {
            v = v.substring(0, 1_000);
        }
        String id;
        int lt = v.indexOf('<');
        if (lt >= 0) {
            int gt = v.indexOf('>', lt);
            if (gt < 0) {
                return null;
            }
            id = v.substring(lt, gt + 1);
        } else {
            id = "<" + v + ">";
        }
        if (id.length() < 5 || id.length() > 250 || id.indexOf('@') < 0) {
            return null;
        }
        for (int i = 1; i < id.length() - 1; i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '<' || c == '>') {
                return null;
            }
        }
        return id;
    }

    /** A "Message-ID:" line in the text of the returned mail (an original quoted inline). */
    private static String messageIdInText(Collected mail) {
        String text = humanText(mail);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            while (line.startsWith(">")) {
                line = line.substring(1).strip();
            }
            if (line.regionMatches(true, 0, "message-id:", 0, 11)) {
                String value = line.substring(11).strip();
                if (value.isEmpty() && i + 1 < lines.length) {
                    value = lines[i + 1].strip(); // folded
                }
                String id = messageId(value);
                if (id != null) {
                    return id;
                }
            }
        }
        return null;
    }

    /** Tags dropped and a few entities decoded: enough to read a report that only comes as HTML. */
    private static String stripTags(CharSequence html) {
        StringBuilder out = new StringBuilder(Math.min(html.length(), SCAN_LIMIT));
        boolean inTag = false;
        for (int i = 0; i < html.length(); i++) {
            char c = html.charAt(i);
            if (c == '<') {
                inTag = true;
            } else if (c == '>' && inTag) {
                inTag = false;
                out.append(' ');
            } else if (!inTag) {
                out.append(c);
            }
        }
        return out.toString()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&nbsp;", " ")
                .replace("&amp;", "&");
    }

    /** One line of at most {@link #MAX_DIAGNOSTIC} printable characters, or null when nothing is left. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_DIAGNOSTIC));
        boolean space = false;
        for (int i = 0; i < text.length() && out.length() < MAX_DIAGNOSTIC; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.isISOControl(cp)) {
                space = out.length() > 0;
                continue;
            }
            int type = Character.getType(cp);
            if (type == Character.FORMAT
                    || type == Character.SURROGATE
                    || type == Character.PRIVATE_USE
                    || type == Character.UNASSIGNED
                    || cp == 0xFFFD) {
                continue;
            }
            int room = MAX_DIAGNOSTIC - out.length() - (space ? 1 : 0);
            if (Character.charCount(cp) > room) {
                break;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.appendCodePoint(cp);
        }
        return out.length() == 0 ? null : out.toString();
    }

    private static String firstWord(String value) {
        if (value == null) {
            return "";
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < v.length() && (Character.isLetterOrDigit(v.charAt(end)) || v.charAt(end) == '-')) {
            end++;
        }
        return v.substring(0, end);
    }

    private static boolean containsAny(String text, List<String> needles) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        for (String n : needles) {
            if (text.contains(n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWithAny(String line, List<String> prefixes) {
        String l = line.stripLeading();
        for (String p : prefixes) {
            if (l.regionMatches(true, 0, p, 0, p.length())) {
                return true;
            }
        }
        return false;
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}

package dev.tidings.delivery.smtp;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Signs outgoing mail with DKIM (RFC 6376): rsa-sha256, relaxed/relaxed canonicalization.
 * Thread-safe: the parsed key and configuration are immutable, every {@link #sign} call uses its
 * own {@link Signature} and {@link MessageDigest}, and the last body hash is one immutable pair
 * behind a volatile reference (two threads may both compute it; either answer is right).
 *
 * <p>What is signed: each name of {@code signedHeaders} that occurs in the message, in the
 * configured order. A name that occurs several times is listed in {@code h=} once per occurrence
 * and its instances are signed bottom-up, as RFC 6376 5.4.2 describes. Names that do not occur are
 * left out of {@code h=} (no over-signing). {@code From} must be among the signed headers, and
 * must be present in every message signed.
 *
 * <p>Body canonicalization follows RFC 6376 3.4.4 strictly: WSP at line ends is dropped, WSP runs
 * become one SP, all trailing empty lines are dropped, a non-empty body that does not end in CRLF
 * gets one, and an empty (or blank-lines-only) body canonicalizes to zero bytes, so its {@code bh=}
 * is the SHA-256 of nothing ({@code 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=}), as Gmail and
 * OpenDKIM compute it. (Only the "simple" algorithm turns an empty body into CRLF.)
 *
 * <p>Header field names and values are hashed as UTF-8, which for the ASCII header fields that a
 * message without SMTPUTF8 carries is the bytes on the wire.
 */
public final class DkimSigner {

    private static final String ALGORITHM = "SHA256withRSA";
    private static final int MAX_LINE = 78;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final Pattern DNS_LABELS = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");

    private final PrivateKey key;
    private final Provider provider;
    private final String domain;
    private final String selector;
    /** The names to sign, duplicates (ignoring case) removed, as given. */
    private final String[] names;

    /**
     * @param privateKey RSA private key, PKCS#8, either base64 DER or PEM text ("-----BEGIN PRIVATE
     *     KEY-----" ...), whitespace tolerated
     * @param domain the signing domain (d=)
     * @param selector the selector (s=)
     * @param signedHeaders header names to sign, in order; must include From
     * @throws IllegalArgumentException with a message that holds no key material if the key cannot
     *     be read, or if domain, selector or a header name is not usable in a signature
     */
    public DkimSigner(String privateKey, String domain, String selector, List<String> signedHeaders) {
        this.key = readKey(privateKey);
        this.domain = checked(domain, DNS_LABELS, "domain (d=)");
        this.selector = checked(selector, DNS_LABELS, "selector (s=)");
        Objects.requireNonNull(signedHeaders, "signedHeaders");
        List<String> unique = new ArrayList<>(signedHeaders.size());
        for (String name : signedHeaders) {
            checked(name, FIELD_NAME, "signed header name");
            if (unique.stream().noneMatch(name::equalsIgnoreCase)) {
                unique.add(name);
            }
        }
        if (unique.stream().noneMatch("From"::equalsIgnoreCase)) {
            throw new IllegalArgumentException("DKIM signed headers must include From (RFC 6376 5.4)");
        }
        this.names = unique.toArray(String[]::new);
        try {
            Signature signature = SigningProvider.signature(ALGORITHM);
            signature.initSign(key);
            // The provider is fixed once initialised: later instances skip the provider search.
            this.provider = signature.getProvider();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("DKIM private key cannot be used for " + ALGORITHM, e);
        }
    }

    /** The class of the key object (tests: it is the signing provider's own). */
    String keyClass() {
        return key.getClass().getName();
    }

    /**
     * Returns the complete header field to prepend to the message, folded with CRLF + space so that
     * no line is longer than 78 characters, without a trailing CRLF.
     *
     * @param headers the message's header fields in message order, each as a name and an unfolded
     *     value (the value as it will be written after "Name: ")
     * @param body the body exactly as it is written after the blank line that ends the header (CRLF
     *     line endings, not dot-stuffed)
     * @throws IllegalArgumentException if the message has no From header field
     */
    public String sign(List<Map.Entry<String, String>> headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        long now = System.currentTimeMillis() / 1000;
        String bodyHash = bodyHashOf(body);
        try {
            Signature signature = Signature.getInstance(ALGORITHM, provider);
            signature.initSign(key);
            StringBuilder scratch = new StringBuilder(256);
            List<String> signed = new ArrayList<>(names.length + 2);
            for (String name : names) {
                // Bottom-up: the last instance first (RFC 6376 5.4.2).
                for (int i = headers.size() - 1; i >= 0; i--) {
                    Map.Entry<String, String> field = headers.get(i);
                    if (field.getKey().trim().equalsIgnoreCase(name)) {
                        signed.add(name);
                        scratch.setLength(0);
                        relaxedHeader(scratch, name, field.getValue());
                        scratch.append("\r\n");
                        signature.update(scratch.toString().getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            if (signed.stream().noneMatch("From"::equalsIgnoreCase)) {
                throw new IllegalArgumentException("the message has no From header field to sign");
            }

            Folder out = new Folder("DKIM-Signature:");
            out.word("v=1;");
            out.word("a=rsa-sha256;");
            out.word("c=relaxed/relaxed;");
            out.word("d=" + domain + ";");
            out.word("s=" + selector + ";");
            out.word("t=" + now + ";");
            for (int i = 0; i < signed.size(); i++) {
                String part = signed.get(i) + (i == signed.size() - 1 ? ";" : ":");
                if (i == 0) {
                    out.word("h=" + part);
                } else {
                    out.glued(part);
                }
            }
            out.word("bh=" + bodyHash + ";");
            out.word("b=");
            // The header as it will be sent, with b= empty, is hashed last and without its CRLF
            // (RFC 6376 3.7); relaxed canonicalization unfolds it exactly as a verifier will.
            String unsigned = out.toString();
            scratch.setLength(0);
            relaxedHeader(scratch, "DKIM-Signature", unsigned.substring("DKIM-Signature:".length()));
            signature.update(scratch.toString().getBytes(StandardCharsets.UTF_8));
            out.broken(Base64.getEncoder().encodeToString(signature.sign()));
            return out.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DKIM signing failed", e);
        }
    }

    /**
     * The base64 {@code bh=} of the body: the last one again when the body is the same bytes as the
     * last one signed (an issue whose body is the same for every subscriber: one hash per issue and
     * signer instead of one per mail; comparing is several times cheaper than hashing).
     */
    String bodyHashOf(byte[] body) {
        LastBody seen = last;
        if (seen != null && Arrays.equals(seen.body, body)) {
            return seen.hash;
        }
        String hash = Base64.getEncoder().encodeToString(bodyHash(body));
        last = new LastBody(body, hash);
        return hash;
    }

    /** A body signed and its {@code bh=} (the caller never changes the array once it is signed). */
    private record LastBody(byte[] body, String hash) {}

    private volatile LastBody last;

    /**
     * The SHA-256 of the body after relaxed body canonicalization (RFC 6376 3.4.4), in one pass and
     * without copying: the canonical body is mostly runs of the input as is, which go to the digest
     * straight from the array; only WSP that is dropped or collapsed breaks a run.
     */
    static byte[] bodyHash(byte[] body) {
        MessageDigest digest = sha256();
        // Trailing WSP, empty lines and blank lines are all ignored at the end: cut them off first,
        // so that every CRLF left is followed by content and passes through unchanged.
        int end = body.length;
        while (true) {
            while (end > 0 && isWsp(body[end - 1])) {
                end--;
            }
            if (end >= 2 && body[end - 1] == '\n' && body[end - 2] == '\r') {
                end -= 2;
            } else {
                break;
            }
        }
        int run = 0; // start of the input not yet digested
        for (int i = 0; i < end; i++) {
            byte b = body[i];
            if (b != ' ' && b != '\t') {
                continue;
            }
            int next = i + 1;
            while (next < end && isWsp(body[next])) {
                next++;
            }
            // body[end - 1] is content, so a WSP run always ends before end.
            if (body[next] == '\r' && next + 1 < end && body[next + 1] == '\n') {
                digest.update(body, run, i - run); // WSP at the end of a line is ignored
                run = next;
            } else if (next - i > 1 || b == '\t') {
                digest.update(body, run, i - run); // a WSP run within a line becomes one SP
                digest.update((byte) ' ');
                run = next;
            } // else a single SP within a line stays as it is
            i = next - 1;
        }
        digest.update(body, run, end - run);
        if (end > 0) {
            // A non-empty body ends with one CRLF (the first trailing one, or one added to a body
            // that has none); an empty one stays empty.
            digest.update(CRLF);
        }
        return digest.digest();
    }

    private static boolean isWsp(byte b) {
        return b == ' ' || b == '\t';
    }

    /**
     * Appends "name:value" in relaxed header canonicalization (RFC 6376 3.4.2): name lowercased,
     * line breaks removed, WSP runs as one SP, no WSP around the colon or at the end.
     */
    static void relaxedHeader(StringBuilder out, String name, String value) {
        out.append(name.trim().toLowerCase(Locale.ROOT)).append(':');
        boolean pendingSpace = false;
        boolean started = false;
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n') {
                continue;
            }
            if (c == ' ' || c == '\t') {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace && started) {
                out.append(' ');
            }
            pendingSpace = false;
            started = true;
            out.append(c);
        }
    }

    private static MessageDigest sha256() {
        try {
            return SigningProvider.digest("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String checked(String value, Pattern pattern, String what) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid DKIM " + what + ": " + value);
        }
        return value;
    }

    /** Reads a PKCS#8 RSA key from base64 DER or PEM; no message here repeats any of the input. */
    private static PrivateKey readKey(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("DKIM private key is missing");
        }
        String base64 = text;
        if (text.contains("-----BEGIN")) {
            if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
                throw new IllegalArgumentException("DKIM private key is PKCS#1 (BEGIN RSA PRIVATE KEY); convert it"
                        + " to PKCS#8 (BEGIN PRIVATE KEY), e.g. with openssl pkcs8 -topk8 -nocrypt");
            }
            int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
            int end = text.indexOf("-----END PRIVATE KEY-----");
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException(
                        "DKIM private key PEM must be an unencrypted PKCS#8 \"BEGIN PRIVATE KEY\" block");
            }
            base64 = text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end);
        }
        StringBuilder compact = new StringBuilder(base64.length());
        for (int i = 0; i < base64.length(); i++) {
            char c = base64.charAt(i);
            if (!Character.isWhitespace(c)) {
                compact.append(c);
            }
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(compact.toString());
        } catch (IllegalArgumentException e) {
            // Not chained: the decoder's message quotes a character of the input.
            throw new IllegalArgumentException("DKIM private key is neither PEM nor valid base64");
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("DKIM private key is not a PKCS#8 RSA private key");
        }
        if (!(key instanceof RSAPrivateKey rsa) || rsa.getModulus().bitLength() < 1024) {
            throw new IllegalArgumentException("DKIM private key must be an RSA key of at least 1024 bits");
        }
        return native_(key, der);
    }

    /**
     * The key as the signing provider's own object. Amazon Corretto Crypto Provider converts a key
     * of the JDK's to its native form on every {@code initSign}, which cost 890 µs a signature
     * against 292 µs with its own key (RSA-2048, this box); parsed once here, it is converted once.
     */
    private static PrivateKey native_(PrivateKey key, byte[] der) {
        Provider provider = SigningProvider.get();
        if (provider == null) {
            return key; // the JDK's provider: its key as parsed
        }
        try {
            return KeyFactory.getInstance("RSA", provider).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | RuntimeException e) {
            return key; // the provider signs with the JDK's key too, only slower
        }
    }

    /** Builds a header field folded with CRLF SP so that no line exceeds {@link #MAX_LINE}. */
    private static final class Folder {
        private final StringBuilder text = new StringBuilder(640);
        private int lineStart;

        Folder(String start) {
            text.append(start);
        }

        /** Appends SP + word, or CRLF SP + word when it would not fit on the current line. */
        void word(String word) {
            if (lineLength() + 1 + word.length() > MAX_LINE) {
                newLine();
            }
            text.append(' ').append(word);
        }

        /** Appends the part right after the previous one, or on a new line when it does not fit. */
        void glued(String part) {
            if (lineLength() + part.length() > MAX_LINE) {
                newLine();
                text.append(' ');
            }
            text.append(part);
        }

        /** Appends a value that may be broken anywhere (base64), filling each line. */
        void broken(String value) {
            int at = 0;
            while (at < value.length()) {
                int room = MAX_LINE - lineLength();
                if (room <= 0) {
                    newLine();
                    text.append(' ');
                    continue;
                }
                int take = Math.min(room, value.length() - at);
                text.append(value, at, at + take);
                at += take;
            }
        }

        private int lineLength() {
            return text.length() - lineStart;
        }

        private void newLine() {
            text.append("\r\n");
            lineStart = text.length();
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}

package dev.tidings.bounce;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks that a webhook call really comes from the mail provider it claims to come from. Every
 * check answers true or false and never throws: missing, malformed or oversized input is simply
 * false. Secrets are compared in constant time ({@link MessageDigest#isEqual}).
 *
 * <p>None of these checks looks at the clock; pair each with {@link #fresh} on the timestamp the
 * provider signed, so a captured call cannot be replayed later.
 */
public final class ProviderSignatures {

    private static final int MAX_HEADER_CHARS = 8 * 1024;
    private static final Pattern EPOCH_SECONDS = Pattern.compile("\\d{1,12}");

    private ProviderSignatures() {}

    /**
     * Whether a Mailgun webhook is signed with the signing key: the {@code signature} object of the
     * body holds {@code timestamp}, {@code token} and {@code signature}, the hex HMAC-SHA256 of
     * timestamp followed by token.
     */
    public static boolean mailgun(String signingKey, String timestamp, String token, String signatureHex) {
        if (isBlank(signingKey) || isBlank(timestamp) || isBlank(token) || isBlank(signatureHex)) {
            return false;
        }
        if (timestamp.length() + token.length() > MAX_HEADER_CHARS) {
            return false;
        }
        try {
            byte[] given = HexFormat.of().parseHex(signatureHex.strip());
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(signingKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, given);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a SendGrid (Twilio) Event Webhook call is signed by the key SendGrid shows as the
     * "verification key" (base64 DER of an ECDSA P-256 public key; PEM armour is tolerated): the
     * {@code X-Twilio-Email-Event-Webhook-Signature} header is the base64 DER ECDSA signature, with
     * SHA-256, of the {@code X-Twilio-Email-Event-Webhook-Timestamp} header followed by the raw body
     * exactly as received.
     */
    public static boolean sendGrid(
            String publicKeyBase64, String timestampHeader, byte[] rawBody, String signatureBase64) {
        if (isBlank(publicKeyBase64) || isBlank(timestampHeader) || rawBody == null || isBlank(signatureBase64)) {
            return false;
        }
        if (publicKeyBase64.length() > MAX_HEADER_CHARS
                || timestampHeader.length() > MAX_HEADER_CHARS
                || signatureBase64.length() > MAX_HEADER_CHARS) {
            return false;
        }
        try {
            String key = publicKeyBase64
                    .replace("-----BEGIN PUBLIC KEY-----", "")
                    .replace("-----END PUBLIC KEY-----", "")
                    .replaceAll("\\s", "");
            PublicKey publicKey = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(key)));
            if (!(publicKey instanceof ECPublicKey ec)
                    || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                return false;
            }
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(publicKey);
            verifier.update(timestampHeader.getBytes(StandardCharsets.UTF_8));
            verifier.update(rawBody);
            return verifier.verify(Base64.getDecoder().decode(signatureBase64.strip()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a Postmark webhook call carries the expected HTTP Basic credentials (Postmark signs
     * nothing; it sends the user and password configured in the webhook URL or its HTTP auth
     * settings); false whenever the expected user or password is empty.
     */
    public static boolean postmark(String expectedUser, String expectedPassword, String authorizationHeader) {
        if (isBlank(expectedUser) || isBlank(expectedPassword) || authorizationHeader == null) {
            return false;
        }
        String header = authorizationHeader.strip();
        if (header.length() > MAX_HEADER_CHARS || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String pair;
        try {
            pair = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = pair.indexOf(':');
        if (colon < 0) {
            return false;
        }
        boolean user = sameSecret(pair.substring(0, colon), expectedUser);
        boolean password = sameSecret(pair.substring(colon + 1), expectedPassword);
        return user & password;
    }

    /**
     * Whether a signed timestamp is within {@code maxAge} of now, in either direction (clocks
     * drift); false when any argument is null or {@code maxAge} is negative.
     */
    public static boolean fresh(Instant at, Instant now, Duration maxAge) {
        if (at == null || now == null || maxAge == null || maxAge.isNegative()) {
            return false;
        }
        return Duration.between(at, now).abs().compareTo(maxAge) <= 0;
    }

    /**
     * The instant of a timestamp in whole seconds since the epoch (Mailgun's {@code timestamp},
     * SendGrid's timestamp header), or null when it is not one.
     */
    public static Instant epochSeconds(String text) {
        if (text == null || !EPOCH_SECONDS.matcher(text.strip()).matches()) {
            return null;
        }
        return Instant.ofEpochSecond(Long.parseLong(text.strip()));
    }

    /**
     * The instant of an ISO-8601 timestamp with an offset or {@code Z} (SNS's {@code Timestamp},
     * e.g. {@code 2012-05-02T00:54:06.655Z}), or null when it is not one.
     */
    public static Instant iso8601(String text) {
        if (text == null || text.length() > 64) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Amazon SNS messages (how SES reports to an HTTPS endpoint): the string SNS signs, the
     * signature check against the certificate at {@code SigningCertURL}, and which URLs may be
     * fetched (the signing certificate) or visited (the {@code SubscribeURL} of a subscription
     * confirmation).
     */
    public static final class Sns {

        /** {@link #DEFAULT_URL_PATTERN} as text, e.g. for a configuration default. */
        public static final String DEFAULT_URL_REGEX = "https://sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/.*";

        /** The URLs SNS uses for its signing certificates and subscription confirmations. */
        public static final Pattern DEFAULT_URL_PATTERN = Pattern.compile(DEFAULT_URL_REGEX);

        private static final int MAX_URL_CHARS = 2048;
        private static final String[] NOTIFICATION_KEYS = {
            "Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"
        };
        private static final String[] CONFIRMATION_KEYS = {
            "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"
        };

        private Sns() {}

        /**
         * The canonical string SNS signs for a message: for a {@code Notification} its Message,
         * MessageId, Subject (only when present), Timestamp, TopicArn and Type; for a {@code
         * SubscriptionConfirmation} or {@code UnsubscribeConfirmation} its Message, MessageId,
         * SubscribeURL, Timestamp, Token, TopicArn and Type; each as {@code "Key\nValue\n"}. Null
         * when the type is another one or a required value is missing or not a string.
         */
        public static String stringToSign(JsonNode message) {
            if (message == null || !message.isObject()) {
                return null;
            }
            String[] keys =
                    switch (String.valueOf(text(message, "Type"))) {
                        case "Notification" -> NOTIFICATION_KEYS;
                        case "SubscriptionConfirmation", "UnsubscribeConfirmation" -> CONFIRMATION_KEYS;
                        default -> null;
                    };
            if (keys == null) {
                return null;
            }
            StringBuilder canonical = new StringBuilder();
            for (String key : keys) {
                JsonNode value = message.get(key);
                boolean optional = key.equals("Subject");
                if (value == null || value.isNull()) {
                    if (optional) {
                        continue;
                    }
                    return null;
                }
                if (!value.isTextual()) {
                    return null;
                }
                canonical.append(key).append('\n').append(value.textValue()).append('\n');
            }
            return canonical.toString();
        }

        /**
         * Whether a message's {@code Signature} (base64) is the signature of its {@link
         * #stringToSign} by the certificate's key: SHA1withRSA for {@code SignatureVersion} "1",
         * SHA256withRSA for "2", anything else false. The certificate must have been valid at the
         * message's {@code Timestamp}; whether it is Amazon's is up to the caller, which fetches it
         * only from a URL {@link #allowedCertUrl} accepts.
         */
        public static boolean verify(JsonNode message, X509Certificate cert) {
            if (message == null || cert == null) {
                return false;
            }
            String version = text(message, "SignatureVersion");
            String algorithm = "1".equals(version) ? "SHA1withRSA" : "2".equals(version) ? "SHA256withRSA" : null;
            String canonical = stringToSign(message);
            String signature = text(message, "Signature");
            Instant at = iso8601(text(message, "Timestamp"));
            if (algorithm == null || canonical == null || signature == null || at == null) {
                return false;
            }
            try {
                cert.checkValidity(Date.from(at));
                Signature verifier = Signature.getInstance(algorithm);
                verifier.initVerify(cert);
                verifier.update(canonical.getBytes(StandardCharsets.UTF_8));
                return verifier.verify(Base64.getDecoder().decode(signature));
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }

        /**
         * Whether a URL from a message (e.g. the {@code SubscribeURL}) may be followed: it matches
         * the pattern in full (normally {@link #DEFAULT_URL_PATTERN}) and is an absolute URI with a
         * host and no user-info. Check a {@code SigningCertURL} with {@link #allowedCertUrl}.
         */
        public static boolean allowedUrl(String url, Pattern pattern) {
            if (url == null || pattern == null || url.length() > MAX_URL_CHARS) {
                return false;
            }
            if (!pattern.matcher(url).matches()) {
                return false;
            }
            URI uri = uri(url);
            return uri != null && uri.isAbsolute() && uri.getHost() != null && uri.getRawUserInfo() == null;
        }

        /**
         * Whether a {@code SigningCertURL} may be fetched: {@link #allowedUrl} and, in addition, its
         * path ends with {@code .pem} and it has no query or fragment.
         */
        public static boolean allowedCertUrl(String url, Pattern pattern) {
            if (!allowedUrl(url, pattern)) {
                return false;
            }
            URI uri = uri(url);
            return uri != null
                    && uri.getRawQuery() == null
                    && uri.getRawFragment() == null
                    && uri.getRawPath() != null
                    && uri.getRawPath().endsWith(".pem")
                    && url.endsWith(".pem");
        }

        private static URI uri(String url) {
            try {
                return new URI(url);
            } catch (URISyntaxException e) {
                return null;
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** Compares digests, so neither the content nor the length of a secret shows in the timing. */
    private static boolean sameSecret(String given, String expected) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            byte[] a = sha256.digest(given.getBytes(StandardCharsets.UTF_8));
            byte[] b = sha256.digest(expected.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}

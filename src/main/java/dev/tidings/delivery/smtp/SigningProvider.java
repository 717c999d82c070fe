package dev.tidings.delivery.smtp;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.Signature;
import org.jboss.logging.Logger;

/**
 * The security provider that makes DKIM signatures and body hashes: Amazon Corretto Crypto
 * Provider (AWS-LC, native) where its library loads and its self-tests pass (Linux x86-64),
 * otherwise the JDK's. Decided once per JVM, at start-up ({@link SmtpSettings}), and logged once. The provider is only asked
 * for by name of algorithm and never installed globally, so TLS and everything else keep the JDK's.
 */
public final class SigningProvider {

    private static final Logger LOG = Logger.getLogger(SigningProvider.class);
    private static final Provider CHOSEN = choose();

    private SigningProvider() {}

    /** ACCP when it works here, else null (the JDK's provider, found by algorithm). */
    public static Provider get() {
        return CHOSEN;
    }

    /** What signs, for logs and the benchmark: the provider's name. */
    public static String name() {
        return CHOSEN == null ? "JDK" : CHOSEN.getName();
    }

    static Signature signature(String algorithm) throws GeneralSecurityException {
        return CHOSEN == null ? Signature.getInstance(algorithm) : Signature.getInstance(algorithm, CHOSEN);
    }

    static MessageDigest digest(String algorithm) throws GeneralSecurityException {
        return CHOSEN == null ? MessageDigest.getInstance(algorithm) : MessageDigest.getInstance(algorithm, CHOSEN);
    }

    private static Provider choose() {
        try {
            Provider accp = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
            Throwable error =
                    ((com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider) accp).getLoadingError();
            if (error != null) {
                LOG.infof(
                        "DKIM signs with the JDK's provider (Amazon Corretto Crypto Provider not loaded: %s)",
                        error.getMessage());
                return null;
            }
            // Its self-tests (run when it loads) passed, or this throws.
            ((com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider) accp).assertHealthy();
            LOG.infof("DKIM signs with %s %s (AWS-LC)", accp.getName(), accp.getVersionStr());
            return accp;
        } catch (RuntimeException | LinkageError e) {
            LOG.infof(
                    "DKIM signs with the JDK's provider (Amazon Corretto Crypto Provider unusable: %s)", e.toString());
            return null;
        }
    }
}

package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * DKIM signs with AWS-LC where Amazon Corretto Crypto Provider ships a native library (Linux
 * x86-64, as on the build machines) and with the JDK's provider anywhere else; either way its
 * signatures verify with the JDK's own verifier and its digests match the JDK's.
 */
class SigningProviderTest {

    @Test
    void theProviderFitsThePlatformAndItsSignaturesVerifyWithTheJdks() throws Exception {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean nativeShipped = os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
        String expected = nativeShipped ? "AmazonCorrettoCryptoProvider" : "JDK";
        assertThat(SigningProvider.name())
                .as(
                        "on %s/%s the signing provider should be %s; if ACCP did not load here, the start-up log says why",
                        os, arch, expected)
                .isEqualTo(expected);

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var pair = generator.generateKeyPair();
        Signature signer = SigningProvider.signature("SHA256withRSA");
        signer.initSign(pair.getPrivate());
        signer.update("DKIM".getBytes());
        byte[] signed = signer.sign();
        if (nativeShipped) {
            assertThat(signer.getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
        }
        Signature verifier = Signature.getInstance("SHA256withRSA", "SunRsaSign");
        verifier.initVerify(pair.getPublic());
        verifier.update("DKIM".getBytes());
        assertThat(verifier.verify(signed)).isTrue();
        assertThat(SigningProvider.digest("SHA-256").digest(new byte[0]))
                .isEqualTo(java.security.MessageDigest.getInstance("SHA-256", "SUN")
                        .digest(new byte[0]));
    }

    @Test
    void theSignerHoldsItsKeyAsTheProvidersOwnSoNoSignaturePaysForAConversion() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var pair = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder()
                        .encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        DkimSigner signer = new DkimSigner(pem, "example.com", "s1", java.util.List.of("From"));
        String keyClass = signer.keyClass();
        if (SigningProvider.get() == null) {
            assertThat(keyClass).startsWith("sun.security.rsa.");
        } else {
            // ACCP converts a JDK key to its native form on every initSign (0.89 ms against 0.29 ms).
            assertThat(keyClass).startsWith("com.amazon.corretto.crypto.provider.");
        }
    }
}

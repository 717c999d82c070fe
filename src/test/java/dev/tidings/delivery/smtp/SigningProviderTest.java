package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** DKIM signs with AWS-LC where it loads (this Linux x86-64 build machine), and its signatures verify with the JDK's. */
class SigningProviderTest {

    @Test
    void onLinuxX86TheNativeProviderSignsAndTheJdkVerifies() throws Exception {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        assumeTrue(
                os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")),
                "ACCP ships for Linux x86-64 here");
        assertThat(SigningProvider.name()).isEqualTo("AmazonCorrettoCryptoProvider");

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var pair = generator.generateKeyPair();
        Signature signer = SigningProvider.signature("SHA256withRSA");
        signer.initSign(pair.getPrivate());
        signer.update("DKIM".getBytes());
        byte[] signed = signer.sign();
        assertThat(signer.getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
        Signature verifier = Signature.getInstance("SHA256withRSA", "SunRsaSign");
        verifier.initVerify(pair.getPublic());
        verifier.update("DKIM".getBytes());
        assertThat(verifier.verify(signed)).isTrue();
        assertThat(SigningProvider.digest("SHA-256").digest(new byte[0]))
                .isEqualTo(java.security.MessageDigest.getInstance("SHA-256", "SUN")
                        .digest(new byte[0]));
    }
}

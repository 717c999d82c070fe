package dev.tidings.sender;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tidings.common.ProblemException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The DKIM key pairs of sender domains: sealed with the configured key, bound to their domain. */
class DomainKeysTest {

    static final String SECRET = "a-key-encryption-key-of-32-characters-or-more";

    @Test
    void aSealedKeyOpensForItsDomainAndSignsWhatItsPublicKeyVerifies() throws Exception {
        DomainKeys keys = new DomainKeys(Optional.of(SECRET));
        DomainKeys.Made made = keys.make("news.example.org");
        String opened = keys.open("news.example.org", made.sealedPrivateKey()).orElseThrow();

        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(opened))));
        signer.update("hello".getBytes());
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(made.publicKey()))));
        verifier.update("hello".getBytes());
        assertThat(verifier.verify(signature)).isTrue();
        assertThat(((java.security.interfaces.RSAPublicKey) KeyFactory.getInstance("RSA")
                                .generatePublic(new X509EncodedKeySpec(
                                        Base64.getDecoder().decode(made.publicKey()))))
                        .getModulus()
                        .bitLength())
                .isEqualTo(2048);
    }

    @Test
    void aSealedKeyDoesNotOpenForAnotherDomainOrUnderAnotherKey() {
        DomainKeys keys = new DomainKeys(Optional.of(SECRET));
        byte[] sealed = keys.make("news.example.org").sealedPrivateKey();
        assertThat(keys.open("other.example.org", sealed))
                .as("moved to another row")
                .isEmpty();
        assertThat(new DomainKeys(Optional.of(SECRET + "-rotated")).open("news.example.org", sealed))
                .isEmpty();
        assertThat(new DomainKeys(Optional.empty()).open("news.example.org", sealed))
                .isEmpty();
        sealed[sealed.length - 1] ^= 1;
        assertThat(keys.open("news.example.org", sealed)).as("one bit changed").isEmpty();
        assertThat(keys.open("news.example.org", new byte[5])).isEmpty();
    }

    @Test
    void withoutAnEncryptionKeyNoDomainCanBeAddedAndAShortOneIsRefused() {
        assertThatThrownBy(() -> new DomainKeys(Optional.empty()).make("news.example.org"))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("tidings.sender.key-encryption-key")
                .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(503));
        assertThatThrownBy(() -> new DomainKeys(Optional.of("too-short")))
                .hasMessageContaining("at least 32 characters");
    }
}

package dev.tidings.delivery.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DotStuffingTest {

    @Test
    void aDotThatStartsALineIsDoubledAndNothingElseChanges() {
        assertThat(stuff("")).isEqualTo("");
        assertThat(stuff("no dots\r\nhere.\r\n")).isEqualTo("no dots\r\nhere.\r\n");
        assertThat(stuff(".first\r\n")).isEqualTo("..first\r\n");
        assertThat(stuff(".")).isEqualTo("..");
        assertThat(stuff("a\r\n.\r\n.\r\n..b\r\n.")).isEqualTo("a\r\n..\r\n..\r\n...b\r\n..");
        assertThat(stuff("a.b\n.c")).isEqualTo("a.b\n..c");
    }

    @Test
    void agreesWithTheByteByByteDefinitionOnRandomMessages() {
        Random random = new Random(42);
        byte[] alphabet = ".\r\na ".getBytes(StandardCharsets.US_ASCII);
        for (int round = 0; round < 2000; round++) {
            byte[] message = new byte[random.nextInt(40)];
            for (int i = 0; i < message.length; i++) {
                message[i] = alphabet[random.nextInt(alphabet.length)];
            }
            assertThat(DotStuffing.apply(message).getBytes()).isEqualTo(byteByByte(message));
        }
    }

    private static String stuff(String message) {
        return DotStuffing.apply(message.getBytes(StandardCharsets.US_ASCII)).toString(StandardCharsets.US_ASCII);
    }

    /** RFC 5321 4.5.2 as written: a dot at the start of a line (after LF, or first) gets another. */
    private static byte[] byteByByte(byte[] message) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '.' && (i == 0 || message[i - 1] == '\n')) {
                out.write('.');
            }
            out.write(message[i]);
        }
        return out.toByteArray();
    }
}

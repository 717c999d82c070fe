package dev.tidings.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.testing.ApiPaths;
import dev.tidings.testing.Database;
import dev.tidings.testing.WriterTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Clients that are slow on purpose hold nothing for long: a connection that goes quiet is closed
 * after {@code quarkus.http.idle-timeout}, and a CSV upload that trickles in gets a 408 problem
 * after {@code tidings.import.max-upload-time}. (Both shortened here; 60 s and 10 min by default.)
 */
@QuarkusTest
@TestProfile(SlowClientTest.Short.class)
class SlowClientTest extends WriterTest {

    public static class Short implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.idle-timeout", "3s", "tidings.import.max-upload-time", "2s");
        }
    }

    @Test
    void aConnectionThatGoesQuietMidRequestIsClosed() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            // Half a request head, then nothing (slowloris).
            out.write("GET /p/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            int read;
            try {
                read = socket.getInputStream().read();
            } catch (SocketTimeoutException e) {
                read = -2;
            } catch (IOException e) {
                read = -1; // reset by the server: closed too
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(read)
                    .as("the server closed the quiet connection (-1), not kept it open (-2)")
                    .isEqualTo(-1);
            assertThat(seconds).as("closed after the idle timeout").isBetween(2L, 10L);
        }
    }

    @Test
    void aTrickledUploadGetsA408ProblemAndFreesTheImportSlot() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + ApiPaths.imports(newsletter) + " HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: Bearer " + token + "\r\nContent-Type: text/csv\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            chunk(out, "email,name\n");
            InputStream in = socket.getInputStream();
            String answer = null;
            // A line every half second, for up to 8 s: each read is quick, the whole is too slow.
            for (int i = 0; i < 16 && answer == null; i++) {
                Thread.sleep(500);
                try {
                    chunk(out, "trickle" + i + "@example.org,T\n");
                } catch (IOException e) {
                    break; // the server answered and closed
                }
                if (in.available() > 0) {
                    answer = readAll(in);
                }
            }
            if (answer == null) {
                answer = readAll(in);
            }
            assertThat(answer).startsWith("HTTP/1.1 408");
            assertThat(answer).contains("application/problem+json").contains("upload-too-slow");
            assertThat(answer).contains("at most 2 seconds");
        }
        assertThat(Database.strings("SELECT count(*) FROM subscriber WHERE newsletter_id = ?::uuid", newsletter))
                .containsExactly("0");
        // The account's one import slot is free again.
        assertThat(dev.tidings.testing.Newsletters.as(token)
                        .contentType("text/csv")
                        .body("email\nafter@example.org\n")
                        .post(ApiPaths.imports(newsletter))
                        .statusCode())
                .isEqualTo(202);
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** What the server sent until it closed the connection or went quiet for a second. */
    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        long until = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < until) {
            int n;
            try {
                n = in.read(buffer);
            } catch (IOException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            bytes.write(buffer, 0, n);
            if (bytes.toString(StandardCharsets.UTF_8).contains("}")) {
                break; // the problem body is complete
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}

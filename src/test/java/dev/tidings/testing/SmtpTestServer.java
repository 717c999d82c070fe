package dev.tidings.testing;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A real SMTP server (GreenMail) listening on a TCP port; the app sends to it through its normal
 * mailer and connection pool. Tests read what it received through {@link Mailbox}.
 */
public class SmtpTestServer implements QuarkusTestResourceLifecycleManager {

    private GreenMail greenMail;

    @Override
    public Map<String, String> start() {
        int port = Infra.freePort();
        greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.start();
        return Map.of(
                "quarkus.mailer.host", "127.0.0.1",
                "quarkus.mailer.port", "" + port,
                "quarkus.mailer.from", "Tidings <no-reply@tidings.test>");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(new Mailbox(greenMail), new TestInjector.MatchesType(Mailbox.class));
    }

    @Override
    public void stop() {
        if (greenMail != null) {
            greenMail.stop();
        }
    }
}

package dev.tidings.delivery;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Set;

/**
 * The transport seam: sends one composed message through a relay ({@link Relays}) over its pooled,
 * pipelined SMTP connections. A relay that cannot be reached or refuses the session hands the mail
 * to the next candidate at once (failover, not an attempt); the last failure reaches the caller:
 * the server's reply ({@code SmtpReplyException}) or a connection fault ({@code SmtpFault}), or
 * {@link RateLimits.Later} when every relay's window is used up. {@code attempt} learns the relay
 * the mail last went to.
 */
@ApplicationScoped
public class MailTransport {

    /** The relay of the last try of one mail (set as the mail goes). */
    public static final class Attempt {
        String relay;

        public String relay() {
            return relay;
        }
    }

    private final Relays relays;

    public MailTransport(Relays relays) {
        this.relays = relays;
    }

    public Uni<Void> send(String pinnedRelay, MailComposer.OutgoingMail mail, Attempt attempt) {
        return send(pinnedRelay, mail, attempt, new HashSet<>(), null);
    }

    private Uni<Void> send(
            String pinned, MailComposer.OutgoingMail mail, Attempt attempt, Set<String> tried, Throwable last) {
        return relays.choose(pinned, tried).flatMap(relay -> {
            if (relay == null) {
                return Uni.createFrom().failure(last);
            }
            attempt.relay = relay.name();
            return relay.client
                    .send(mail.from(), mail.to(), mail.message())
                    .invoke(() -> relays.succeeded(relay))
                    .onFailure()
                    .recoverWithUni(failure -> {
                        relays.failed(relay, failure);
                        if (Relays.isRelayFault(failure)) {
                            tried.add(relay.name());
                            return send(pinned, mail, attempt, tried, failure);
                        }
                        return Uni.createFrom().failure(failure);
                    });
        });
    }
}

package dev.tidings.bounce;

import dev.tidings.common.EmailAddress;
import dev.tidings.delivery.BounceService;
import dev.tidings.delivery.MailComposer;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Applies what a provider reported, event by event, idempotently: the event names the send by our
 * own Message-ID ({@code <send-id@host>}, which providers echo back). A hard bounce → the send
 * {@code bounced}, its subscriber suppressed in its newsletter; soft → noted on the send;
 * complaint → {@code complained}; delivered → the send's {@code delivered_at}. A hard bounce that
 * names no send of ours still suppresses the address (the provider says it does not exist); any
 * other event without a send is dropped. Counted as {@code tidings_provider_events_total}.
 */
@ApplicationScoped
public class ProviderReports {

    private final BounceService bounces;
    private final MeterRegistry metrics;

    public ProviderReports(BounceService bounces, MeterRegistry metrics) {
        this.bounces = bounces;
        this.metrics = metrics;
    }

    /** Applies the events one after the other (a provider batch is at most {@value ProviderEvents#MAX_EVENTS}). */
    public Uni<Void> apply(String provider, List<ProviderEvent> events) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (ProviderEvent event : events) {
            chain = chain.flatMap(x -> apply(provider, event));
        }
        return chain;
    }

    private Uni<Void> apply(String provider, ProviderEvent event) {
        UUID send = MailComposer.sendIdOf(event.messageId());
        String source = "reported by " + provider;
        Uni<String> result;
        if (send != null) {
            result = switch (event.kind()) {
                case DELIVERED -> bounces.reportDelivered(send).map(applied -> applied ? "applied" : "known");
                case HARD -> bounces.reportSend(send, BounceService.Kind.HARD, source, event.diagnostic())
                        .map(known -> known ? "applied" : "unknown-send");
                case SOFT -> bounces.reportSend(send, BounceService.Kind.SOFT, source, event.diagnostic())
                        .map(known -> known ? "applied" : "unknown-send");
                case COMPLAINT -> bounces.reportSend(send, BounceService.Kind.COMPLAINT, source, event.diagnostic())
                        .map(known -> known ? "applied" : "unknown-send");
            };
        } else if (event.kind() == ProviderEvent.Kind.HARD && address(event.email()) != null) {
            result = bounces.report(address(event.email()), BounceService.Kind.HARD, null, null, event.diagnostic())
                    .replaceWith("address-only");
        } else {
            result = Uni.createFrom().item("unknown-send");
        }
        return result.invoke(r -> metrics.counter(
                                "tidings_provider_events_total",
                                "provider",
                                provider,
                                "kind",
                                event.kind().name().toLowerCase(Locale.ROOT),
                                "result",
                                r)
                        .increment())
                .replaceWithVoid();
    }

    private static EmailAddress address(String email) {
        if (email == null) {
            return null;
        }
        try {
            return EmailAddress.parse(email, "email");
        } catch (RuntimeException e) {
            return null;
        }
    }
}

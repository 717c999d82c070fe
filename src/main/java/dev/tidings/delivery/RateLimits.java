package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Per-instance sending rates (token buckets from Bucket4j): overall and per recipient domain. A
 * send waits for its token without blocking a thread. A domain that answered "slow down"
 * (421/451/454) is paused for {@code throttle-backoff}.
 */
@ApplicationScoped
public class RateLimits {

    private final Bucket overall;
    private final Map<String, Bucket> domains = new HashMap<>();
    private final Cooling cooling = new Cooling(1024);
    private final Duration backoff;
    private final DeliveryMetrics metrics;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "delivery-rate-limits");
        thread.setDaemon(true);
        return thread;
    });

    public RateLimits(TidingsConfig config, DeliveryMetrics metrics) {
        TidingsConfig.Delivery delivery = config.delivery();
        this.overall = delivery.ratePerSecond() > 0 ? perSecond(delivery.ratePerSecond()) : null;
        delivery.domainRates()
                .ifPresent(spec -> parse(spec).forEach((domain, rate) -> domains.put(domain, perSecond(rate))));
        this.backoff = delivery.throttleBackoff();
        this.metrics = metrics;
    }

    /** Completes when a mail to {@code domain} may go. */
    public Uni<Void> acquire(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        Uni<Void> wait = Uni.createFrom().voidItem();
        Instant until = cooling.until(key, Instant.now());
        if (until != null) {
            metrics.rateLimited();
            wait = Uni.createFrom().voidItem().onItem().delayIt().by(Duration.between(Instant.now(), until));
        }
        wait = wait.flatMap(x -> take(overall)).flatMap(x -> take(domains.get(key)));
        return wait;
    }

    /** A provider asked us to slow down: pause this domain for a while. */
    public void throttle(String domain) {
        Instant now = Instant.now();
        cooling.cool(domain.toLowerCase(Locale.ROOT), now.plus(backoff), now);
    }

    /**
     * Domains paused until a time. Recipient domains are the writers' subscribers', so the map is
     * pruned of pauses that are over whenever it grows past {@code prune}: it holds the domains
     * cooling now, not every domain that ever asked us to slow down.
     */
    static final class Cooling {
        private final Map<String, Instant> until = new ConcurrentHashMap<>();
        private final int prune;

        Cooling(int prune) {
            this.prune = prune;
        }

        /** Until when {@code key} is paused, or null if it is not (an ended pause is forgotten). */
        Instant until(String key, Instant now) {
            Instant end = until.get(key);
            if (end != null && !end.isAfter(now)) {
                until.remove(key, end);
                return null;
            }
            return end;
        }

        void cool(String key, Instant end, Instant now) {
            until.put(key, end);
            if (until.size() > prune) {
                until.values().removeIf(e -> !e.isAfter(now));
            }
        }

        int size() {
            return until.size();
        }
    }

    public Duration backoff() {
        return backoff;
    }

    private Uni<Void> take(Bucket bucket) {
        if (bucket == null || bucket.tryConsume(1)) {
            return Uni.createFrom().voidItem();
        }
        metrics.rateLimited();
        return Uni.createFrom().completionStage(() -> bucket.asScheduler().consume(1, scheduler));
    }

    private static Bucket perSecond(int rate) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(rate)
                        .refillGreedy(rate, Duration.ofSeconds(1))
                        .build())
                .build();
    }

    /** {@code gmail.com=50,yahoo.com=20} */
    static Map<String, Integer> parse(String spec) {
        Map<String, Integer> rates = new HashMap<>();
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("tidings.delivery.domain-rates: expected domain=rate, got " + entry);
            }
            rates.put(parts[0].strip().toLowerCase(Locale.ROOT), Integer.parseInt(parts[1].strip()));
        }
        return rates;
    }

    @PreDestroy
    void close() {
        scheduler.shutdownNow();
    }
}

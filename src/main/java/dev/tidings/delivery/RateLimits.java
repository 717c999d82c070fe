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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Per-instance sending rates: overall and per configured domain (token buckets from Bucket4j), and
 * per domain adaptively ({@link DomainThrottle}: halved on a throttling reply, grown back while the
 * domain takes mail). A send waits for its token without blocking a thread; a send to a throttled
 * domain whose turn is further off than {@code max-domain-wait} fails with {@link Later} instead,
 * so that it does not hold an in-flight slot that mail to other domains could use.
 */
@ApplicationScoped
public class RateLimits {

    /** The domain's turn is too far off: try the send again at {@code at}. */
    public static final class Later extends RuntimeException {
        private final Instant at;

        Later(Instant at, String why) {
            super(why, null, false, false);
            this.at = at;
        }

        public Instant at() {
            return at;
        }
    }

    private final Bucket overall;
    private final Map<String, Bucket> domains = new HashMap<>();
    private final DomainThrottle throttle;
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
        this.throttle = new DomainThrottle(delivery.throttleMinRate(), Duration.ofSeconds(1), delivery.maxDomainWait());
        this.metrics = metrics;
        metrics.throttledDomains(throttle::size);
        scheduler.scheduleAtFixedRate(() -> throttle.tick(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    }

    /** Completes when a mail to {@code domain} may go; fails with {@link Later} when its turn is too far off. */
    public Uni<Void> acquire(String domain) {
        String key = domain.toLowerCase(Locale.ROOT);
        DomainThrottle.Slot slot = throttle.reserve(key, System.nanoTime());
        if (!slot.reserved()) {
            metrics.rateLimited();
            Instant at = Instant.now().plusNanos(slot.delayNanos());
            return Uni.createFrom()
                    .failure(new Later(
                            at,
                            "waiting: " + key + " asked us to slow down; it now gets " + rateText(throttle.rate(key))
                                    + " from this instance"));
        }
        Uni<Void> wait = Uni.createFrom().voidItem();
        if (slot.delayNanos() > 0) {
            metrics.rateLimited();
            wait = wait.onItem().delayIt().by(Duration.ofNanos(slot.delayNanos()));
        }
        if (overall == null && domains.isEmpty()) {
            return wait;
        }
        return wait.flatMap(x -> take(overall)).flatMap(x -> take(domains.get(key)));
    }

    /** A throttling reply from {@code domain}: its rate is cut (AIMD). */
    public void throttle(String domain, String reply, UUID issueId) {
        throttle.cut(domain.toLowerCase(Locale.ROOT), System.nanoTime(), reply, issueId);
    }

    /** The throttled domains now, for the delivery view. */
    List<DomainThrottle.View> throttled() {
        return throttle.views();
    }

    static String rateText(double rate) {
        return rate >= 1 ? Math.round(rate) + " mails/s" : "one mail every " + Math.round(1 / rate) + " s";
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

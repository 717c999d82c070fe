package dev.tidings.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Delivery counters for Prometheus: outcomes, rate limiting, send latency, mails in flight. */
@ApplicationScoped
public class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Counter rateLimited;
    private final Timer latency;
    private final AtomicInteger inFlight = new AtomicInteger();

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.rateLimited = Counter.builder("tidings.sends.rate.limited")
                .description("Sends that had to wait for a rate limit")
                .register(registry);
        this.latency = Timer.builder("tidings.send.latency")
                .description("Time of one SMTP send, connection from the pool to accepted or refused")
                .publishPercentileHistogram()
                .register(registry);
        registry.gauge("tidings.sends.in.flight", inFlight);
    }

    /** Counts an outcome: sent, retrying (as retried), failed, bounced, skipped. */
    public void outcome(SendStatus status) {
        String name = status == SendStatus.RETRYING ? "retried" : status.wire();
        registry.counter("tidings.sends", "outcome", name).increment();
    }

    public void rateLimited() {
        rateLimited.increment();
    }

    public void latency(Duration duration) {
        latency.record(duration);
    }

    /** Domains throttled by this instance now (gauge). */
    void throttledDomains(java.util.function.Supplier<Number> count) {
        io.micrometer.core.instrument.Gauge.builder("tidings.domains.throttled", count)
                .description("Recipient domains this instance is sending to at a reduced rate after a throttle")
                .register(registry);
    }

    /** Counts an attempt through a relay, by what came of it (sent, refused, fault, failover). */
    public void relay(String relay, String result) {
        registry.counter("tidings.relay.sends", "relay", relay, "result", result)
                .increment();
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }
}

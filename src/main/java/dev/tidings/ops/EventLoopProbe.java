package dev.tidings.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;

/**
 * Measures how long the Vert.x event loops (which serve HTTP, the database pool and the SMTP
 * connections) are kept from their work: every 10 ms each loop runs a tiny task, and how late it
 * ran is recorded as {@code tidings_event_loop_delay_seconds} (count, sum, max, p99, p99.9). A loop
 * that computes (a signature, a render) instead of moving bytes shows up here as delay; the sum
 * over a run is the time some connection waited for a busy loop.
 */
@ApplicationScoped
public class EventLoopProbe {

    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Vertx vertx;
    private final Timer delay;
    private volatile boolean stopped;

    public EventLoopProbe(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        this.delay = Timer.builder("tidings.event.loop.delay")
                .description("How late a task scheduled on a Vert.x event loop ran (probed every 10 ms per loop)")
                .publishPercentiles(0.99, 0.999)
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        for (EventExecutor loop : vertx.nettyEventLoopGroup()) {
            probe(loop, System.nanoTime() + PERIOD_NANOS);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
    }

    private void probe(EventExecutor loop, long due) {
        if (stopped || loop.isShuttingDown()) {
            return;
        }
        loop.schedule(
                () -> {
                    long now = System.nanoTime();
                    delay.record(Math.max(0, now - due), TimeUnit.NANOSECONDS);
                    probe(loop, now + PERIOD_NANOS);
                },
                Math.max(0, due - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }
}

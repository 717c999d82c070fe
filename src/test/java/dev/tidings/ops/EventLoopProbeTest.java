package dev.tidings.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The probe, on a real Vert.x with two event loops: a loop kept busy shows up as delay. */
class EventLoopProbeTest {

    @Test
    void aLoopKeptBusyShowsUpAsDelayAndIdleLoopsDoNot() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventLoopProbe probe = new EventLoopProbe(vertx, registry);
        try {
            probe.start(null);
            Timer delay = registry.get("tidings.event.loop.delay").timer();
            Thread.sleep(300);
            assertThat(delay.count()).as("probes in 300 ms on 2 loops").isGreaterThan(20);
            assertThat(delay.max(TimeUnit.MILLISECONDS)).as("idle loops").isLessThan(100);

            // Block one loop for 300 ms, as a signature made on it would (a thousand of them).
            CountDownLatch done = new CountDownLatch(1);
            vertx.nettyEventLoopGroup().next().execute(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                done.countDown();
            });
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100);
            assertThat(delay.max(TimeUnit.MILLISECONDS)).isBetween(200.0, 1000.0);
            assertThat(delay.totalTime(TimeUnit.MILLISECONDS)).isGreaterThan(200.0);
        } finally {
            probe.stop(null);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}

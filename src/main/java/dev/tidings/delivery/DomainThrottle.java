package dev.tidings.delivery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Adaptive per-domain sending rates, AIMD as in TCP congestion control: a domain that answers with
 * a throttle (421, a provider's rate-limit text) has its rate halved, starting from the rate it was
 * being sent at; every second without a throttle the rate grows by a tenth of that starting rate;
 * once it is back there the domain is free again. Throttles that arrive within {@code guard} of a
 * cut (the mails that were already under way when the first one came) do not cut again. Mails to
 * a throttled domain are spaced at its rate; a mail that would wait longer than {@code maxWait} is
 * not held (it would block others behind it): the caller defers it to its slot instead.
 *
 * <p>Pure state with an explicit clock (nanoseconds), unit-tested without a server
 * ({@code DomainThrottleTest}); {@link RateLimits} drives it. Only throttled domains have state; the
 * per-second counts that give a domain's starting rate hold the domains sent to in the last two
 * seconds.
 */
final class DomainThrottle {

    /** What the delivery view shows of a throttled domain. */
    record View(String domain, double rate, double ceiling, long sinceNanos, String lastReply, List<UUID> issues) {}

    /** A mail's turn: how long to wait, or that it should be deferred by that long (not reserved). */
    record Slot(long delayNanos, boolean reserved) {
        static final Slot NOW = new Slot(0, true);
    }

    private static final long SECOND = 1_000_000_000L;
    private static final int ISSUES_KEPT = 8;

    private final double minRate;
    private final long guardNanos;
    private final long maxWaitNanos;
    private final Map<String, State> throttled = new ConcurrentHashMap<>();
    private volatile Map<String, LongAdder> current = new ConcurrentHashMap<>();
    private volatile Map<String, LongAdder> previous = Map.of();

    private static final class State {
        final double ceiling;
        final long since;
        double rate;
        long next;
        long lastCut;
        String lastReply;
        final Set<UUID> issues = new LinkedHashSet<>();

        State(double ceiling, long since) {
            this.ceiling = ceiling;
            this.rate = ceiling;
            this.since = since;
            this.lastCut = Long.MIN_VALUE / 2;
        }
    }

    DomainThrottle(double minRate, Duration guard, Duration maxWait) {
        this.minRate = Math.max(0.01, minRate);
        this.guardNanos = guard.toNanos();
        this.maxWaitNanos = maxWait.toNanos();
    }

    /** The turn of a mail to {@code domain} (lower case) at {@code now}; counts it for the domain's rate. */
    Slot reserve(String domain, long now) {
        current.computeIfAbsent(domain, d -> new LongAdder()).increment();
        State state = throttled.get(domain);
        if (state == null) {
            return Slot.NOW;
        }
        synchronized (state) {
            long slot = Math.max(now, state.next);
            long delay = slot - now;
            if (delay > maxWaitNanos) {
                return new Slot(delay, false);
            }
            state.next = slot + interval(state.rate);
            return delay == 0 ? Slot.NOW : new Slot(delay, true);
        }
    }

    /** The domain answered with a throttle: halve its rate (once per {@code guard}). */
    void cut(String domain, long now, String reply, UUID issueId) {
        State state = throttled.computeIfAbsent(domain, d -> new State(startingRate(d), now));
        synchronized (state) {
            state.lastReply = reply;
            if (issueId != null) {
                state.issues.remove(issueId);
                state.issues.add(issueId);
                if (state.issues.size() > ISSUES_KEPT) {
                    state.issues.remove(state.issues.iterator().next());
                }
            }
            if (now - state.lastCut < guardNanos) {
                return;
            }
            state.lastCut = now;
            state.rate = Math.max(minRate, state.rate / 2);
            state.next = Math.max(state.next, now + interval(state.rate));
        }
    }

    /**
     * Once a second: additive increase for domains not throttled for {@code guard}; a domain back at
     * its starting rate is free again. Also turns the per-second counts over.
     */
    void tick(long now) {
        previous = current;
        current = new ConcurrentHashMap<>();
        throttled.entrySet().removeIf(entry -> {
            State state = entry.getValue();
            synchronized (state) {
                if (now - state.lastCut < Math.max(guardNanos, SECOND)) {
                    return false;
                }
                state.rate += Math.max(minRate, state.ceiling / 10);
                return state.rate >= state.ceiling;
            }
        });
    }

    /** The domain's rate now (mails per second), or infinity when it is not throttled. */
    double rate(String domain) {
        State state = throttled.get(domain);
        if (state == null) {
            return Double.POSITIVE_INFINITY;
        }
        synchronized (state) {
            return state.rate;
        }
    }

    List<View> views() {
        List<View> views = new ArrayList<>();
        throttled.forEach((domain, state) -> {
            synchronized (state) {
                views.add(new View(
                        domain,
                        state.rate,
                        state.ceiling,
                        state.since,
                        state.lastReply,
                        Collections.unmodifiableList(new ArrayList<>(state.issues))));
            }
        });
        return views;
    }

    int size() {
        return throttled.size();
    }

    /** What the domain was being sent at over the last full second (at least twice the floor). */
    private double startingRate(String domain) {
        LongAdder last = previous.get(domain);
        LongAdder now = current.get(domain);
        long sent = Math.max(last == null ? 0 : last.sum(), now == null ? 0 : now.sum());
        return Math.max(2 * minRate, sent);
    }

    private static long interval(double rate) {
        return (long) (SECOND / rate);
    }
}

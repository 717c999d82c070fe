package dev.tidings.delivery;

import dev.tidings.config.TidingsConfig;
import dev.tidings.delivery.smtp.SmtpClient;
import dev.tidings.delivery.smtp.SmtpFault;
import dev.tidings.delivery.smtp.SmtpReplyException;
import dev.tidings.delivery.smtp.SmtpSettings;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The SMTP relays bulk mail goes through ({@code tidings.relays.<name>.*}; without any, the one of
 * {@code quarkus.mailer.*}, named {@value #DEFAULT}). For each mail it chooses a relay: the
 * newsletter's pinned one, or one of the shared relays by weight, preferring healthy relays with
 * room in their hourly and daily windows ({@link RelayWindows}, shared by all instances). A relay
 * that cannot be reached or refuses the session is marked down for a while (5 s, doubling up to 5
 * minutes) and the mail moves to the next relay ({@link MailTransport}). When every candidate's
 * window is used up the mail waits for the earliest window to open ({@link RateLimits.Later}).
 */
@ApplicationScoped
public class Relays {

    private static final Logger LOG = Logger.getLogger(Relays.class);
    static final String DEFAULT = "default";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Duration FIRST_DOWN = Duration.ofSeconds(5);
    private static final Duration LONGEST_DOWN = Duration.ofMinutes(5);

    /** One relay: its connection pool, share, limits and health on this instance. */
    public static final class Relay {
        final String name;
        final SmtpClient client;
        final int weight;
        final boolean shared;
        final Set<String> accounts;
        final Window hour;
        final Window day;
        final LongAdder sent = new LongAdder();
        final LongAdder faults = new LongAdder();
        private long downUntil;
        private int downs;
        private String lastFault;

        Relay(String name, SmtpClient client, int weight, Set<String> accounts, Window hour, Window day) {
            this.name = name;
            this.client = client;
            this.weight = Math.max(1, weight);
            this.accounts = accounts;
            this.shared = accounts.isEmpty();
            this.hour = hour;
            this.day = day;
        }

        public String name() {
            return name;
        }

        synchronized boolean healthy(long now) {
            return now >= downUntil;
        }

        synchronized void down(String why, long now) {
            long wait = Math.min(LONGEST_DOWN.toNanos(), FIRST_DOWN.toNanos() << Math.min(downs, 10));
            downUntil = now + wait;
            downs++;
            lastFault = why;
            faults.increment();
        }

        synchronized void up() {
            downs = 0;
            downUntil = 0;
        }

        synchronized String lastFault() {
            return lastFault;
        }
    }

    /** A relay's hourly or daily window on this instance: tokens taken in blocks from the shared count. */
    final class Window {
        final String relay;
        final String period;
        final int limit;
        private Instant start;
        private int tokens;
        private volatile boolean full;

        Window(String relay, String period, int limit) {
            this.relay = relay;
            this.period = period;
            this.limit = limit;
        }

        Instant startOf(Instant now) {
            return period.equals("hour") ? now.truncatedTo(ChronoUnit.HOURS) : now.truncatedTo(ChronoUnit.DAYS);
        }

        Instant end(Instant now) {
            return startOf(now).plus(period.equals("hour") ? Duration.ofHours(1) : Duration.ofDays(1));
        }

        /** True if a mail may go through the relay in this window now. */
        Uni<Boolean> take(Instant now) {
            Instant computed = startOf(now);
            Instant current;
            synchronized (this) {
                // A mail whose clock was read before the window turned counts in the new one: going
                // back would drop the tokens this instance holds for the new window.
                current = start != null && computed.isBefore(start) ? start : computed;
                if (!current.equals(start)) {
                    start = current;
                    tokens = 0;
                    full = false;
                }
                if (tokens > 0) {
                    tokens--;
                    return TRUE;
                }
                if (full) {
                    return FALSE;
                }
            }
            int block = Math.max(1, Math.min(50, limit / 20));
            return windows.take(relay, period, current, block, limit).map(granted -> {
                synchronized (this) {
                    if (!current.equals(start)) {
                        return granted > 0;
                    }
                    if (granted == 0) {
                        full = true;
                        // Concurrent fetches may have brought tokens while this one found the count
                        // used up: they are this instance's to spend.
                        if (tokens > 0) {
                            tokens--;
                            return true;
                        }
                        return false;
                    }
                    tokens += granted - 1;
                    return true;
                }
            });
        }
    }

    private static final Uni<Boolean> TRUE = Uni.createFrom().item(true);
    private static final Uni<Boolean> FALSE = Uni.createFrom().item(false);

    private final Map<String, Relay> relays = new LinkedHashMap<>();
    private final Set<String> unknownPins = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final List<Relay> sharedRelays = new ArrayList<>();
    private final RelayWindows windows;
    private final RelayClock clock;
    private final DeliveryMetrics metrics;

    public Relays(
            TidingsConfig config,
            SmtpSettings settings,
            SmtpClient mailerRelay,
            Vertx vertx,
            RelayWindows windows,
            RelayClock clock,
            DeliveryMetrics metrics) {
        this.windows = windows;
        this.clock = clock;
        this.metrics = metrics;
        if (config.relays().isEmpty()) {
            add(new Relay(DEFAULT, mailerRelay, 1, Set.of(), null, null));
        } else {
            config.relays().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(entry -> add(relay(entry.getKey(), entry.getValue(), settings, vertx)));
        }
        if (sharedRelays.isEmpty()) {
            throw new ConfigurationException(
                    "tidings.relays: at least one relay must be shared (without an accounts list)");
        }
    }

    private Relay relay(String name, TidingsConfig.Relay config, SmtpSettings settings, Vertx vertx) {
        if (!NAME.matcher(name).matches()) {
            throw new ConfigurationException(
                    "tidings.relays." + name + ": a relay name is 1 to 64 letters, digits," + " '-' or '_'");
        }
        Set<String> accounts = config.accounts()
                .map(list -> list.stream()
                        .map(a -> a.strip().toLowerCase(Locale.ROOT))
                        .filter(a -> !a.isEmpty())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet()))
                .orElse(Set.of());
        return new Relay(
                name,
                new SmtpClient(vertx, settings.forRelay(name, config)),
                config.weight(),
                accounts,
                config.perHour().isPresent()
                        ? new Window(name, "hour", config.perHour().getAsInt())
                        : null,
                config.perDay().isPresent()
                        ? new Window(name, "day", config.perDay().getAsInt())
                        : null);
    }

    private void add(Relay relay) {
        relays.put(relay.name, relay);
        if (relay.shared) {
            sharedRelays.add(relay);
        }
    }

    /** The relay of that name, or null. */
    Relay byName(String name) {
        return relays.get(name);
    }

    /** Every relay, in name order. */
    Collection<Relay> all() {
        return relays.values();
    }

    /** The relays a newsletter's mail may go through: its pinned relay, or the shared ones. */
    List<Relay> candidates(String pinned) {
        if (pinned != null) {
            Relay relay = relays.get(pinned);
            if (relay != null) {
                return List.of(relay);
            }
            if (unknownPins.add(pinned)) {
                // Once per name: this runs for every mail of such a newsletter.
                LOG.warnf("relay %s is pinned by a newsletter but not configured; the shared relays are used", pinned);
            }
        }
        return sharedRelays;
    }

    /**
     * The relay for the next attempt among the candidates not yet tried: healthy ones first (all,
     * if none is), in a weighted random order, the first with room in its windows. Null when every
     * candidate was tried; fails with {@link RateLimits.Later} when the windows of all are used up.
     */
    Uni<Relay> choose(String pinned, Set<String> tried) {
        List<Relay> untried = new ArrayList<>();
        for (Relay r : candidates(pinned)) {
            if (!tried.contains(r.name)) {
                untried.add(r);
            }
        }
        if (untried.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        long now = System.nanoTime();
        List<Relay> healthy = untried.stream().filter(r -> r.healthy(now)).toList();
        List<Relay> order = weightedOrder(healthy.isEmpty() ? untried : healthy);
        return firstWithRoom(order, 0, clock.now());
    }

    private Uni<Relay> firstWithRoom(List<Relay> order, int i, Instant now) {
        if (i == order.size()) {
            Relay soonest = null;
            Instant opens = null;
            for (Relay r : order) {
                Instant end = fullUntil(r, now);
                if (opens == null || end.isBefore(opens)) {
                    opens = end;
                    soonest = r;
                }
            }
            return Uni.createFrom()
                    .failure(new RateLimits.Later(
                            opens,
                            "waiting: the " + window(soonest, now) + " limit of relay " + soonest.name
                                    + " is used up until " + opens));
        }
        Relay relay = order.get(i);
        return room(relay, now).flatMap(ok -> ok ? Uni.createFrom().item(relay) : firstWithRoom(order, i + 1, now));
    }

    private Uni<Boolean> room(Relay relay, Instant now) {
        Uni<Boolean> hour = relay.hour == null ? TRUE : relay.hour.take(now);
        return hour.flatMap(ok -> !ok || relay.day == null ? Uni.createFrom().item(ok) : relay.day.take(now));
    }

    private static Instant fullUntil(Relay relay, Instant now) {
        Instant until = now.plusSeconds(60);
        if (relay.hour != null && relay.hour.full) {
            until = relay.hour.end(now);
        }
        if (relay.day != null && relay.day.full) {
            until = relay.day.end(now);
        }
        return until;
    }

    private static String window(Relay relay, Instant now) {
        if (relay.day != null && relay.day.full) {
            return "daily (" + relay.day.limit + ")";
        }
        return relay.hour != null ? "hourly (" + relay.hour.limit + ")" : "sending";
    }

    private static List<Relay> weightedOrder(List<Relay> pool) {
        List<Relay> left = new ArrayList<>(pool);
        List<Relay> order = new ArrayList<>(pool.size());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!left.isEmpty()) {
            int total = left.stream().mapToInt(r -> r.weight).sum();
            int pick = random.nextInt(total);
            for (int i = 0; i < left.size(); i++) {
                pick -= left.get(i).weight;
                if (pick < 0) {
                    order.add(left.remove(i));
                    break;
                }
            }
        }
        return order;
    }

    /**
     * Whether a failure is about the relay rather than the mail: it could not be reached, broke
     * before the message was handed over, or refused the session (greeting, EHLO, TLS, login).
     * Such a mail moves to the next relay.
     */
    static boolean isRelayFault(Throwable failure) {
        return (failure instanceof SmtpFault fault && fault.beforeData())
                || (failure instanceof SmtpReplyException reply && reply.stage() == SmtpReplyException.Stage.SESSION);
    }

    void succeeded(Relay relay) {
        relay.sent.increment();
        relay.up();
        metrics.relay(relay.name, "sent");
    }

    void failed(Relay relay, Throwable failure) {
        if (isRelayFault(failure)) {
            relay.down(failure.getMessage(), System.nanoTime());
            metrics.relay(relay.name, "fault");
        } else {
            metrics.relay(relay.name, "refused");
        }
    }

    /** The start of the current hour and day of the relay clock (for the usage view). */
    Instant[] currentWindows() {
        Instant now = clock.now();
        return new Instant[] {now.truncatedTo(ChronoUnit.HOURS), now.truncatedTo(ChronoUnit.DAYS)};
    }

    boolean healthy(Relay relay) {
        return relay.healthy(System.nanoTime());
    }

    /** Relay windows long over are forgotten. */
    @io.quarkus.scheduler.Scheduled(
            every = "1h",
            delayed = "1m",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tidy() {
        return windows.forgetOld().onFailure().recoverWithNull();
    }

    void closeClients(@Observes ShutdownEvent event) {
        relays.values().stream().filter(r -> !r.name.equals(DEFAULT)).forEach(r -> r.client.close());
    }
}

package dev.tidings.engagement;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tidings.common.EngagementEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * The consumer group {@code tidings-engagement} on {@code tidings.events}: each polled batch is
 * stored in one transaction ({@link EngagementStore#apply}), and only then acknowledged. A batch
 * that cannot be stored (the database is away) is tried again with a growing pause, never
 * skipped; a record that is not an event is logged and skipped.
 */
@ApplicationScoped
public class EngagementConsumer {

    private static final Logger LOG = Logger.getLogger(EngagementConsumer.class);

    private final EngagementStore store;
    private final ObjectMapper json;

    public EngagementConsumer(EngagementStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    @Incoming("events")
    public Uni<Void> consume(List<String> records) {
        List<EngagementEvent> events = new ArrayList<>(records.size());
        for (String record : records) {
            try {
                EngagementEvent event = json.readValue(record, EngagementEvent.class);
                if (event.id() != null && event.type() != null && event.at() != null) {
                    events.add(event);
                    continue;
                }
            } catch (Exception e) {
                // fall through: not an event
            }
            LOG.warnf("skipped a record on %s that is not an engagement event", EngagementEvent.TOPIC);
        }
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return store.apply(events)
                .onFailure()
                .invoke(e ->
                        LOG.warnf("could not store %d engagement events, retrying: %s", events.size(), e.toString()))
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(30))
                .indefinitely();
    }
}

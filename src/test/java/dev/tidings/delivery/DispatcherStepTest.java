package dev.tidings.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.delivery.IssueLifecycle.DispatchState;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Which step the dispatcher takes for an issue it has locked, from its dispatch columns alone. */
class DispatcherStepTest {

    private static final OffsetDateTime AT = OffsetDateTime.parse("2026-11-29T12:00:00Z");
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    private static DispatchState state(UUID planned, UUID produced, boolean requeue) {
        return new DispatchState(
                UUID.randomUUID(),
                UUID.randomUUID(),
                AT,
                planned == null ? null : AT,
                planned,
                produced == null ? null : AT,
                produced,
                requeue,
                null,
                null);
    }

    @Test
    void aFreshIssueIsPlanned() {
        assertThat(Dispatcher.Step.of(state(null, null, false))).isEqualTo(Dispatcher.Step.PLAN);
        assertThat(Dispatcher.Step.of(state(A, A, false))).isEqualTo(Dispatcher.Step.PLAN);
    }

    @Test
    void aBatchPlannedButNotProducedIsProducedAgainFirstEvenDuringARequeue() {
        assertThat(Dispatcher.Step.of(state(B, A, false))).isEqualTo(Dispatcher.Step.REPRODUCE);
        assertThat(Dispatcher.Step.of(state(A, null, false))).isEqualTo(Dispatcher.Step.REPRODUCE);
        assertThat(Dispatcher.Step.of(state(B, A, true))).isEqualTo(Dispatcher.Step.REPRODUCE);
    }

    @Test
    void aResumedIssueRequeuesBeforePlanningMore() {
        assertThat(Dispatcher.Step.of(state(A, A, true))).isEqualTo(Dispatcher.Step.REQUEUE);
    }

    @Test
    void theClaimBoundTheRestartTestChecksIsTheConsumers() {
        assertThat(SendConsumer.maxClaimed(64, 100)).isEqualTo(4 * 64 + 2 * 100 + SendConsumer.CLAIMS_IN_FLIGHT * 100);
    }
}

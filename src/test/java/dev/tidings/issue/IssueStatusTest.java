package dev.tidings.issue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tidings.issue.IssueStatus.Transition;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The moves of an issue's life, and nothing else. */
class IssueStatusTest {

    @Test
    void everyStatusMovesOnlyWhereATransitionLeads() {
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.DRAFT::canBecome))
                .containsExactlyInAnyOrder(IssueStatus.SENDING, IssueStatus.SCHEDULED);
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.SCHEDULED::canBecome))
                .containsExactlyInAnyOrder(IssueStatus.SENDING, IssueStatus.CANCELLED);
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.SENDING::canBecome))
                .containsExactlyInAnyOrder(IssueStatus.PAUSED, IssueStatus.SENT, IssueStatus.CANCELLED);
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.PAUSED::canBecome))
                .containsExactlyInAnyOrder(IssueStatus.SENDING, IssueStatus.CANCELLED);
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.SENT::canBecome))
                .isEmpty();
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus.CANCELLED::canBecome))
                .isEmpty();
    }

    @Test
    void publishingStartsOnlyFromADraftAndResumeOnlyFromPaused() {
        assertThat(Transition.PUBLISH.allowedFrom(IssueStatus.DRAFT)).isTrue();
        assertThat(Transition.PUBLISH.allowedFrom(IssueStatus.SCHEDULED)).isFalse();
        assertThat(Transition.RESUME.fromWire()).containsExactly("paused");
        assertThat(Transition.START.fromWire()).containsExactly("scheduled");
        assertThat(Transition.CANCEL.fromWire()).containsExactlyInAnyOrder("scheduled", "sending", "paused");
    }

    @Test
    void onlyDraftsAndScheduledIssuesAreEditable() {
        assertThat(EnumSet.allOf(IssueStatus.class).stream().filter(IssueStatus::isEditable))
                .containsExactlyInAnyOrder(IssueStatus.DRAFT, IssueStatus.SCHEDULED);
    }
}

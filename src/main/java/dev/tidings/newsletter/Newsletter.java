package dev.tidings.newsletter;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A publication: its public slug, its sender identity and whether sign-ups need confirming. */
@Entity
@Table(name = "newsletter")
public class Newsletter {

    @Id
    public UUID id;

    @Column(name = "account_id")
    public UUID accountId;

    public String slug;

    public String name;

    @Column(name = "from_name")
    public String fromName;

    @Column(name = "from_email")
    public String fromEmail;

    @Column(name = "reply_to")
    public String replyTo;

    @Column(name = "double_opt_in")
    public boolean doubleOptIn;

    @Column(name = "track_opens")
    public boolean trackOpens;

    @Column(name = "track_clicks")
    public boolean trackClicks;

    /** The relay this newsletter's mail goes through (a configured relay's name), or null: the shared relays. */
    @Column(name = "relay")
    public String relay;

    @Column(name = "created_at")
    public Instant createdAt;
}

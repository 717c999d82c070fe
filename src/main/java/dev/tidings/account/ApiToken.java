package dev.tidings.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A named API token of an account; only its hash is kept. */
@Entity
@Table(name = "api_token")
public class ApiToken {

    @Id
    public UUID id;

    @Column(name = "account_id")
    public UUID accountId;

    public String name;

    @Column(name = "token_hash")
    public String tokenHash;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;
}

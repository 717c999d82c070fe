package dev.tidings.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** An emailed six-digit code, stored hashed. */
@Entity
@Table(name = "account_code")
public class AccountCode {

    public enum Purpose {
        VERIFY,
        RESET
    }

    @Id
    public UUID id;

    @Column(name = "account_id")
    public UUID accountId;

    @Enumerated(EnumType.STRING)
    public Purpose purpose;

    @Column(name = "code_hash")
    public String codeHash;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    public int attempts;

    @Column(name = "used_at")
    public Instant usedAt;
}

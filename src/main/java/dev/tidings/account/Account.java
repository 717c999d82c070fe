package dev.tidings.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A writer. The email address is the username. */
@Entity
@Table(name = "account")
public class Account {

    @Id
    public UUID id;

    public String email;

    public String name;

    @Column(name = "password_hash")
    public String passwordHash;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "verified_at")
    public Instant verifiedAt;

    public boolean isVerified() {
        return verifiedAt != null;
    }
}

-- Sender identity and bounces (issue 15).

-- A domain a writer sends from: its DKIM key pair (the private key encrypted with
-- tidings.sender.key-encryption-key, AES-256-GCM: nonce || ciphertext || tag), the DNS records to
-- publish and what the last check found. One account per domain (the first to add it); a domain
-- left pending for tidings.sender.pending-ttl is released.
-- status: pending (never verified) -> verified (the DKIM and return-path records found)
--         -> failing (a later check no longer found them; verified again once they are back).
CREATE TABLE sender_domain (
    id           uuid PRIMARY KEY,
    account_id   uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    domain       text        NOT NULL CHECK (length(domain) <= 253),
    selector     text        NOT NULL CHECK (length(selector) <= 63),
    public_key   text        NOT NULL,
    private_key  bytea       NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'failing')),
    checks       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    checked_at   timestamptz,
    verified_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sender_domain_name ON sender_domain (domain);
CREATE INDEX sender_domain_account ON sender_domain (account_id, created_at DESC, id DESC);
CREATE INDEX sender_domain_checked ON sender_domain (checked_at NULLS FIRST);

-- When a provider (SES, Postmark, Mailgun, SendGrid) confirmed the mail reached the receiving
-- server; a bounce or complaint reported later still changes the send's status.
ALTER TABLE send ADD COLUMN delivered_at timestamptz;

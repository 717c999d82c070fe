-- Writers' accounts: the email address is the username, unique case-insensitively.
CREATE TABLE account (
    id            uuid PRIMARY KEY,
    email         text        NOT NULL CHECK (length(email) <= 254),
    name          text        CHECK (length(name) <= 100),
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    verified_at   timestamptz
);
CREATE UNIQUE INDEX account_email_unique ON account (lower(email));

-- Emailed six-digit codes (sign-up verification, password reset), stored hashed. Only the newest
-- code of an account and purpose counts.
CREATE TABLE account_code (
    id          uuid PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('VERIFY', 'RESET')),
    code_hash   text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    attempts    integer     NOT NULL DEFAULT 0,
    used_at     timestamptz
);
CREATE INDEX account_code_newest ON account_code (account_id, purpose, created_at DESC);

-- Login sessions: the cookie holds a random token, the table its SHA-256. Rows (not signed
-- cookies) so that logout and password reset end sessions on every replica at once.
CREATE TABLE login_session (
    id          uuid PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    token_hash  text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX login_session_account ON login_session (account_id);
CREATE INDEX login_session_expiry ON login_session (expires_at);

-- API tokens for scripts: shown once, stored as SHA-256, revocable.
CREATE TABLE api_token (
    id            uuid PRIMARY KEY,
    account_id    uuid        NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    name          text        NOT NULL CHECK (length(name) <= 100),
    token_hash    text        NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL,
    last_used_at  timestamptz
);
CREATE INDEX api_token_account_page ON api_token (account_id, created_at DESC, id DESC);

-- Fixed-window counters shared by all replicas (login throttling, later signup limits).
CREATE TABLE rate_limit (
    key           text PRIMARY KEY,
    window_start  timestamptz NOT NULL,
    hits          integer     NOT NULL
);

-- Hardening (issue 10).

-- One running import per account: a second upload is refused (409) while one runs, even when
-- both arrive at once. Interrupted imports that are still marked running are closed first.
ALTER TABLE subscriber_import ADD COLUMN account_id uuid REFERENCES account (id) ON DELETE CASCADE;
UPDATE subscriber_import i SET account_id = n.account_id FROM newsletter n WHERE n.id = i.newsletter_id;
ALTER TABLE subscriber_import ALTER COLUMN account_id SET NOT NULL;
UPDATE subscriber_import SET status = 'failed', finished_at = now(),
    message = 'The import was interrupted (the server stopped); upload the file again'
WHERE status = 'running';
CREATE UNIQUE INDEX subscriber_import_one_running ON subscriber_import (account_id) WHERE status = 'running';
-- Pending subscribers an import created without a confirmation mail (the account's quota was used up).
ALTER TABLE subscriber_import ADD COLUMN confirmations_not_sent integer NOT NULL DEFAULT 0;

-- Per newsletter, the people who unsubscribed or complained and were then erased: only a keyed
-- hash of the address (HMAC-SHA256, key in service_secret 'suppression'), never the address.
CREATE TABLE suppression (
    newsletter_id  uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    address_hash   text        NOT NULL,
    reason         text        NOT NULL CHECK (reason IN ('unsubscribed', 'complained')),
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (newsletter_id, address_hash)
);

-- Slugs a newsletter had before: links in mails sent under an old slug keep working for it
-- (and only for it).
CREATE TABLE newsletter_former_slug (
    newsletter_id  uuid        NOT NULL REFERENCES newsletter (id) ON DELETE CASCADE,
    slug           text        NOT NULL,
    retired_at     timestamptz NOT NULL,
    PRIMARY KEY (newsletter_id, slug)
);

-- The two partial indexes of claimed sends as one.
DROP INDEX send_lease;
DROP INDEX send_claimed_by;
CREATE INDEX send_claims ON send (claimed_by, lease_until) WHERE status = 'sending';

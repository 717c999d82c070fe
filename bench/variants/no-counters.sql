-- Measurement only: what the send_count triggers cost (the delivery view needs them).
DROP TRIGGER send_count_insert ON send;
DROP TRIGGER send_count_update ON send;
DROP TRIGGER send_count_delete ON send;

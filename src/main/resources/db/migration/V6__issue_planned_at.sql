-- When the last planning batch of an issue was committed. A batch planned but not yet produced
-- (planned_upto <> produced_upto) is put on Kafka again by another replica only once this is old
-- enough that its planner must have died; before, a second replica re-produced batches that the
-- first was still producing, every time the two overlapped.
ALTER TABLE issue ADD COLUMN planned_at timestamptz;

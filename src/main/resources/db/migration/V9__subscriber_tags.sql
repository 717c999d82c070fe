-- Tags per subscriber (a subscriber belongs to one newsletter, so tags are per newsletter):
-- lower-case names, kept sorted and unique by the application. The GIN index serves the audience
-- rules ({"tag": "x"} is tags @> ARRAY['x']) and the tag counts.
ALTER TABLE subscriber ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX subscriber_tags ON subscriber USING gin (tags);

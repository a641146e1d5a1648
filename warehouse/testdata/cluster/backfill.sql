-- Backfills run once, through the Distributed tables.
INSERT INTO ${db}.survey_facts (interaction_key, survey_id)
SELECT cityHash64(interaction_id) AS interaction_key, survey_id
FROM ${db}.surveys

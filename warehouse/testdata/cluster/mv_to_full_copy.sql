CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.survey_facts_from_surveys TO ${db}.survey_facts AS
SELECT cityHash64(interaction_id) AS interaction_key, survey_id, version
FROM ${db}.surveys

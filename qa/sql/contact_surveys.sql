-- Surveys of a contact. Parameter: contact id.
SELECT survey_id, score, answered_at, comment
FROM ${db}.surveys_latest
WHERE interaction_id = ?
ORDER BY answered_at, survey_id

-- What the current runs of earlier months recorded, for the streak flags. Parameters: first
-- month (inclusive), last month (exclusive).
SELECT month, agent_id, first_place, failing, last_place
FROM ${db}.monthly_grades_current
WHERE month >= toDate(?) AND month < toDate(?)

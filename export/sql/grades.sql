-- Every agent's current grade for a month, with the flags and who computed and approved it
-- (monthly_grades_current, package scorecard). Parameter: the month's first day.
SELECT *
FROM ${db}.monthly_grades_current
WHERE month = toDate(?)
ORDER BY team, rank_in_team, agent_id

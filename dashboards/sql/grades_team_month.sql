-- One team's monthly grades (SPEC §7.5 payroll view, one current row per agent and month).
-- Parameters: month (first day, YYYY-MM-DD), team.
SELECT
    agent_id,
    agent_name,
    team,
    toDate(month) AS month,
    toFloat64(total_score) AS total_score,
    toUInt32(score) AS score,
    grade,
    grade_en,
    toFloat64(pay_factor) AS pay_factor,
    toUInt32(rank_in_team) AS rank_in_team,
    toUInt32(team_size) AS team_size,
    toUInt8(approved) AS approved,
    toUInt32(revision) AS revision
FROM ${db}.payroll_monthly_grades
WHERE month = toDate(?) AND team = ?
ORDER BY rank_in_team, agent_id

-- One agent's current grade for a month, with its run. Parameters: the month's first day, agent_id.
SELECT agent_id, agent_name, team, components_total, adjustments_total, raw_total, total_score, score,
       grade, grade_en, failing, pay_factor, rank_in_team, team_size, first_place, last_place,
       top_streak_3, fail_streak_3, last_place_12m, open_disputes, policy_version, computed_at,
       run_id, revision, approved, computed_by, approved_by, approved_at
FROM ${db}.monthly_grades_current
WHERE month = toDate(?) AND agent_id = ?

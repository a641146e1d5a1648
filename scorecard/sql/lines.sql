-- The scorecard lines (components, then adjustment items) of one agent in one run.
-- Parameters: the month's first day, run_id, agent_id.
SELECT kind, component, label, label_en, component_group, method, metric, value, points, max_points,
       entry_sum, entry_ids, rule
FROM ${db}_payroll.grade_components
WHERE month = toDate(?) AND run_id = ? AND agent_id = ?
ORDER BY position

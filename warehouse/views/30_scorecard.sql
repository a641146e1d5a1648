-- Monthly grades (package scorecard). The data and the payroll views live in ${db}_payroll (see
-- migrations/0030_scorecard.sql for why); these give them their SPEC §7.5 names in ${db} and add
-- the views managers and the CLI read.

-- SPEC §7.5 contract: one current row per (month, agent_id).
CREATE VIEW ${db}.payroll_monthly_grades AS
SELECT month, agent_id, agent_name, team, total_score, score, grade, grade_en, pay_factor,
       rank_in_team, team_size, approved, revision, policy_version, computed_at
FROM ${db}_payroll.payroll_monthly_grades;

-- SPEC §7.5: the component breakdown (month, agent_id, component, value, points, max_points).
CREATE VIEW ${db}.payroll_grade_components AS
SELECT month, agent_id, component, value, points, max_points
FROM ${db}_payroll.payroll_grade_components;

-- Every column of the current run's grades, with the streak flags and who computed and approved.
CREATE VIEW ${db}.monthly_grades_current AS
SELECT month, agent_id, agent_name, team, components_total, adjustments_total, raw_total, total_score,
       score, grade, grade_en, failing, pay_factor, rank_in_team, team_size, first_place, last_place,
       top_streak_3, fail_streak_3, last_place_12m, open_disputes, policy_version, computed_at,
       run_id, revision, approved, computed_by, approved_by, approved_at
FROM ${db}_payroll.monthly_grades
ALL INNER JOIN
(
    SELECT month, run_id, approved, computed_by, approved_by, approved_at
    FROM ${db}_payroll.current_runs
) AS r USING (month, run_id);

-- Every rollup of every month, with its approval, newest first per month: the revision history.
CREATE VIEW ${db}.grade_revisions AS
SELECT month, run_id, revision, policy_version, computed_at, computed_by, agents, note,
       approved, approved_by, approved_at,
       toUInt8(run_id IN (SELECT run_id FROM ${db}_payroll.current_runs)) AS current
FROM ${db}_payroll.grade_runs
ALL LEFT JOIN
(
    SELECT month, run_id, toUInt8(1) AS approved, any(approved_by) AS approved_by, min(approved_at) AS approved_at
    FROM ${db}_payroll.grade_approvals
    GROUP BY month, run_id
) AS r USING (month, run_id)
ORDER BY month, run_id DESC;

-- Monthly scorecard and grades (SPEC §7, package scorecard).
--
-- Manager entries (即时考核) and the policies used live in ${db}. The rollup's results live in a
-- database of their own, ${db}_payroll, with the payroll views, because ClickHouse 18.16 can only
-- grant a user whole databases: the read-only payroll user is given ${db}_payroll and nothing
-- else, so it can never read the raw events, the agents' contacts or the QA reviews. The
-- contract names ${db}.payroll_monthly_grades and ${db}.payroll_grade_components are views over
-- it (views/30_scorecard.sql). See README "Grades and payroll".
--
-- Everything here is append-only: an adjustment is reversed by a new entry, a rollup writes a
-- new run beside the earlier ones, an approval is a row of its own. Nothing is overwritten.

CREATE DATABASE IF NOT EXISTS ${db}_payroll;

-- One row per manager entry. points_micro is in millionths of a point (exact). A reversal is an
-- entry with the opposite points whose `reverses` names the entry it cancels.
CREATE TABLE IF NOT EXISTS ${db}.adjustments (
    id String,
    agent_id String,
    month Date,
    item String,
    points_micro Int64,
    reason String,
    user String,
    created_at DateTime('UTC'),
    reverses String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(month)
ORDER BY (month, agent_id, created_at, id);

-- Every policy a rollup used, by content-hash version, so a past month can be explained with the
-- exact file it was computed with.
CREATE TABLE IF NOT EXISTS ${db}.scorecard_policies (
    version String,
    policy_id String,
    content String,
    loaded_at DateTime('UTC')
) ENGINE = ReplacingMergeTree
ORDER BY version;

-- One row per rollup of a month. revision counts approvals: rollups before the month's first
-- approval are revision 1, a rollup after revision N was approved is revision N+1. A run is
-- visible only once its row here is written, after its grades: a crashed rollup leaves nothing
-- behind that any view shows.
CREATE TABLE IF NOT EXISTS ${db}_payroll.grade_runs (
    month Date,
    run_id UInt64,
    revision UInt32,
    policy_version String,
    computed_at DateTime,
    computed_by String,
    agents UInt32,
    note String
) ENGINE = MergeTree
ORDER BY (month, run_id);

-- One row per approval of a run (`ccqa approve`).
CREATE TABLE IF NOT EXISTS ${db}_payroll.grade_approvals (
    month Date,
    run_id UInt64,
    revision UInt32,
    approved_by String,
    approved_at DateTime
) ENGINE = MergeTree
ORDER BY (month, run_id);

-- One row per agent per run: the scored month.
CREATE TABLE IF NOT EXISTS ${db}_payroll.monthly_grades (
    month Date,
    run_id UInt64,
    revision UInt32,
    agent_id String,
    agent_name String,
    team String,
    components_total Float64,
    adjustments_total Float64,
    raw_total Float64,
    total_score Float64,
    score UInt8,
    grade String,
    grade_en String,
    failing UInt8,
    pay_factor Float64,
    rank_in_team UInt32,
    team_size UInt32,
    first_place UInt8,
    last_place UInt8,
    top_streak_3 UInt8,
    fail_streak_3 UInt8,
    last_place_12m UInt32,
    open_disputes UInt32,
    policy_version String,
    computed_at DateTime
) ENGINE = MergeTree
PARTITION BY toYYYYMM(month)
ORDER BY (month, run_id, agent_id);

-- One row per agent, run and scorecard line: each component, then each adjustment item with
-- entries (kind 'adjustment', value NULL, max_points 0). rule says how the points came about.
CREATE TABLE IF NOT EXISTS ${db}_payroll.grade_components (
    month Date,
    run_id UInt64,
    agent_id String,
    position UInt16,
    kind String,
    component String,
    label String,
    label_en String,
    component_group String,
    method String,
    metric String,
    value Nullable(Float64),
    points Float64,
    max_points Float64,
    entry_sum Float64,
    entry_ids Array(String),
    rule String
) ENGINE = MergeTree
PARTITION BY toYYYYMM(month)
ORDER BY (month, run_id, agent_id, position);

-- The current run of each month: the latest approved run if the month was ever approved (an
-- approved month is frozen: a later rollup is a new revision that payroll sees only once it is
-- approved in turn), else the latest run.
CREATE VIEW IF NOT EXISTS ${db}_payroll.current_runs AS
SELECT month, run_id, revision, policy_version, computed_at, computed_by, agents, approved, approved_by, approved_at
FROM
(
    SELECT month, run_id, revision, policy_version, computed_at, computed_by, agents
    FROM ${db}_payroll.grade_runs
    WHERE run_id IN
    (
        SELECT if(max(approved) = 1, maxIf(run_id, approved = 1), max(run_id))
        FROM
        (
            SELECT month, run_id, toUInt8(run_id IN (SELECT run_id FROM ${db}_payroll.grade_approvals)) AS approved
            FROM ${db}_payroll.grade_runs
        )
        GROUP BY month
    )
) AS l
ALL LEFT JOIN
(
    SELECT month, run_id, toUInt8(1) AS approved, any(approved_by) AS approved_by, min(approved_at) AS approved_at
    FROM ${db}_payroll.grade_approvals
    GROUP BY month, run_id
) AS r USING (month, run_id);

-- SPEC §7.5, contract: exactly one current row per (month, agent_id), with exactly these columns.
CREATE VIEW IF NOT EXISTS ${db}_payroll.payroll_monthly_grades AS
SELECT month, agent_id, agent_name, team, total_score, score, grade, grade_en, pay_factor,
       rank_in_team, team_size, approved, revision, policy_version, computed_at
FROM ${db}_payroll.monthly_grades
ALL INNER JOIN
(
    SELECT month, run_id, approved
    FROM ${db}_payroll.current_runs
) AS r USING (month, run_id);

-- The component breakdown beside it: one row per current (month, agent_id) and scorecard line.
-- Adjustment items appear as component 'adjustment:<item>' with value NULL and max_points 0, so
-- that sum(points) over an agent's rows is the total before clamping to 0–100.
CREATE VIEW IF NOT EXISTS ${db}_payroll.payroll_grade_components AS
SELECT month, agent_id, if(kind = 'adjustment', concat('adjustment:', component), component) AS component,
       value, points, max_points
FROM ${db}_payroll.grade_components
ALL INNER JOIN
(
    SELECT month, run_id
    FROM ${db}_payroll.current_runs
) AS r USING (month, run_id);

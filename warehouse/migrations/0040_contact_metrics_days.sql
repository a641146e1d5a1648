-- Day aggregates of the month builds (metrics: sql/contact_days.sql, sql/days_part.sql).
--
-- contact_metrics_days holds, per business month, agent and business day, the sums and counts
-- of that agent's contacts in contact_metrics, the per-contact FRT and resolution times (so a
-- p90 over any set of days and agents is exact) and the distinct customers of the handled
-- inquiry contacts (so a distinct count over days is exact). Agent- and team-level reads
-- (metrics.Rows; the dashboards' team means over 12 months) pool these rows instead of scanning
-- every contact: a team's year is ~18k rows instead of ~500k. Every month build computes the
-- month's rows from its scratch copy of contact_metrics and swaps them in with REPLACE
-- PARTITION together with contact_metrics, so the two always describe the same contacts.
-- answered_in_sl is for the default service-level T (20 s); a query with another T reads per
-- contact.
--
-- build_team is the agent's team in the agents import at build time. It only orders the rows:
-- a team's rows lie together, so a team read touches its own compressed blocks and not every
-- block of the month (with the rows ordered by agent alone, the 50 agents of a team are spread
-- over all of them). Reads never trust it for membership: they select the agents of the team
-- as of now and use build_team only to skip blocks (the teams those agents had when built), so
-- an agent moved since the build is counted for the new team, only a little slower.
CREATE TABLE IF NOT EXISTS ${db}.contact_metrics_days (
    build_team String,
    month Date,
    day Date,
    agent_id String,
    contacts UInt64,
    asa_n UInt64,
    asa_sum Int64,
    offered_calls UInt64,
    answered_in_sl UInt64,
    abandoned_calls UInt64,
    frt_n UInt64,
    frt_sum Int64,
    frt_values Array(Int64),
    art_n UInt64,
    art_sum Int64,
    aht_n UInt64,
    aht_sum Float64,
    resolution_n UInt64,
    resolution_sum Int64,
    resolution_values Array(Int64),
    fcr_count UInt64,
    csat_n UInt64,
    csat_satisfied UInt64,
    csat_score_sum UInt64,
    complaints_count UInt64,
    inquiry_customer_ids Array(String)
) ENGINE = MergeTree
PARTITION BY month
ORDER BY (build_team, agent_id, day)
SETTINGS index_granularity = 256;

-- The months built before this migration have no day rows: mark their builds as made in no time
-- zone, so that metrics.EnsureBuilt (which rebuilds a month built in another zone than the
-- current one) rebuilds each of them, with its day rows, on its next read. A backfill here
-- could not know the business zone (migrations run without it), and a day is a date in it.
INSERT INTO ${db}.contact_metrics_builds (month, tz, seen_until, built_at, version)
SELECT month, '' AS tz, toDateTime(0, 'UTC') AS seen_until, toDateTime(now(), 'UTC') AS built_at, max(version) + 1 AS version
FROM ${db}.contact_metrics_builds
GROUP BY month;

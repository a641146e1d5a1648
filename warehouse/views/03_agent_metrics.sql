-- Per agent and month (business time zone ${tz}): the SPEC §5 metrics with their sample sizes.
-- A metric without data is NULL, never 0.
--   contacts     answered calls + chats handled by the agent
--   asa_seconds  mean(answered_at - offered_at) over answered calls (asa_n of them)
--   aht_seconds  mean handle time over handled contacts (aht_n): calls (ended_at - answered_at)
--                + acw_seconds, chats ended_at - started_at
--   csat         satisfied surveys (score >= 4) / surveys (csat_n), surveys attributed to the
--                agent and month of the contact they rate; csat_mean is the mean score

CREATE VIEW ${db}.agent_metrics_month AS
SELECT
    month,
    agent_id,
    contacts,
    asa_n,
    if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
    aht_n,
    if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
    csat_n,
    if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
    if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean
FROM
(
    SELECT
        month,
        agent_id,
        count() AS contacts,
        countIf(channel = 'call') AS asa_n,
        sumIf(wait_seconds, channel = 'call') AS asa_sum,
        count() AS aht_n,
        sum(handle_seconds) AS aht_sum
    FROM ${db}.contacts
    WHERE handled = 1
    GROUP BY month, agent_id
)
ALL LEFT JOIN
(
    SELECT
        month,
        agent_id,
        count() AS csat_n,
        countIf(score >= 4) AS csat_satisfied,
        sum(score) AS csat_score_sum
    FROM
    (
        SELECT interaction_id AS contact_id, score
        FROM ${db}.surveys_latest
    )
    ALL INNER JOIN
    (
        SELECT contact_id, agent_id, month
        FROM ${db}.contacts
        WHERE handled = 1
    ) USING (contact_id)
    GROUP BY month, agent_id
) USING (month, agent_id);

-- The raw-scan alternative the benchmark compares against: the foundation's agent_metrics_month
-- (contacts, ASA, AHT and CSAT only), computed from the raw tables de-duplicated with
-- LIMIT 1 BY (the *_latest views) at query time, for one month. Parameter: the month's first day.
SELECT month, agent_id, contacts, asa_n, if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
       aht_n, if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
       csat_n, if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat
FROM
(
    SELECT month, agent_id, count() AS contacts, countIf(channel = 'call') AS asa_n,
           sumIf(wait_seconds, channel = 'call') AS asa_sum, count() AS aht_n, sum(handle_seconds) AS aht_sum
    FROM ${db}.contacts
    WHERE handled = 1 AND month = toDate('${month}')
    GROUP BY month, agent_id
) AS l
ALL LEFT JOIN
(
    SELECT month, agent_id, count() AS csat_n, countIf(score >= 4) AS csat_satisfied
    FROM
    (
        SELECT interaction_id AS contact_id, score
        FROM ${db}.surveys_latest
    ) AS s
    ALL INNER JOIN
    (
        SELECT contact_id, agent_id, month
        FROM ${db}.contacts
        WHERE handled = 1 AND month = toDate('${month}')
    ) AS c USING (contact_id)
    GROUP BY month, agent_id
) AS r USING (month, agent_id)

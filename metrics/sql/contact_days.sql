-- The day aggregates of one month build (contact_metrics_days, warehouse migration 0040): per
-- agent and business day of the contacts of {{source}} (a table shaped like contact_metrics, the
-- build's scratch table), the sums and counts of sql/contact_part.sql with the service-level T
-- of {{sl_seconds}} (metrics.DefaultServiceLevelSeconds; queries with another T read per
-- contact), the FRT and resolution times of the contacts that have one and the distinct
-- customers of handled inquiry contacts. Contacts without agent count only for queues, which
-- read per contact. build_team is the agent's team in the latest agents import (it orders the
-- rows, see migration 0040). Columns in ContactDaysColumns' order.
SELECT
    month, day, agent_id, contacts, asa_n, asa_sum, offered_calls, answered_in_sl, abandoned_calls, frt_n, frt_sum,
    frt_values, art_n, art_sum, aht_n, aht_sum, resolution_n, resolution_sum, resolution_values, fcr_count, csat_n,
    csat_satisfied, csat_score_sum, complaints_count, inquiry_customer_ids, build_team
FROM
(
    SELECT
        month,
        toDate(start_at, '${tz}') AS day,
        agent_id,
        toUInt64(countIf(handled = 1)) AS contacts,
        toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
        toInt64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
        toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
        toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= {{sl_seconds}})) AS answered_in_sl,
        toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 0)) AS abandoned_calls,
        toUInt64(sum(c_frt_n)) AS frt_n,
        toInt64(sum(c_frt_seconds)) AS frt_sum,
        groupArrayIf(c_frt_seconds, c_frt_n = 1) AS frt_values,
        toUInt64(sum(c_art_n)) AS art_n,
        toInt64(sum(c_art_sum)) AS art_sum,
        toUInt64(countIf(handled = 1)) AS aht_n,
        toFloat64(sumIf(handle_seconds, handled = 1)) AS aht_sum,
        toUInt64(sum(c_res_n)) AS resolution_n,
        toInt64(sum(c_res_seconds)) AS resolution_sum,
        groupArrayIf(c_res_seconds, c_res_n = 1) AS resolution_values,
        toUInt64(countIf(handled = 1 AND resolved = 1 AND repeated = 0)) AS fcr_count,
        toUInt64(sumIf(s_n, handled = 1)) AS csat_n,
        toUInt64(sumIf(s_satisfied, handled = 1)) AS csat_satisfied,
        toUInt64(sumIf(s_score_sum, handled = 1)) AS csat_score_sum,
        toUInt64(countIf(handled = 1 AND complaint = 1)) AS complaints_count,
        groupUniqArrayIf(customer_id, handled = 1 AND inquiry = 1) AS inquiry_customer_ids
    FROM {{source}}
    WHERE agent_id != ''
    GROUP BY month, day, agent_id
) AS day_rows
ALL LEFT JOIN
(
    SELECT agent_id, team AS build_team
    FROM ${db}.agents_latest
) AS agent_teams USING (agent_id)

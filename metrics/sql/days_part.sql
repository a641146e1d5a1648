-- The contacts part of the metrics template (sql/metrics.sql) from the day aggregates: one row
-- per (period, key) pooled from contact_metrics_days, which holds per agent and business day the
-- sums and counts of sql/contact_part.sql, the per-contact FRT and resolution times (for the
-- exact p90) and the distinct customers of inquiry contacts (for an exact distinct count), so
-- every value equals the per-contact form's (sums and counts add up exactly; the p90 and the
-- distinct count are taken over the pooled per-contact values, never combined from per-day
-- results). QA scores change without a month build, so they are read per contact as in the
-- per-contact form, but only for the reviewed contacts. {{days}} are the day rows of the range
-- and filters, {{qa_contacts}} the range's handled contacts that have a QA score; {{frt_p90}} and
-- {{resolution_p90}} the p90 expressions (the nearest rank over the pooled values), or NULL for a
-- query WithoutP90, which then reads none of the arrays of times.
        -- Contacts: one row per (period, key), from the day aggregates.
        SELECT
            {{period}}(day) AS period,
            {{key}} AS k,
            toUInt64(sum(contacts)) AS contacts,
            toUInt64(sum(asa_n)) AS asa_n,
            toFloat64(sum(asa_sum)) AS asa_sum,
            toUInt64(sum(offered_calls)) AS offered_calls,
            toUInt64(sum(answered_in_sl)) AS answered_in_sl,
            toUInt64(sum(abandoned_calls)) AS abandoned_calls,
            toUInt64(sum(frt_n)) AS frt_n,
            toFloat64(sum(frt_sum)) AS frt_sum,
            {{frt_p90}} AS frt_p90_seconds,
            toUInt64(sum(art_n)) AS art_n,
            toFloat64(sum(art_sum)) AS art_sum,
            toUInt64(sum(aht_n)) AS aht_n,
            toFloat64(sum(aht_sum)) AS aht_sum,
            toUInt64(sum(resolution_n)) AS resolution_n,
            toFloat64(sum(resolution_sum)) AS resolution_sum,
            {{resolution_p90}} AS resolution_p90_seconds,
            toUInt64(sum(fcr_count)) AS fcr_count,
            toUInt64(sum(csat_n)) AS csat_n,
            toUInt64(sum(csat_satisfied)) AS csat_satisfied,
            toUInt64(sum(csat_score_sum)) AS csat_score_sum,
            toUInt64(sum(complaints_count)) AS complaints_count,
            toUInt64(uniqExactArray(inquiry_customer_ids)) AS inquiry_customers,
            toUInt64(0) AS orders,
            toUInt64(0) AS order_customers,
            toUInt64(0) AS paid_orders,
            toUInt64(0) AS paying_customers,
            toInt64(0) AS paid_minor,
            toUInt64(0) AS has_target,
            toInt64(0) AS target_minor,
            toUInt64(0) AS qa_n,
            toFloat64(0) AS qa_sum
        FROM
        (
            SELECT *
            FROM
            (
{{days}}
            ) AS day_rows
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r5 USING (agent_id)
        )
        GROUP BY period, k

        UNION ALL

        -- QA review scores of the reviewed handled contacts (the qa_scores view of package qa).
        SELECT
            {{period}}(start_at, '${tz}') AS period,
            {{key}} AS k,
            toUInt64(0) AS contacts,
            toUInt64(0) AS asa_n,
            toFloat64(0) AS asa_sum,
            toUInt64(0) AS offered_calls,
            toUInt64(0) AS answered_in_sl,
            toUInt64(0) AS abandoned_calls,
            toUInt64(0) AS frt_n,
            toFloat64(0) AS frt_sum,
            CAST(NULL AS Nullable(Int64)) AS frt_p90_seconds,
            toUInt64(0) AS art_n,
            toFloat64(0) AS art_sum,
            toUInt64(0) AS aht_n,
            toFloat64(0) AS aht_sum,
            toUInt64(0) AS resolution_n,
            toFloat64(0) AS resolution_sum,
            CAST(NULL AS Nullable(Int64)) AS resolution_p90_seconds,
            toUInt64(0) AS fcr_count,
            toUInt64(0) AS csat_n,
            toUInt64(0) AS csat_satisfied,
            toUInt64(0) AS csat_score_sum,
            toUInt64(0) AS complaints_count,
            toUInt64(0) AS inquiry_customers,
            toUInt64(0) AS orders,
            toUInt64(0) AS order_customers,
            toUInt64(0) AS paid_orders,
            toUInt64(0) AS paying_customers,
            toInt64(0) AS paid_minor,
            toUInt64(0) AS has_target,
            toInt64(0) AS target_minor,
            toUInt64(sum(q_n)) AS qa_n,
            toFloat64(sum(q_sum)) AS qa_sum
        FROM
        (
            SELECT *
            FROM
            (
                SELECT *
                FROM
                (
{{qa_contacts}}
                ) AS reviewed
                ALL INNER JOIN
                (
                    SELECT contact_id, toUInt64(count()) AS q_n, toFloat64(sum(score)) AS q_sum
                    FROM ${db}.qa_scores
                    GROUP BY contact_id
                ) AS r6 USING (contact_id)
            ) AS l6
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r7 USING (agent_id)
        )
        GROUP BY period, k

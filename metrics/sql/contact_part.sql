-- The contacts part of the metrics template (sql/metrics.sql), per contact: one row per (period, key)
-- from the contact rows of the range. It is the reference form: the views use it over
-- contact_facts, and metrics.RowsPerContact over the month builds of contact_metrics.
        -- Contacts: one row per (period, key).
        SELECT
            {{period}}(start_at, '${tz}') AS period,
            {{key}} AS k,
            toUInt64(countIf(handled = 1)) AS contacts,
            toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
            toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
            toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
            toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= {{sl_seconds}})) AS answered_in_sl,
            toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 0)) AS abandoned_calls,
            toUInt64(sum(c_frt_n)) AS frt_n,
            toFloat64(sum(c_frt_seconds)) AS frt_sum,
            if(frt_n = 0, CAST(NULL AS Nullable(Int64)),
               arraySort(groupArrayIf(c_frt_seconds, c_frt_n = 1))[intDiv(9 * frt_n + 9, 10)]) AS frt_p90_seconds,
            toUInt64(sum(c_art_n)) AS art_n,
            toFloat64(sum(c_art_sum)) AS art_sum,
            toUInt64(countIf(handled = 1)) AS aht_n,
            toFloat64(sumIf(handle_seconds, handled = 1)) AS aht_sum,
            toUInt64(sum(c_res_n)) AS resolution_n,
            toFloat64(sum(c_res_seconds)) AS resolution_sum,
            if(resolution_n = 0, CAST(NULL AS Nullable(Int64)),
               arraySort(groupArrayIf(c_res_seconds, c_res_n = 1))[intDiv(9 * resolution_n + 9, 10)]) AS resolution_p90_seconds,
            toUInt64(countIf(handled = 1 AND resolved = 1 AND repeated = 0)) AS fcr_count,
            toUInt64(sumIf(s_n, handled = 1)) AS csat_n,
            toUInt64(sumIf(s_satisfied, handled = 1)) AS csat_satisfied,
            toUInt64(sumIf(s_score_sum, handled = 1)) AS csat_score_sum,
            toUInt64(countIf(handled = 1 AND complaint = 1)) AS complaints_count,
            toUInt64(uniqExactIf(customer_id, handled = 1 AND inquiry = 1)) AS inquiry_customers,
            toUInt64(0) AS orders,
            toUInt64(0) AS order_customers,
            toUInt64(0) AS paid_orders,
            toUInt64(0) AS paying_customers,
            toInt64(0) AS paid_minor,
            toUInt64(0) AS has_target,
            toInt64(0) AS target_minor,
            toUInt64(sumIf(q_n, handled = 1)) AS qa_n,
            toFloat64(sumIf(q_sum, handled = 1)) AS qa_sum
        FROM
        (
            SELECT *
            FROM
            (
                SELECT *
                FROM
                (
                    SELECT *
                    FROM
                    (
{{contacts}}
                    ) AS contact_rows
                    WHERE {{level_where}}
                ) AS l1
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r1 USING (agent_id)
            ) AS l2
            ALL LEFT JOIN
            (
                -- QA review scores per reviewed contact (the qa_scores view of package qa).
                SELECT contact_id, toUInt64(count()) AS q_n, toFloat64(sum(score)) AS q_sum
                FROM ${db}.qa_scores
                GROUP BY contact_id
            ) AS r2 USING (contact_id)
        )
        GROUP BY period, k

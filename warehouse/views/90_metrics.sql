-- GENERATED from metrics/sql/metrics.sql by `go test ./metrics -run TestViewsGenerated -update`.
-- Do not edit: change the template and regenerate. See README "Metrics" for the columns.

CREATE VIEW ${db}.agent_metrics_day AS
SELECT period AS day, agent_id, agent_name, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        k AS agent_id, agent_name, team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toDate(start_at, '${tz}') AS period,
                agent_id AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toDate(first_at, '${tz}') AS period,
                agent_id AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                agent_id AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )
    AS metric_rows
    ALL LEFT JOIN
    (
        SELECT agent_id AS k, name AS agent_name, team
        FROM ${db}.agents_latest
    ) AS agent_names USING (k)
    ORDER BY period, team, agent_id
);

CREATE VIEW ${db}.agent_metrics_week AS
SELECT period AS week, agent_id, agent_name, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        k AS agent_id, agent_name, team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toMonday(start_at, '${tz}') AS period,
                agent_id AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toMonday(first_at, '${tz}') AS period,
                agent_id AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                agent_id AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )
    AS metric_rows
    ALL LEFT JOIN
    (
        SELECT agent_id AS k, name AS agent_name, team
        FROM ${db}.agents_latest
    ) AS agent_names USING (k)
    ORDER BY period, team, agent_id
);

CREATE VIEW ${db}.agent_metrics_month AS
SELECT period AS month, agent_id, agent_name, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        k AS agent_id, agent_name, team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toStartOfMonth(start_at, '${tz}') AS period,
                agent_id AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toStartOfMonth(first_at, '${tz}') AS period,
                agent_id AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                agent_id AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 1 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )
    AS metric_rows
    ALL LEFT JOIN
    (
        SELECT agent_id AS k, name AS agent_name, team
        FROM ${db}.agents_latest
    ) AS agent_names USING (k)
    ORDER BY period, team, agent_id
);

CREATE VIEW ${db}.team_metrics_day AS
SELECT period AS day, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, k AS team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toDate(start_at, '${tz}') AS period,
                team AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toDate(first_at, '${tz}') AS period,
                team AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                team AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, team
);

CREATE VIEW ${db}.team_metrics_week AS
SELECT period AS week, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, k AS team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toMonday(start_at, '${tz}') AS period,
                team AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toMonday(first_at, '${tz}') AS period,
                team AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                team AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, team
);

CREATE VIEW ${db}.team_metrics_month AS
SELECT period AS month, team, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, k AS team, '' AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 1 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toStartOfMonth(start_at, '${tz}') AS period,
                team AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE agent_id != ''
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toStartOfMonth(first_at, '${tz}') AS period,
                team AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 1
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                team AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 1 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, team
);

CREATE VIEW ${db}.queue_metrics_day AS
SELECT period AS day, queue, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, '' AS team, k AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 0 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toDate(start_at, '${tz}') AS period,
                queue AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE 1
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toDate(first_at, '${tz}') AS period,
                toString('') AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 0
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                toString('') AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, queue
);

CREATE VIEW ${db}.queue_metrics_week AS
SELECT period AS week, queue, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, '' AS team, k AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 0 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toMonday(start_at, '${tz}') AS period,
                queue AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE 1
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toMonday(first_at, '${tz}') AS period,
                toString('') AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 0
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                toString('') AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, queue
);

CREATE VIEW ${db}.queue_metrics_month AS
SELECT period AS month, queue, contacts, asa_n, asa_seconds, offered_calls, answered_in_sl, service_level, abandoned_calls, abandon_rate, frt_n, frt_seconds, frt_p90_seconds, art_n, art_seconds, aht_n, aht_seconds, resolution_n, resolution_seconds, resolution_p90_seconds, fcr_n, fcr_rate, csat_n, csat, csat_mean, complaints, inquiry_customers, order_customers, inquiry_conversion, orders, paid_orders, paying_customers, order_pay_rate, paid_amount_minor, avg_order_value_minor, sales_target_minor, target_completion, qa_n, qa_score
FROM
(
    SELECT
        period,
        '' AS agent_id, '' AS agent_name, '' AS team, k AS queue,
        contacts,
        asa_n,
        if(asa_n = 0, NULL, asa_sum / asa_n) AS asa_seconds,
        offered_calls,
        answered_in_sl,
        if(offered_calls = 0, NULL, answered_in_sl / offered_calls) AS service_level,
        abandoned_calls,
        if(offered_calls = 0, NULL, abandoned_calls / offered_calls) AS abandon_rate,
        frt_n,
        if(frt_n = 0, NULL, frt_sum / frt_n) AS frt_seconds,
        frt_p90_seconds,
        art_n,
        if(art_n = 0, NULL, art_sum / art_n) AS art_seconds,
        aht_n,
        if(aht_n = 0, NULL, aht_sum / aht_n) AS aht_seconds,
        resolution_n,
        if(resolution_n = 0, NULL, resolution_sum / resolution_n) AS resolution_seconds,
        resolution_p90_seconds,
        contacts AS fcr_n,
        if(contacts = 0, NULL, fcr_count / contacts) AS fcr_rate,
        csat_n,
        if(csat_n = 0, NULL, csat_satisfied / csat_n) AS csat,
        if(csat_n = 0, NULL, csat_score_sum / csat_n) AS csat_mean,
        if(contacts = 0, NULL, complaints_count) AS complaints,
        inquiry_customers,
        order_customers,
        -- Orders have no queue: at queue level (or with a queue filter) there is no conversion.
        if(inquiry_customers = 0 OR 0 = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
        orders,
        paid_orders,
        paying_customers,
        if(order_customers = 0, NULL, paying_customers / order_customers) AS order_pay_rate,
        if(orders = 0, NULL, paid_minor) AS paid_amount_minor,
        if(paying_customers = 0, NULL, paid_minor / paying_customers) AS avg_order_value_minor,
        if(has_target = 0, NULL, target_minor) AS sales_target_minor,
        if(has_target = 0 OR target_minor <= 0, NULL, paid_minor / target_minor) AS target_completion,
        qa_n,
        if(qa_n = 0, NULL, qa_sum / qa_n) AS qa_score
    FROM
    (
        SELECT
            period,
            k,
            sum(contacts) AS contacts,
            sum(asa_n) AS asa_n,
            sum(asa_sum) AS asa_sum,
            sum(offered_calls) AS offered_calls,
            sum(answered_in_sl) AS answered_in_sl,
            sum(abandoned_calls) AS abandoned_calls,
            sum(frt_n) AS frt_n,
            sum(frt_sum) AS frt_sum,
            max(frt_p90_seconds) AS frt_p90_seconds,
            sum(art_n) AS art_n,
            sum(art_sum) AS art_sum,
            sum(aht_n) AS aht_n,
            sum(aht_sum) AS aht_sum,
            sum(resolution_n) AS resolution_n,
            sum(resolution_sum) AS resolution_sum,
            max(resolution_p90_seconds) AS resolution_p90_seconds,
            sum(fcr_count) AS fcr_count,
            sum(csat_n) AS csat_n,
            sum(csat_satisfied) AS csat_satisfied,
            sum(csat_score_sum) AS csat_score_sum,
            sum(complaints_count) AS complaints_count,
            sum(inquiry_customers) AS inquiry_customers,
            sum(orders) AS orders,
            sum(order_customers) AS order_customers,
            sum(paid_orders) AS paid_orders,
            sum(paying_customers) AS paying_customers,
            sum(paid_minor) AS paid_minor,
            sum(has_target) AS has_target,
            sum(target_minor) AS target_minor,
            sum(qa_n) AS qa_n,
            sum(qa_sum) AS qa_sum
        FROM
        (
            -- Contacts: one row per (period, key).
            SELECT
                toStartOfMonth(start_at, '${tz}') AS period,
                queue AS k,
                toUInt64(countIf(handled = 1)) AS contacts,
                toUInt64(countIf(handled = 1 AND channel = 'call')) AS asa_n,
                toFloat64(sumIf(wait_seconds, handled = 1 AND channel = 'call')) AS asa_sum,
                toUInt64(countIf(channel = 'call' AND inbound = 1)) AS offered_calls,
                toUInt64(countIf(channel = 'call' AND inbound = 1 AND answered = 1 AND wait_seconds <= 20)) AS answered_in_sl,
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
    SELECT
        contact_id, contact_key, channel, agent_id, customer_id, queue, inbound, start_at, handled, answered,
        wait_seconds, handle_seconds, c_frt_n, c_frt_seconds, c_art_n, c_art_sum, c_res_n, c_res_seconds,
        resolved, inquiry, complaint, repeated, s_n, s_satisfied, s_score_sum
    FROM
    (
        SELECT
            contact_id,
            cityHash64(contact_id) AS contact_key,
            channel,
            agent_id,
            customer_id,
            queue,
            inbound,
            start_at,
            handled,
            answered,
            wait_seconds,
            handle_seconds,
            frt_n AS c_frt_n,
            frt_seconds AS c_frt_seconds,
            art_n AS c_art_n,
            art_sum AS c_art_sum,
            res_n AS c_res_n,
            res_seconds AS c_res_seconds,
            resolved,
            inquiry,
            complaint,
            toUInt8(handled = 1 AND contact_id IN
            (
                SELECT contact_id
                FROM
                (
                    SELECT
                        groupArray(contact_id) AS ids,
                        groupArray(toInt64(start_at)) AS ts,
                        groupArray(inbound) AS ins
                    FROM ${db}.contact_facts
                    WHERE 1
                    GROUP BY customer_id
                    HAVING count() > 1
                )
                ARRAY JOIN ids AS contact_id, ts AS t
                WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
            )) AS repeated
        FROM ${db}.contact_facts FINAL
        WHERE 1
    ) AS contact_base
    ALL LEFT JOIN
    (
        -- Surveys per contact: the latest version of each survey_id, by the contact it rates.
        SELECT
            contact_id,
            toUInt64(count()) AS s_n,
            toUInt64(countIf(s_score >= 4)) AS s_satisfied,
            toUInt64(sum(s_score)) AS s_score_sum
        FROM
        (
            SELECT survey_id, argMax(interaction_id, version) AS contact_id, argMax(score, version) AS s_score
            FROM ${db}.survey_facts
            WHERE 1
            GROUP BY survey_id
        )
        GROUP BY contact_id
    ) AS contact_surveys USING (contact_id)

                        ) AS contact_rows
                        WHERE 1
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

            UNION ALL

            -- Orders: one row per (period of the first event, key).
            SELECT
                toStartOfMonth(first_at, '${tz}') AS period,
                toString('') AS k,
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
                toUInt64(count()) AS orders,
                toUInt64(uniqExact(customer_id)) AS order_customers,
                toUInt64(countIf(status = 'paid')) AS paid_orders,
                toUInt64(uniqExactIf(customer_id, status = 'paid')) AS paying_customers,
                toInt64(sumIf(amount_minor, status = 'paid')) AS paid_minor,
                toUInt64(0) AS has_target,
                toInt64(0) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT *
                FROM
                (
                    -- The latest event of an order is the one with the greatest (at, status rank):
                    -- events of the same second are ordered created < paid < cancelled < refunded.
                    SELECT
                        order_id,
                        min(at) AS first_at,
                        argMax(e_status, rank_key) AS status,
                        argMax(e_agent, rank_key) AS agent_id,
                        argMax(e_customer, rank_key) AS customer_id,
                        argMax(e_amount, rank_key) AS amount_minor
                    FROM
                    (
                        SELECT order_id, at, status AS e_status, agent_id AS e_agent, customer_id AS e_customer,
                               amount_minor AS e_amount,
                               toUInt64(at) * 4 + multiIf(status = 'created', 0, status = 'paid', 1, status = 'cancelled', 2, 3) AS rank_key
                        FROM ${db}.orders
                        WHERE 1
                    )
                    GROUP BY order_id
                    HAVING 1 
                ) AS l3
                ALL LEFT JOIN
                (
                    SELECT agent_id, team
                    FROM ${db}.agents_latest
                ) AS r3 USING (agent_id)
            )
            WHERE 0
            GROUP BY period, k

            UNION ALL

            -- Monthly sales targets (only by month, for agents and teams).
            SELECT
                month AS period,
                toString('') AS k,
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
                toUInt64(count()) AS has_target,
                toInt64(sum(sales_target_minor)) AS target_minor,
                toUInt64(0) AS qa_n,
                toFloat64(0) AS qa_sum
            FROM
            (
                SELECT month, agent_id, sales_target_minor
                FROM ${db}.targets_latest
                WHERE 0 AND 1 
            ) AS l4
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r4 USING (agent_id)
            GROUP BY period, k
        )
        GROUP BY period, k
    )

    ORDER BY period, queue
);

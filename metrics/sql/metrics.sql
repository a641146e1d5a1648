-- The SPEC §5 metrics for one level (agent, team or queue) and one period (day, ISO week,
-- month) in the business time zone ${tz}. This one template is the single definition of the
-- metrics: the views in warehouse/views/90_metrics.sql are generated from it with no filter
-- (`go test ./metrics -run TestViewsGenerated -update`), and `ccqa metrics` instantiates it
-- with the range and filters pushed down into every scan. Placeholders {{name}} are filled by
-- metrics.buildSQL; ${db} and ${tz} by the warehouse.
--
-- The contacts placeholder is one row per contact of the range (de-duplicated, with its FCR repeat flag):
-- for the views the text of sql/contact_rows.sql over contact_facts, for `ccqa metrics` the
-- pre-built month partitions of contact_metrics, which are built from that same text.
--
-- Output: one row per (period, key) that has contacts, offered calls or orders (or, by month, a
-- sales target). Every mean and rate is NULL where its sample (the _n column next to it) is
-- empty, never 0. Durations in seconds, money in minor units (分).
--
-- 18.16 allows one JOIN per SELECT and no CTEs, hence the nesting. Pieces, innermost first:
--   contacts of the range (with their surveys) and the agent's team from the latest agents
--   import; per contact: QA review scores (the qa_scores view of package qa);
--   per order: period of its first event, status/agent/customer/amount of its latest event;
--   monthly sales targets.

SELECT
    period,
    {{key_cols}},
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
    if(inquiry_customers = 0 OR {{orders_enabled}} = 0, NULL, order_customers / inquiry_customers) AS inquiry_conversion,
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
{{contact_part}}

        UNION ALL

        -- Orders: one row per (period of the first event, key).
        SELECT
            {{period}}(first_at, '${tz}') AS period,
            {{order_key}} AS k,
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
                    WHERE {{order_candidates}}
                )
                GROUP BY order_id
                HAVING {{order_range}} {{order_filter}}
            ) AS l3
            ALL LEFT JOIN
            (
                SELECT agent_id, team
                FROM ${db}.agents_latest
            ) AS r3 USING (agent_id)
        )
        WHERE {{orders_enabled}}
        GROUP BY period, k

        UNION ALL

        -- Monthly sales targets (only by month, for agents and teams).
        SELECT
            month AS period,
            {{target_key}} AS k,
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
            WHERE {{targets_enabled}} AND {{target_range}} {{target_filter}}
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
{{key_join}}
ORDER BY period, {{order_by}}

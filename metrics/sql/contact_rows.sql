-- One row per contact (call or chat) that started in the contact range, de-duplicated
-- (contact_facts FINAL), with its surveys (count, satisfied, score sum) and its FCR repeat flag: 1 when the contact is handled and the same
-- customer made another inbound call or chat (with anyone, answered or not) within 7 days
-- (604800 s) after its start. The repeat search reads the customers' contacts in the repeat
-- range (the contact range plus 7 days); it needs no FINAL, since a duplicate of the contact
-- itself has its id (excluded) and duplicates of other contacts do not change whether one
-- exists. This text is both the contact source of the metric views and what `ccqa metrics`
-- stores per month in contact_metrics; columns in contact_metrics' order (without month).
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
                WHERE {{repeat_range}}
                GROUP BY customer_id
                HAVING count() > 1
            )
            ARRAY JOIN ids AS contact_id, ts AS t
            WHERE arrayExists((t2, id2, in2) -> in2 = 1 AND t2 >= t AND t2 <= t + 604800 AND id2 != contact_id, ts, ids, ins)
        )) AS repeated
    FROM ${db}.contact_facts FINAL
    WHERE {{contact_range}}
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
        WHERE {{survey_range}}
        GROUP BY survey_id
    )
    GROUP BY contact_id
) AS contact_surveys USING (contact_id)

-- One row per contact (call or chat) that started in {{contact_range}}, de-duplicated
-- (contact_facts FINAL), with its FCR repeat flag: 1 when the contact is handled and the same
-- customer made another inbound call or chat (with anyone, answered or not) within 7 days
-- (604800 s) after its start. The repeat search reads the customer's contacts in
-- {{repeat_range}} (the range plus 7 days); it needs no FINAL, since a duplicate of the contact
-- itself has its id (excluded) and duplicates of other contacts do not change whether one
-- exists. This text is both the contact source of the metric views and what `ccqa metrics`
-- stores per month in contact_metrics; columns in contact_metrics' order (without month).
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

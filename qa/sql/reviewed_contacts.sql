-- Contacts of a month that already have a review, sampled or not. Parameter: month.
SELECT DISTINCT contact_id
FROM ${db}.qa_reviews
WHERE toStartOfMonth(contact_start, '${tz}') = toDate(?)

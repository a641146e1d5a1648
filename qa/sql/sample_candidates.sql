-- Handled contacts of a month (business time zone) that sampling may pick, with the flags that
-- make a contact mandatory or preferred. Parameters: the month's first day (three times).
SELECT c.contact_id, c.channel, c.agent_id, c.start_at, c.day, c.complaint,
       toUInt8(c.contact_id IN (
           SELECT interaction_id FROM ${db}.surveys_latest
           GROUP BY interaction_id HAVING min(score) <= 2)) AS low_survey,
       toUInt8(c.contact_id IN (
           SELECT contact_id FROM ${db}.qa_scans_latest
           WHERE findings > 0 AND toStartOfMonth(start_at, '${tz}') = toDate(?))) AS has_findings
FROM ${db}.contacts AS c
WHERE c.month = toDate(?) AND c.handled = 1 AND c.agent_id != ''

-- The current auto-QA findings of a chat, in transcript order. Parameter: contact_id.
SELECT finding_id, contact_id, item_id, kind, pattern, matched, msg_index, msg_at, text
FROM ${db}.qa_findings_current
WHERE contact_id = ?
ORDER BY msg_at, msg_index, finding_id

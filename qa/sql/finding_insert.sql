INSERT INTO ${db}.qa_findings (contact_id, scan_key, finding_id, item_id, kind, pattern, matched, msg_index, msg_at, text, agent_id, version)

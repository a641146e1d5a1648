INSERT INTO ${db}.qa_scans (contact_id, scan_key, rubric_version, agent_id, start_at, findings, scanned_at, version)

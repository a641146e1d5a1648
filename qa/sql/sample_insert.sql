INSERT INTO ${db}.qa_samples (contact_id, month, channel, agent_id, start_at, reasons, reviewers, double_scored, seed, run_id, sampled_by, sampled_at, version)

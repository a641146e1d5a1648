-- Whether a written review version can be read back. Parameters: contact_id, reviewer, write_id.
SELECT count() FROM ${db}.qa_reviews WHERE contact_id = ? AND reviewer = ? AND write_id = ?

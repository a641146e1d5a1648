INSERT INTO ${db}.qa_rubrics (version, rubric_id, content, loaded_at)

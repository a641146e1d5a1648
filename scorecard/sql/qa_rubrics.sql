-- Every QA rubric a review was scored with (package qa), by version.
SELECT version, content
FROM ${db}.qa_rubrics

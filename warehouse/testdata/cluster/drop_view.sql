DROP TABLE IF EXISTS ${db}.calls_latest

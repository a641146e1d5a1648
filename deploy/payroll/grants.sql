-- The read-only payroll user for current ClickHouse releases, with SQL access control (run as
-- a user with access management, e.g. `clickhouse-client --multiquery < deploy/payroll/grants.sql`).
-- It is the equivalent of deploy/dev/users.d/payroll.xml, which is what ClickHouse 18.16 needs.
--
-- payroll may SELECT the SPEC 7.5 views under their contract names in ccqa, and the ccqa_payroll
-- database that holds them and the grade tables behind them (views run with the invoker's rights
-- on releases whose default is SQL SECURITY INVOKER, so the tables must be readable too). It
-- holds nothing but grades. Nothing else is granted: no raw events, no contacts, no QA reviews,
-- no writes. Replace the password; for another --database, replace ccqa everywhere.

CREATE USER IF NOT EXISTS payroll IDENTIFIED WITH sha256_password BY 'change-me'
    HOST LOCAL
    SETTINGS readonly = 1;

GRANT SELECT ON ccqa.payroll_monthly_grades TO payroll;
GRANT SELECT ON ccqa.payroll_grade_components TO payroll;
GRANT SELECT ON ccqa_payroll.* TO payroll;

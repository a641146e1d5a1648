package main

import (
	"context"
	"flag"
	"os"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// chFlags are the ClickHouse connection flags shared by every subcommand that needs the
// warehouse. Defaults come from CCQA_CLICKHOUSE, CCQA_DATABASE, CCQA_CLICKHOUSE_USER and
// CCQA_CLICKHOUSE_PASSWORD, or CCQA_CLICKHOUSE_PASSWORD_FILE (a file holding the password, as
// container secrets are mounted), so that a password need not appear in a process list.
type chFlags struct {
	addr, db, user, password, passwordFile string
}

func (c *chFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "clickhouse", envOr("CCQA_CLICKHOUSE", "127.0.0.1:9000"), "ClickHouse native protocol address host:port, or several comma-separated, tried in order (env CCQA_CLICKHOUSE)")
	fs.StringVar(&c.db, "database", envOr("CCQA_DATABASE", warehouse.DefaultDatabase), "ClickHouse database (env CCQA_DATABASE)")
	fs.StringVar(&c.user, "clickhouse-user", envOr("CCQA_CLICKHOUSE_USER", "default"), "ClickHouse user (env CCQA_CLICKHOUSE_USER)")
	fs.StringVar(&c.password, "clickhouse-password", envOr("CCQA_CLICKHOUSE_PASSWORD", ""), "ClickHouse password (env CCQA_CLICKHOUSE_PASSWORD)")
	fs.StringVar(&c.passwordFile, "clickhouse-password-file", envOr("CCQA_CLICKHOUSE_PASSWORD_FILE", ""), "read the ClickHouse password from this file instead (env CCQA_CLICKHOUSE_PASSWORD_FILE)")
}

func (c *chFlags) options() warehouse.Options {
	return warehouse.Options{Addr: c.addr, Database: c.db, User: c.user, Password: c.password}
}

func (c *chFlags) open(ctx context.Context) (*warehouse.Warehouse, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if c.passwordFile != "" {
		b, err := os.ReadFile(c.passwordFile)
		if err != nil {
			return nil, usagef("--clickhouse-password-file: %v", err)
		}
		c.password = strings.TrimRight(string(b), "\r\n")
	}
	if err := c.options().Validate(); err != nil {
		return nil, usagef("%v", err)
	}
	return warehouse.Open(ctx, c.options())
}

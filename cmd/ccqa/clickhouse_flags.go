package main

import (
	"context"
	"flag"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

// chFlags are the ClickHouse connection flags shared by every subcommand that needs the
// warehouse. Defaults come from CCQA_CLICKHOUSE, CCQA_DATABASE, CCQA_CLICKHOUSE_USER and
// CCQA_CLICKHOUSE_PASSWORD.
type chFlags struct {
	addr, db, user, password string
}

func (c *chFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "clickhouse", envOr("CCQA_CLICKHOUSE", "127.0.0.1:9000"), "ClickHouse native protocol address host:port (env CCQA_CLICKHOUSE)")
	fs.StringVar(&c.db, "database", envOr("CCQA_DATABASE", warehouse.DefaultDatabase), "ClickHouse database (env CCQA_DATABASE)")
	fs.StringVar(&c.user, "clickhouse-user", envOr("CCQA_CLICKHOUSE_USER", "default"), "ClickHouse user (env CCQA_CLICKHOUSE_USER)")
	fs.StringVar(&c.password, "clickhouse-password", envOr("CCQA_CLICKHOUSE_PASSWORD", ""), "ClickHouse password (env CCQA_CLICKHOUSE_PASSWORD)")
}

func (c *chFlags) options() warehouse.Options {
	return warehouse.Options{Addr: c.addr, Database: c.db, User: c.user, Password: c.password}
}

func (c *chFlags) open(ctx context.Context) (*warehouse.Warehouse, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.options().Validate(); err != nil {
		return nil, usagef("%v", err)
	}
	return warehouse.Open(ctx, c.options())
}

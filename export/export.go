// Package export writes a month's grades or metrics as files people and programs open: CSV with
// a UTF-8 byte order mark (so Excel shows Chinese names correctly) or Parquet (with
// github.com/apache/arrow/go/v17). The columns are whatever the ClickHouse view has, with its
// types: a column added to a view appears in the export without code changes.
package export

import (
	"context"
	"embed"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/ccqa/ccqa/warehouse"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// What names the exports: "grades" (monthly_grades_current) and "metrics" (agent_metrics_month).
var What = []string{"grades", "metrics"}

// Column is a column of an exported table with its ClickHouse type, e.g. "Nullable(Float64)".
type Column struct {
	Name string
	Type string
}

// Table is a query result held in memory: a month of one export is at most a few thousand rows.
// Values are Go values as clickhouse-go scans them, with NULL as nil.
type Table struct {
	Columns []Column
	Rows    [][]any
}

// Month reads one export ("grades" or "metrics") for the month (its first day).
func Month(ctx context.Context, wh *warehouse.Warehouse, what string, month time.Time) (*Table, error) {
	b, err := sqlFiles.ReadFile("sql/" + what + ".sql")
	if err != nil {
		return nil, fmt.Errorf("export %q: not one of %s", what, strings.Join(What, ", "))
	}
	return query(ctx, wh, wh.Expand(string(b), nil), month.Format("2006-01-02"))
}

func query(ctx context.Context, wh *warehouse.Warehouse, sql string, args ...any) (*Table, error) {
	rows, err := wh.Conn().Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer rows.Close()
	t := &Table{}
	types := rows.ColumnTypes()
	for _, ct := range types {
		t.Columns = append(t.Columns, Column{Name: ct.Name(), Type: ct.DatabaseTypeName()})
	}
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		row := make([]any, len(dest))
		for i, d := range dest {
			row[i] = deref(reflect.ValueOf(d).Elem())
		}
		t.Rows = append(t.Rows, row)
	}
	return t, rows.Err()
}

// deref returns the value, with pointers (Nullable columns) followed and nil for NULL.
func deref(v reflect.Value) any {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	return v.Interface()
}

// baseType strips Nullable(…) and LowCardinality(…) and a DateTime's zone: "DateTime('UTC')" is
// "DateTime".
func baseType(t string) (base string, nullable bool) {
	for {
		switch {
		case strings.HasPrefix(t, "Nullable(") && strings.HasSuffix(t, ")"):
			t, nullable = t[len("Nullable("):len(t)-1], true
		case strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("LowCardinality(") : len(t)-1]
		default:
			if strings.HasPrefix(t, "DateTime(") {
				t = "DateTime"
			}
			return t, nullable
		}
	}
}

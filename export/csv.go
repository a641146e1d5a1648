package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteCSV writes the table as CSV: a UTF-8 byte order mark (Excel reads a file without one in
// the local code page and garbles Chinese), a header row of column names, one row per record.
// NULL is an empty field; dates are 2026-11-01, times RFC 3339 in UTC, numbers as stored.
func WriteCSV(w io.Writer, t *Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Name
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i, v := range row {
			rec[i] = csvValue(v, t.Columns[i].Type)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvValue(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case time.Time:
		if base, _ := baseType(typ); base == "Date" {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format(time.RFC3339)
	case []string:
		b, _ := jsonString(x)
		return b
	}
	return fmt.Sprint(v)
}

package export

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// arrowType maps a ClickHouse column type to the Arrow type it is written as. Types without an
// exact counterpart here (arrays, enums …) are written as strings, as CSV shows them.
func arrowType(chType string) (arrow.DataType, bool) {
	base, nullable := baseType(chType)
	switch base {
	case "String", "FixedString":
		return arrow.BinaryTypes.String, nullable
	case "UInt8":
		return arrow.PrimitiveTypes.Uint8, nullable
	case "UInt16":
		return arrow.PrimitiveTypes.Uint16, nullable
	case "UInt32":
		return arrow.PrimitiveTypes.Uint32, nullable
	case "UInt64":
		return arrow.PrimitiveTypes.Uint64, nullable
	case "Int8":
		return arrow.PrimitiveTypes.Int8, nullable
	case "Int16":
		return arrow.PrimitiveTypes.Int16, nullable
	case "Int32":
		return arrow.PrimitiveTypes.Int32, nullable
	case "Int64":
		return arrow.PrimitiveTypes.Int64, nullable
	case "Float32":
		return arrow.PrimitiveTypes.Float32, nullable
	case "Float64":
		return arrow.PrimitiveTypes.Float64, nullable
	case "Date":
		return arrow.FixedWidthTypes.Date32, nullable
	case "DateTime":
		return &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, nullable
	}
	return arrow.BinaryTypes.String, nullable
}

// Schema returns the Arrow schema of the table.
func (t *Table) Schema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		typ, nullable := arrowType(c.Type)
		fields[i] = arrow.Field{Name: c.Name, Type: typ, Nullable: nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// Record builds the table as one Arrow record; the caller releases it.
func (t *Table) Record(mem memory.Allocator) (arrow.Record, error) {
	schema := t.Schema()
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for r, row := range t.Rows {
		for i, v := range row {
			if err := appendValue(b.Field(i), v, t.Columns[i].Type); err != nil {
				return nil, fmt.Errorf("row %d, column %s: %w", r+1, t.Columns[i].Name, err)
			}
		}
	}
	return b.NewRecord(), nil
}

func appendValue(fb array.Builder, v any, chType string) error {
	if v == nil {
		fb.AppendNull()
		return nil
	}
	bad := func() error { return fmt.Errorf("value %v (%T) does not fit %s", v, v, fb.Type()) }
	switch b := fb.(type) {
	case *array.StringBuilder:
		if s, ok := v.(string); ok {
			b.Append(s)
		} else {
			b.Append(csvValue(v, chType))
		}
	case *array.Uint8Builder:
		x, ok := v.(uint8)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Uint16Builder:
		x, ok := v.(uint16)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Uint32Builder:
		x, ok := v.(uint32)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Uint64Builder:
		x, ok := v.(uint64)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Int8Builder:
		x, ok := v.(int8)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Int16Builder:
		x, ok := v.(int16)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Int32Builder:
		x, ok := v.(int32)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Int64Builder:
		x, ok := v.(int64)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Float32Builder:
		x, ok := v.(float32)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Float64Builder:
		x, ok := v.(float64)
		if !ok {
			return bad()
		}
		b.Append(x)
	case *array.Date32Builder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Date32FromTime(time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC)))
	case *array.TimestampBuilder:
		x, ok := v.(time.Time)
		if !ok {
			return bad()
		}
		b.Append(arrow.Timestamp(x.Unix()))
	default:
		return bad()
	}
	return nil
}

// WriteParquet writes the table as one Parquet file (one row group, Snappy-compressed).
func WriteParquet(w io.Writer, t *Table) error {
	mem := memory.NewGoAllocator()
	rec, err := t.Record(mem)
	if err != nil {
		return err
	}
	defer rec.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	fw, err := pqarrow.NewFileWriter(rec.Schema(), w, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		_ = fw.Close()
		return fmt.Errorf("parquet: %w", err)
	}
	return fw.Close()
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

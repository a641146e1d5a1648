package backfill

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// writeValue writes element i of an Arrow array as JSON the event decoders read: timestamps as
// RFC 3339 (in the column's zone, UTC when it has none), decimals exactly as written (19.90, never
// through float64), lists as arrays, structs as objects. A non-finite float is written as a
// string, which the decoders refuse as a wrong type: such a record ends in ingest_errors.
func writeValue(b *bytes.Buffer, arr arrow.Array, i int) {
	if arr.IsNull(i) {
		b.WriteString("null")
		return
	}
	switch a := arr.(type) {
	case *array.Boolean:
		b.WriteString(strconv.FormatBool(a.Value(i)))
	case *array.Int8:
		b.WriteString(strconv.FormatInt(int64(a.Value(i)), 10))
	case *array.Int16:
		b.WriteString(strconv.FormatInt(int64(a.Value(i)), 10))
	case *array.Int32:
		b.WriteString(strconv.FormatInt(int64(a.Value(i)), 10))
	case *array.Int64:
		b.WriteString(strconv.FormatInt(a.Value(i), 10))
	case *array.Uint8:
		b.WriteString(strconv.FormatUint(uint64(a.Value(i)), 10))
	case *array.Uint16:
		b.WriteString(strconv.FormatUint(uint64(a.Value(i)), 10))
	case *array.Uint32:
		b.WriteString(strconv.FormatUint(uint64(a.Value(i)), 10))
	case *array.Uint64:
		b.WriteString(strconv.FormatUint(a.Value(i), 10))
	case *array.Float32:
		writeFloat(b, float64(a.Value(i)), 32)
	case *array.Float64:
		writeFloat(b, a.Value(i), 64)
	case *array.String:
		writeJSONString(b, a.Value(i))
	case *array.LargeString:
		writeJSONString(b, a.Value(i))
	case *array.Binary:
		writeJSONString(b, string(a.Value(i)))
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(typ.Unit)
		if loc, err := typ.GetZone(); err == nil && loc != nil {
			t = t.In(loc)
		}
		writeJSONString(b, t.Format(time.RFC3339Nano))
	case *array.Date32:
		writeJSONString(b, a.Value(i).ToTime().Format("2006-01-02"))
	case *array.Date64:
		writeJSONString(b, a.Value(i).ToTime().Format("2006-01-02"))
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		b.WriteString(a.Value(i).ToString(scale))
	case *array.Dictionary:
		writeValue(b, a.Dictionary(), a.GetValueIndex(i))
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		values := a.ListValues()
		b.WriteByte('[')
		for j := start; j < end; j++ {
			if j > start {
				b.WriteByte(',')
			}
			writeValue(b, values, int(j))
		}
		b.WriteByte(']')
	case *array.Struct:
		typ := a.DataType().(*arrow.StructType)
		b.WriteByte('{')
		first := true
		for f := 0; f < a.NumField(); f++ {
			if a.Field(f).IsNull(i) {
				continue
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeJSONString(b, typ.Field(f).Name)
			b.WriteByte(':')
			writeValue(b, a.Field(f), i)
		}
		b.WriteByte('}')
	default:
		// Anything else is passed as its text, for the decoders to judge.
		writeJSONString(b, a.ValueStr(i))
	}
}

func writeFloat(b *bytes.Buffer, v float64, bits int) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		writeJSONString(b, strconv.FormatFloat(v, 'g', -1, bits))
		return
	}
	b.WriteString(strconv.FormatFloat(v, 'g', -1, bits))
}

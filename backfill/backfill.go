// Package backfill imports events from files (`ccqa import`): Parquet, Arrow IPC (file or
// stream format) and JSON lines, read with github.com/apache/arrow/go/v17. Every record becomes
// the JSON message it would have been on Kafka (SPEC §3 field names as column names) and goes
// through ingest.Backfill: the same strict decoders and columnar INSERTs as the consumer, so a
// backfilled event is stored exactly like a consumed one, a re-imported file collapses like a
// re-delivery, and an invalid record is recorded in ingest_errors (source "import:<file>",
// offset = record number) instead of being dropped.
package backfill

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/ccqa/ccqa/event"
	"github.com/ccqa/ccqa/ingest"
	"github.com/ccqa/ccqa/warehouse"
)

// Formats of input files.
const (
	FormatParquet   = "parquet"
	FormatArrow     = "arrow"
	FormatJSONLines = "jsonl"
)

// FormatOf returns the format of a file from its extension: .parquet; .arrow, .arrows, .ipc,
// .feather; .jsonl, .ndjson, .json.
func FormatOf(path string) (string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return FormatParquet, nil
	case ".arrow", ".arrows", ".ipc", ".feather":
		return FormatArrow, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONLines, nil
	}
	return "", fmt.Errorf("%s: unknown format; name it .parquet, .arrow (IPC) or .jsonl", path)
}

// KindOf guesses the event kind from the file name (calls.parquet, chats-2026-11.jsonl …).
func KindOf(path string) (event.Kind, bool) {
	base := strings.ToLower(filepath.Base(path))
	for _, k := range event.Kinds {
		if strings.HasPrefix(base, string(k)+"s") {
			return k, true
		}
	}
	return "", false
}

// Result counts what an import did.
type Result struct {
	Records int // records read
	Valid   int // stored as events
	Invalid int // recorded in ingest_errors
}

// BatchSize is the number of records per INSERT.
const BatchSize = 10_000

// Import reads the file and stores its events of the given kind. progress, when not nil, is
// called after each batch with the records read so far.
func Import(ctx context.Context, wh *warehouse.Warehouse, kind event.Kind, path string, progress func(records int)) (Result, error) {
	format, err := FormatOf(path)
	if err != nil {
		return Result{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	bf := ingest.NewBackfill(wh, kind, "import:"+filepath.Base(path))
	var res Result
	flush := func() error {
		v, inv, err := bf.Flush(ctx)
		res.Valid += v
		res.Invalid += inv
		if err == nil && progress != nil {
			progress(res.Records)
		}
		return err
	}
	add := func(msg []byte) error {
		res.Records++
		_ = bf.Add(int64(res.Records), nil, msg) // an invalid record is kept for ingest_errors
		if v, inv := bf.Pending(); v+inv >= BatchSize {
			return flush()
		}
		return ctx.Err()
	}
	switch format {
	case FormatJSONLines:
		err = readJSONLines(f, add)
	case FormatParquet:
		err = readParquet(ctx, f, add)
	case FormatArrow:
		err = readArrow(f, add)
	}
	if err != nil {
		// What was read before the error is still stored, so nothing read is lost.
		if ferr := flush(); ferr != nil {
			return res, errors.Join(err, ferr)
		}
		return res, fmt.Errorf("%s: %w", path, err)
	}
	return res, flush()
}

// readJSONLines passes every non-blank line on as a message, exactly as written.
func readJSONLines(r io.Reader, add func([]byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadBytes('\n')
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if aerr := add(append([]byte(nil), t...)); aerr != nil {
				return aerr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func readParquet(ctx context.Context, f *os.File, add func([]byte) error) error {
	pf, err := file.NewParquetReader(f)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.NewGoAllocator())
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	rr, err := fr.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	defer rr.Release()
	for rr.Next() {
		if err := records(rr.Record(), add); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

// readArrow reads the Arrow IPC file format, or the stream format when the file has no footer.
func readArrow(f *os.File, add func([]byte) error) error {
	mem := memory.NewGoAllocator()
	if fr, err := ipc.NewFileReader(f, ipc.WithAllocator(mem)); err == nil {
		defer fr.Close()
		for i := 0; i < fr.NumRecords(); i++ {
			rec, err := fr.Record(i)
			if err != nil {
				return fmt.Errorf("arrow: record batch %d: %w", i, err)
			}
			if err := records(rec, add); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sr, err := ipc.NewReader(f, ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("arrow: neither an IPC file nor an IPC stream: %w", err)
	}
	defer sr.Release()
	for sr.Next() {
		if err := records(sr.Record(), add); err != nil {
			return err
		}
	}
	if err := sr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("arrow: %w", err)
	}
	return nil
}

// records turns each row of the record into its JSON message.
func records(rec arrow.Record, add func([]byte) error) error {
	schema := rec.Schema()
	for row := 0; row < int(rec.NumRows()); row++ {
		var b bytes.Buffer
		b.WriteByte('{')
		first := true
		for c := 0; c < int(rec.NumCols()); c++ {
			col := rec.Column(c)
			if col.IsNull(row) {
				continue // an absent field, as the decoders treat null
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			writeJSONString(&b, schema.Field(c).Name)
			b.WriteByte(':')
			writeValue(&b, col, row)
		}
		b.WriteByte('}')
		if err := add(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

package metrics

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// WriteTable prints rows as an aligned text table for a terminal: the period, the level's key
// columns and the main metrics (durations in seconds, rates in percent, money in yuan). Chinese
// characters count as two columns, as terminals draw them; NULL metrics print as "-". JSON and
// CSV carry every field with its sample size.
func WriteTable(w io.Writer, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	header := []string{string(rows[0].By)}
	keyCols := 0
	switch rows[0].Level {
	case LevelTeam:
		header = append(header, "team")
		keyCols = 1
	case LevelQueue:
		header = append(header, "queue")
		keyCols = 1
	default:
		header = append(header, "agent_id", "name", "team")
		keyCols = 3
	}
	header = append(header, "contacts", "asa_s", "sl", "aband", "frt_s", "frt_p90", "art_s", "aht_s", "res_s", "res_p90",
		"fcr", "csat", "csat_mean", "surveys", "complaints", "conv", "pay_rate", "paid_yuan", "aov_yuan", "target", "qa")
	cells := [][]string{header}
	for _, r := range rows {
		row := []string{r.PeriodLabel()}
		switch r.Level {
		case LevelTeam:
			row = append(row, r.Team)
		case LevelQueue:
			row = append(row, r.Queue)
		default:
			row = append(row, r.AgentID, r.AgentName, r.Team)
		}
		row = append(row, strconv.FormatUint(r.Contacts, 10), num(r.ASASeconds, 1), pct(r.ServiceLevel), pct(r.AbandonRate),
			num(r.FRTSeconds, 1), inum(r.FRTP90Seconds), num(r.ARTSeconds, 1), num(r.AHTSeconds, 1), num(r.ResolutionSeconds, 0),
			inum(r.ResolutionP90Seconds), pct(r.FCRRate), pct(r.CSAT), num(r.CSATMean, 2), strconv.FormatUint(r.CSATN, 10),
			unum(r.Complaints), pct(r.InquiryConversion), pct(r.OrderPayRate), dash(yuanOf(r.PaidAmountMinor).String()),
			dash(yuan{r.AvgOrderValueMinor}.String()), pct(r.TargetCompletion), num(r.QAScore, 1))
		cells = append(cells, row)
	}
	widths := make([]int, len(header))
	for _, row := range cells {
		for i, c := range row {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, row := range cells {
		for i, c := range row {
			pad := widths[i] - displayWidth(c)
			if i > keyCols { // numbers align right
				b.WriteString(strings.Repeat(" ", pad) + c)
			} else {
				b.WriteString(c + strings.Repeat(" ", pad))
			}
			if i < len(row)-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints one JSON object per row and line.
func WriteJSON(w io.Writer, rows []Row) error {
	for _, r := range rows {
		b, err := r.MarshalJSON()
		if err != nil {
			return err
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV prints a header row with the JSON field names and one line per row; NULL is an
// empty cell. The header is printed even without rows, so a script always sees the columns.
func WriteCSV(w io.Writer, level Level, by Period, rows []Row) error {
	cw := csv.NewWriter(w)
	var header []string
	for _, f := range (Row{Level: level, By: by}).fields() {
		header = append(header, f.name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		var rec []string
		for _, f := range r.fields() {
			rec = append(rec, csvValue(f.value))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func inum(v *int64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatInt(*v, 10)
}

func unum(v *uint64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatUint(*v, 10)
}

func num(v *float64, prec int) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || (r >= 0xFF00 && r <= 0xFF60) || (r >= 0x3000 && r <= 0x303F) {
			w += 2
		} else {
			w++
		}
	}
	return w
}

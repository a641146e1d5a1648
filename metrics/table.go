package metrics

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// WriteTable prints rows as an aligned text table for a terminal. Chinese characters count as two
// columns, as terminals draw them; NULL metrics print as "-".
func WriteTable(w io.Writer, rows []AgentMonth) error {
	header := []string{"month", "agent_id", "name", "team", "contacts", "asa_s", "aht_s", "csat", "csat_mean", "surveys"}
	cells := [][]string{header}
	for _, r := range rows {
		cells = append(cells, []string{r.Month.String(), r.AgentID, r.AgentName, r.Team,
			strconv.FormatUint(r.Contacts, 10), num(r.ASASeconds, 1), num(r.AHTSeconds, 1), pct(r.CSAT), num(r.CSATMean, 2),
			strconv.FormatUint(r.CSATN, 10)})
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
			if i >= 4 { // numbers align right
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

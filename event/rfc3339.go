package event

import "time"

// parseTime parses an RFC 3339 date-time with a mandatory offset:
//
//	YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
//
// It exists because time.Parse(time.RFC3339, …) is lenient where the contract must not be (it
// accepts a one-digit hour, a comma before the fraction, offsets such as +24:00) and because
// time.Parse may attach the machine's Local zone, which would make decoding depend on the host.
//
// Rules: every field has exactly the digits shown; the date must exist (no February 30); hours
// 00–23, minutes and seconds 00–59 (Go cannot represent leap second 60); the offset is at most
// 23:59. The separator T and the zone Z may be lower case, as RFC 3339 §5.6 allows. A fraction
// needs at least one digit; digits beyond nanoseconds are accepted and truncated. A zero offset
// (Z, +00:00 or -00:00) yields a UTC time; any other offset yields a fixed zone with that offset,
// so the original local time is kept.
func parseTime[T string | []byte](s T) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") {
		return time.Time{}, false
	}
	ok := true
	num := func(i, n int) int {
		x := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				ok = false
				return 0
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	year := num(0, 4)
	month := num(5, 2)
	day := num(8, 2)
	hour := num(11, 2)
	minute := num(14, 2)
	sec := num(17, 2)
	if !ok || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := s[19:]

	nsec := 0
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			nsec += int(rest[i]-'0') * scale
			scale /= 10 // reaches 0 after nine digits, so later digits are truncated
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}

	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
		return time.Unix(unixSeconds(year, month, day, hour, minute, sec, 0), int64(nsec)).UTC(), true
	case len(rest) == len("+08:00") && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := 0, 0
		for _, c := range []byte(rest[1:3]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			oh = oh*10 + int(c-'0')
		}
		for _, c := range []byte(rest[4:6]) {
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			om = om*10 + int(c-'0')
		}
		if oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		loc := time.UTC
		if off != 0 {
			// FixedZone returns a shared Location for whole-hour offsets, so the common case
			// does not allocate.
			loc = time.FixedZone("", off)
		}
		return time.Unix(unixSeconds(year, month, day, hour, minute, sec, off), int64(nsec)).In(loc), true
	}
	return time.Time{}, false
}

// unixSeconds returns the Unix time of a valid date and time of day at offset off (seconds
// east of UTC). It is what time.Date computes, without the normalization of out-of-range fields
// and the zone lookup that made time.Date a third of the cost of parsing a chat's message
// times: the days since 1970-01-01 come from the civil-calendar formula of H. Hinnant ("chrono-
// Compatible Low-Level Date Algorithms"), in years that start on March 1 so that the leap day
// is the last day of its year.
func unixSeconds(year, month, day, hour, minute, sec, off int) int64 {
	y := year
	if month <= 2 {
		y-- // January and February belong to the previous March-based year
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400 // floor: year 0000's January is in March-based year -1
	}
	yoe := y - era*400                              // [0, 399]
	doy := (153*((month+9)%12)+2)/5 + day - 1       // [0, 365], from March 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy          // [0, 146096]
	days := int64(era)*146097 + int64(doe) - 719468 // 719468: days from 0000-03-01 to 1970-01-01
	return days*86400 + int64(hour*3600+minute*60+sec-off)
}

// daysIn returns the number of days in a month of the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Package traffic generates realistic, reproducible synthetic call-center traffic for
// `ccqa gen` and `ccqa demo`: the calls, chats, surveys and orders of SPEC §3 as the telephony,
// chat, survey and order platforms would send them, plus the agents.csv and targets.csv
// reference data.
//
// The output is a pure function of the Config: the same seed and settings always produce
// byte-identical records in the same order. Traffic follows a daily rhythm (most contacts between
// 09:00 and 21:00 business time, with a lunch and an evening peak) and a weekly one (fewer agents
// and contacts on Saturday and Sunday). Surveys arrive up to 14 days after their contact and order
// status changes follow their creation by minutes to weeks, so late events cross month
// boundaries as they do in production. A small share of messages is re-sent byte for byte
// (duplicates) and another small share is deliberately invalid, to exercise de-duplication and
// the dead-letter path.
//
// Generation streams day by day: memory holds one day of contacts plus the events still to be
// sent (at most a few weeks of surveys and order updates), so it does not grow with Config.Days.
package traffic

import (
	"fmt"
	"math"
	"time"
)

// Default values used by New for zero-valued Config fields.
const (
	DefaultDays                = 30
	DefaultAgents              = 40
	DefaultTeams               = 4
	DefaultContactsPerAgentDay = 30.0
	DefaultDuplicateRate       = 0.01
	DefaultInvalidRate         = 0.005
	DefaultLocationName        = "Asia/Shanghai"
)

// RateOff can be set as Config.DuplicateRate or Config.InvalidRate to switch duplicates or
// invalid messages off; a zero rate selects the default instead. Any negative rate has the same
// effect.
const RateOff = -1.0

// Limits enforced by Config.Validate.
const (
	MaxDays                = 3660
	MaxAgents              = 100000
	MaxContactsPerAgentDay = 2000.0
	MaxRate                = 0.5
)

// Config describes the traffic to generate. Zero-valued fields take the defaults listed with
// each field, so Config{Seed: 7} is a complete configuration.
type Config struct {
	// Seed selects the random stream: the same Seed and settings produce byte-identical output.
	Seed int64
	// Start is the first day. Only its calendar date (in Start's own location) is used; the day
	// begins at midnight in Location. The default is 2026-11-01.
	Start time.Time
	// Days is the number of days of contacts to generate (default 30). Surveys and order updates
	// of the last days arrive after that window.
	Days int
	// Location is the business time zone (default Asia/Shanghai, or a fixed UTC+8 zone when the
	// time zone database is unavailable).
	Location *time.Location
	// Agents is the number of agents (default 40).
	Agents int
	// Teams is the number of teams the agents are spread over (default 4, at most Agents).
	Teams int
	// ContactsPerAgentDay is the mean number of handled contacts (answered calls and chats) per
	// agent per working day (default 30). Individual agents vary around it, team leads handle
	// fewer, and Mondays are busier than weekends.
	ContactsPerAgentDay float64
	// DuplicateRate is the share of messages that are re-sent later as an exact byte-for-byte
	// copy with the same key (default 0.01; RateOff or any negative value for none).
	DuplicateRate float64
	// InvalidRate is the number of extra, deliberately invalid messages per valid message
	// (default 0.005; RateOff or any negative value for none).
	InvalidRate float64
}

// DefaultConfig returns a Config with every field set to its default and the given seed.
func DefaultConfig(seed int64) Config {
	return Config{Seed: seed}.withDefaults()
}

// FieldError reports a Config field with a value out of range.
type FieldError struct {
	// Field is the name of the Config field, e.g. "Days".
	Field string
	// Value is the offending value as text.
	Value string
	// Reason says what values are accepted.
	Reason string
}

// Error returns a message that names the field, its value and the accepted range.
func (e *FieldError) Error() string {
	return fmt.Sprintf("traffic: invalid Config.%s = %s: %s", e.Field, e.Value, e.Reason)
}

// Validate checks the configuration and returns a *FieldError naming the first bad field, or
// nil. Zero values are valid: they select the defaults.
func (c Config) Validate() error {
	if c.Days < 0 || c.Days > MaxDays {
		return &FieldError{"Days", fmt.Sprint(c.Days), fmt.Sprintf("must be between 1 and %d (0 for the default %d)", MaxDays, DefaultDays)}
	}
	if c.Agents < 0 || c.Agents > MaxAgents {
		return &FieldError{"Agents", fmt.Sprint(c.Agents), fmt.Sprintf("must be between 1 and %d (0 for the default %d)", MaxAgents, DefaultAgents)}
	}
	if c.Teams < 0 {
		return &FieldError{"Teams", fmt.Sprint(c.Teams), fmt.Sprintf("must be at least 1 (0 for the default %d)", DefaultTeams)}
	}
	d := c.withDefaults()
	if d.Teams > d.Agents {
		return &FieldError{"Teams", fmt.Sprint(c.Teams), fmt.Sprintf("must not exceed Agents (%d)", d.Agents)}
	}
	if math.IsNaN(c.ContactsPerAgentDay) || c.ContactsPerAgentDay < 0 || c.ContactsPerAgentDay > MaxContactsPerAgentDay {
		return &FieldError{"ContactsPerAgentDay", fmt.Sprint(c.ContactsPerAgentDay), fmt.Sprintf("must be above 0 and at most %g (0 for the default %g)", MaxContactsPerAgentDay, DefaultContactsPerAgentDay)}
	}
	if math.IsNaN(c.DuplicateRate) || math.IsInf(c.DuplicateRate, 0) || c.DuplicateRate > MaxRate {
		return &FieldError{"DuplicateRate", fmt.Sprint(c.DuplicateRate), fmt.Sprintf("must be at most %g (0 for the default %g, negative for none)", MaxRate, DefaultDuplicateRate)}
	}
	if math.IsNaN(c.InvalidRate) || math.IsInf(c.InvalidRate, 0) || c.InvalidRate > MaxRate {
		return &FieldError{"InvalidRate", fmt.Sprint(c.InvalidRate), fmt.Sprintf("must be at most %g (0 for the default %g, negative for none)", MaxRate, DefaultInvalidRate)}
	}
	return nil
}

// withDefaults returns c with zero fields replaced by their defaults and Start normalised to
// midnight in Location.
func (c Config) withDefaults() Config {
	if c.Location == nil {
		c.Location = defaultLocation()
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 11, 1, 0, 0, 0, 0, c.Location)
	} else {
		y, m, d := c.Start.Date()
		c.Start = time.Date(y, m, d, 0, 0, 0, 0, c.Location)
	}
	if c.Days == 0 {
		c.Days = DefaultDays
	}
	if c.Agents == 0 {
		c.Agents = DefaultAgents
	}
	if c.Teams == 0 {
		c.Teams = min(DefaultTeams, c.Agents)
	}
	if c.ContactsPerAgentDay == 0 {
		c.ContactsPerAgentDay = DefaultContactsPerAgentDay
	}
	// Negative rates stay negative (none), so that applying the defaults twice changes nothing.
	if c.DuplicateRate == 0 {
		c.DuplicateRate = DefaultDuplicateRate
	}
	if c.InvalidRate == 0 {
		c.InvalidRate = DefaultInvalidRate
	}
	return c
}

// defaultLocation loads Asia/Shanghai, falling back to a fixed UTC+8 zone (identical for every
// date the generator produces, as China has no daylight saving time) when the time zone database
// is missing.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation(DefaultLocationName); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

package event

import "encoding/json"

// MarshalJSON writes the chat as a ccqa.chats message. It exists because a nil Messages slice
// would otherwise be written as null, which the contract (and DecodeChat) refuses: a chat with
// no messages is written as an empty array.
func (c Chat) MarshalJSON() ([]byte, error) {
	type plain Chat // same fields, no methods: stops json.Marshal from recursing into this one
	p := plain(c)
	if p.Messages == nil {
		p.Messages = []Message{}
	}
	return json.Marshal(p)
}

// MarshalJSON writes the order as a ccqa.orders message. AmountMinor has no JSON tag of its own
// because the wire carries "amount" as a decimal in major units: it is written exactly, with
// two decimal places (1990 becomes 19.90), never through float64, so DecodeOrder reads back the
// same AmountMinor. Values are written as they are, even invalid ones such as a negative amount,
// so that generators can also produce messages meant for the dead-letter path.
func (o Order) MarshalJSON() ([]byte, error) {
	type plain Order // same fields, no methods: stops json.Marshal from recursing into this one
	return json.Marshal(struct {
		plain
		Amount json.Number `json:"amount"`
	}{plain(o), json.Number(formatMinor(o.AmountMinor))})
}

// UnmarshalJSON reads a ccqa.orders message with the full validation of DecodeOrder; it returns
// a *ValidationError for a message that breaks the contract. It exists so that json.Unmarshal
// fills AmountMinor from "amount" symmetrically with MarshalJSON, instead of silently leaving it
// zero. A JSON null leaves the order unchanged, as encoding/json does for other types.
func (o *Order) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := DecodeOrder(b)
	if err != nil {
		return err
	}
	*o = v
	return nil
}

package models

import "encoding/json"

// Office is the clean-up office (网贷整治办) of a division, named by the division's 6-digit code: a
// province ("440000") or a plan city ("440300"). It is what the public sees of who decided a class or
// a disposition: the office, by name and code, never the account of the person who clicked. The
// account stays in the record for internal use (DecidedBy) and is never published.
type Office string

// DecidingOffice returns the office that decides for an institution: the office keeping the list
// it is on (属地管理; only that office may write its records, see the app's scope checks).
func DecidingOffice(in Institution) Office { return Office(in.Province) }

// Name is the office's Chinese name, e.g. 广东省网贷整治办; "" for a code that names no office.
func (o Office) Name() string {
	if d, ok := LookupDivision(string(o)); ok {
		return d.Name + "网贷整治办"
	}
	return ""
}

// NameEN is the office's English name, e.g. "Guangdong P2P clean-up office".
func (o Office) NameEN() string {
	if d, ok := LookupDivision(string(o)); ok {
		return d.NameEN + " P2P clean-up office"
	}
	return ""
}

// officeJSON is an office as answers carry it.
type officeJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// MarshalJSON writes the office as {"code", "name", "name_en"}, or null when no office is recorded.
func (o Office) MarshalJSON() ([]byte, error) {
	if o == "" {
		return []byte("null"), nil
	}
	return json.Marshal(officeJSON{Code: string(o), Name: o.Name(), NameEN: o.NameEN()})
}

// UnmarshalJSON reads the office back from its object (or a bare code).
func (o *Office) UnmarshalJSON(b []byte) error {
	var v officeJSON
	if err := json.Unmarshal(b, &v); err != nil {
		var code *string
		if err2 := json.Unmarshal(b, &code); err2 != nil {
			return err
		}
		if code != nil {
			v.Code = *code
		}
	}
	*o = Office(v.Code)
	return nil
}

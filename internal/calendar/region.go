package calendar

import (
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// Region is a bank-holiday division of the UK, named as gov.uk names it.
// The region that applies is that of the controller, or of the office
// handling the request, not where the requester lives (C3).
type Region string

// The three regions.
const (
	EnglandAndWales Region = "england-and-wales"
	Scotland        Region = "scotland"
	NorthernIreland Region = "northern-ireland"
)

// Regions lists the valid regions.
func Regions() []Region { return []Region{EnglandAndWales, Scotland, NorthernIreland} }

// ParseRegion reads a region name; case and surrounding space are ignored.
func ParseRegion(s string) (Region, error) {
	r := Region(strings.ToLower(strings.TrimSpace(s)))
	if r.Valid() {
		return r, nil
	}
	return "", apperr.New(apperr.Invalid, "%q is not a region: use england-and-wales, scotland or northern-ireland (the bank holidays of the office handling the request)", s)
}

// Valid reports whether r is one of the three regions.
func (r Region) Valid() bool {
	switch r {
	case EnglandAndWales, Scotland, NorthernIreland:
		return true
	}
	return false
}

func (r Region) String() string { return string(r) }

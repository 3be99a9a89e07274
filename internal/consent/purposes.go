package consent

import (
	"slices"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// Class is what kind of communication a message is. Only marketing needs
// consent and stops at an opt-out: an operational message (a change to
// membership terms, a reply to a query) and a democratic one (elections
// and ballots the rules require) go to everyone they concern.
type Class string

const (
	ClassMarketing   Class = "marketing"
	ClassOperational Class = "operational"
	ClassDemocratic  Class = "democratic"
)

// Classes lists every class.
func Classes() []Class { return []Class{ClassMarketing, ClassOperational, ClassDemocratic} }

// StoppedByOptOut reports whether an opt-out (or the objection to direct
// marketing) stops communications of the class: marketing only.
func (c Class) StoppedByOptOut() bool { return c == ClassMarketing }

// Valid reports whether c is one of the classes.
func (c Class) Valid() bool { return slices.Contains(Classes(), c) }

// Label is the class in words.
func (c Class) Label() string {
	switch c {
	case ClassMarketing:
		return "Marketing"
	case ClassOperational:
		return "Operational"
	case ClassDemocratic:
		return "Democratic (elections and ballots)"
	}
	return string(c)
}

// The catalogue of consent purposes, stored as these codes.
const (
	ConsentNewsletters = "newsletters"
	ConsentCampaigns   = "campaigns"
	ConsentSurveys     = "surveys"
	ConsentPhotos      = "photos"
	ConsentWebsite     = "website"
	ConsentResearch    = "research"
	// AllMarketing names every marketing purpose at once in an opt-out or
	// an unsubscribe link: the objection to direct marketing.
	AllMarketing = "all_marketing"
)

// PurposeInfo describes a consent purpose.
type PurposeInfo struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	// Class is the class of the communications sent under the purpose:
	// marketing for newsletters, campaigns and surveys; operational for
	// uses of data that are not messages (photos, the website, research).
	Class Class `json:"class"`
}

// Marketing reports whether an objection to direct marketing withdraws it.
func (p PurposeInfo) Marketing() bool { return p.Class == ClassMarketing }

// Catalogue lists the consent purposes in display order.
func Catalogue() []PurposeInfo {
	return []PurposeInfo{
		{ConsentNewsletters, "Newsletters and news by email or post", ClassMarketing},
		{ConsentCampaigns, "Campaigns, events and calls to action", ClassMarketing},
		{ConsentSurveys, "Surveys and consultations", ClassMarketing},
		{ConsentPhotos, "Photos and video of me at events", ClassOperational},
		{ConsentWebsite, "Publishing my name or story on the website", ClassOperational},
		{ConsentResearch, "Taking part in research", ClassOperational},
	}
}

// PurposeOf returns a purpose of the catalogue by code.
func PurposeOf(code string) (PurposeInfo, error) {
	for _, p := range Catalogue() {
		if p.Code == code {
			return p, nil
		}
	}
	return PurposeInfo{}, apperr.New(apperr.Invalid, "Unknown consent purpose %q: use %s.", code, strings.Join(purposeCodes(), ", "))
}

func purposeCodes() []string {
	var out []string
	for _, p := range Catalogue() {
		out = append(out, p.Code)
	}
	return out
}

// MarketingPurposes lists the codes an objection to direct marketing
// withdraws.
func MarketingPurposes() []string {
	var out []string
	for _, p := range Catalogue() {
		if p.Marketing() {
			out = append(out, p.Code)
		}
	}
	return out
}

// ClassOf is the class of the communications sent under a purpose code; an
// unknown code is marketing, so that nothing unknown escapes an opt-out.
func ClassOf(code string) Class {
	if p, err := PurposeOf(code); err == nil {
		return p.Class
	}
	return ClassMarketing
}

// Channel is how a consent, a withdrawal or an opt-out reached the
// organisation. It is a code.
type Channel string

const (
	ChannelWeb         Channel = "web"
	ChannelPaper       Channel = "paper"
	ChannelEmail       Channel = "email"
	ChannelPhone       Channel = "phone"
	ChannelInPerson    Channel = "in_person"
	ChannelImport      Channel = "import"
	ChannelPreferences Channel = "preference_centre"
	ChannelUnsubscribe Channel = "unsubscribe"
)

// Channels lists the channels staff may record; the preference centre and
// unsubscribe links record their own.
func Channels() []Channel {
	return []Channel{ChannelWeb, ChannelPaper, ChannelEmail, ChannelPhone, ChannelInPerson, ChannelImport}
}

// Label says the channel in words.
func (c Channel) Label() string {
	switch c {
	case ChannelWeb:
		return "web form"
	case ChannelPaper:
		return "paper form"
	case ChannelEmail:
		return "email"
	case ChannelPhone:
		return "phone"
	case ChannelInPerson:
		return "in person"
	case ChannelImport:
		return "import from another tool"
	case ChannelPreferences:
		return "preference centre"
	case ChannelUnsubscribe:
		return "unsubscribe link"
	}
	return string(c)
}

func (c Channel) check(public bool) error {
	if slices.Contains(Channels(), c) || public && (c == ChannelPreferences || c == ChannelUnsubscribe) {
		return nil
	}
	return apperr.New(apperr.Invalid, "Say how this reached you: the channel must be one of web, paper, email, phone, in_person or import, not %q.", string(c))
}

// source is the suppression list's source for an opt-out by the channel.
func (c Channel) source() Source {
	switch c {
	case ChannelPreferences:
		return SourcePreferences
	case ChannelUnsubscribe:
		return SourceUnsubscribe
	case ChannelImport:
		return SourceImport
	}
	return SourceStaff
}

package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/rights"
)

// publicPageRoutes are the pages anyone may use without signing in: the
// rights request form and the status check. They are rate-limited per
// client address like sign-in, and put nothing personal or secret in a URL.
//
// The status "link" is deliberately not a link. The secret that opens a
// request's status is a bearer credential: in a URL it would sit in the
// browser's history, in bookmarks synced to other devices, in proxy and
// server logs, and be sent on by mail clients and link previewers. So the
// person keeps two things: the status page's address, which is the same
// for everyone, and their own code, which they paste into the form there
// and which travels only in a POST body. The receipt page shows both once,
// says plainly that we cannot show the code again (only its hash is kept),
// and offers a button that posts the code to the status page at once, so
// they can see it work before they leave. The receipt is the POST
// response itself rather than a redirect: a redirect would need the code
// in the URL or in a cookie, and a stored copy is what we avoid.
// Reloading it re-sends the form (the browser asks first); the service
// links a second request from the same address to the first.
func (s *Server) publicPageRoutes() []route {
	return []route{
		{"GET /request", "", s.publicRequestPage},
		{"POST /request", "", s.publicRequestSubmit},
		{"GET /request/status", "", s.publicStatusPage},
		{"POST /request/status", "", s.publicStatusSubmit},
	}
}

// publicOrg is what the public pages say about the organisation, from the
// data map's controller details.
type publicOrg struct {
	Name string
	// PrivacyURL is a web address found in the controller's contact or
	// DPO details: where the organisation publishes its privacy notice.
	PrivacyURL string
	// DPO is the data protection officer's details as entered, and
	// DPOEmail an address found in them, for a mailto link.
	DPO      string
	DPOEmail string
}

var (
	webAddress  = regexp.MustCompile(`https?://[^\s<>"']+`)
	mailAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
)

// publicReader is the actor the public pages read the controller's details
// as. Those details are public by nature (they head every privacy notice),
// but the data map answers only to an actor holding datamap:read, as it
// should. This one holds that permission alone, on the organisation, and
// records no account.
func publicReader(rootPath string) *access.Actor {
	return &access.Actor{AccountID: access.SystemActorID, Username: "public pages", Via: access.ViaSystem,
		Grants: []access.Grant{{Role: access.RoleTrustee, UnitPath: rootPath}}, TokenPerms: []access.Permission{access.PermDataMapRead}}
}

// org reads the controller's details for the public pages. A data map not
// filled in yet gives empty details, and the pages say to ask.
func (s *Server) org(ctx context.Context) (publicOrg, error) {
	if s.datamap == nil {
		return publicOrg{}, nil
	}
	root, err := s.access.RootUnit(ctx)
	if err != nil {
		return publicOrg{}, err
	}
	c, err := s.datamap.Controller(access.WithActor(ctx, publicReader(root.Path)))
	if err != nil {
		return publicOrg{}, err
	}
	o := publicOrg{Name: c.Name, DPO: strings.TrimSpace(c.DPO)}
	for _, text := range []string{c.Contact, c.DPO} {
		if u := strings.TrimRight(webAddress.FindString(text), ".,;:)"); u != "" && o.PrivacyURL == "" {
			o.PrivacyURL = u
		}
	}
	for _, text := range []string{c.DPO, c.Contact} {
		if m := mailAddress.FindString(text); m != "" && o.DPOEmail == "" {
			o.DPOEmail = m
		}
	}
	return o, nil
}

// publicKindLabel names a right as the person asking would put it.
func publicKindLabel(k rights.Kind) string {
	switch k {
	case rights.KindAccess:
		return "A copy of the personal data you hold about me (access)"
	case rights.KindRectification:
		return "Correct data about me that is wrong or incomplete (rectification)"
	case rights.KindErasure:
		return "Delete the data you hold about me (erasure)"
	case rights.KindRestriction:
		return "Stop using my data for now, but keep it (restriction)"
	case rights.KindPortability:
		return "The data I gave you, in a form I can take elsewhere (portability)"
	case rights.KindObjection:
		return "Stop using my data for a purpose I object to (objection)"
	case rights.KindMarketing:
		return "Stop sending me marketing (direct marketing)"
	case rights.KindAutomated:
		return "Have a person look again at a decision made about me by a computer alone"
	}
	return string(k)
}

func publicRequesterLabel(who rights.Requester) string {
	switch who {
	case rights.RequesterSelf:
		return "I am asking about my own data"
	case rights.RequesterParent:
		return "I am a parent or guardian asking for a child"
	case rights.RequesterSolicitor:
		return "I am a solicitor or other professional acting for someone"
	case rights.RequesterOther:
		return "I am asking for someone else who has authorised me"
	}
	return string(who)
}

// publicStatusLabel says where a request stands, to the person who made it.
func publicStatusLabel(st rights.Status) string {
	switch st {
	case rights.StatusNew:
		return "Received: waiting for our data protection officer to take it on"
	case rights.StatusIdentity:
		return "Waiting for proof of identity or authority from you"
	case rights.StatusFee:
		return "Waiting for a fee"
	case rights.StatusClarification:
		return "Paused: waiting for your answer to our question"
	case rights.StatusOpen:
		return "Being worked on"
	case rights.StatusClosed:
		return "Answered"
	}
	return string(st)
}

// publicForm is the request form's view: the choices and what was typed.
type publicForm struct {
	Org        publicOrg
	In         rights.PublicInput
	Kinds      []option
	Requesters []option
}

func (s *Server) publicFormPage(w http.ResponseWriter, r *http.Request, code int, in rights.PublicInput, msg string) error {
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	v := publicForm{Org: o, In: in}
	for _, k := range rights.Kinds() {
		v.Kinds = append(v.Kinds, option{string(k), publicKindLabel(k)})
	}
	for _, who := range rights.Requesters() {
		v.Requesters = append(v.Requesters, option{string(who), publicRequesterLabel(who)})
	}
	s.render(w, r, code, "public_request", view{Title: "Make a data protection request", Error: msg, Data: v})
	return nil
}

func (s *Server) publicRequestPage(w http.ResponseWriter, r *http.Request) error {
	return s.publicFormPage(w, r, http.StatusOK, rights.PublicInput{Requester: rights.RequesterSelf}, "")
}

// publicReceipt is the page shown once after a request is made.
type publicReceipt struct {
	Org       publicOrg
	Ref       string
	Code      string
	StatusURL string
}

// publicRequestSubmit records the request. It runs without an actor even
// when someone is signed in: the public form is the public's, and staff
// log what they receive at /requests/new.
func (s *Server) publicRequestSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := rights.PublicInput{Kind: rights.Kind(f.Get("kind")), Requester: rights.Requester(f.Get("requester")),
		Details: rights.Details{RequesterName: f.Get("requester_name"), RequesterEmail: f.Get("requester_email"),
			RequesterPhone: f.Get("requester_phone"), RequesterPost: f.Get("requester_post"), SubjectName: f.Get("subject_name"),
			Identifiers: f.Get("identifiers"), Description: f.Get("description")}}
	if !s.publicRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicFormPage(w, r, http.StatusTooManyRequests, in,
			"Too many requests have been sent from your connection in the last few minutes. Nothing you typed is lost: wait a minute, then send it again.")
	}
	rec, err := s.rights.Submit(access.WithActor(r.Context(), nil), in)
	if err != nil {
		if code := status(apperr.CodeOf(err)); code < 500 {
			return s.publicFormPage(w, r, code, in, apperr.MessageOf(err))
		}
		return err
	}
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "public_receipt", view{Title: "Your request has been sent",
		Data: publicReceipt{Org: o, Ref: rec.Ref, Code: rec.Secret, StatusURL: s.absURL(r, "/request/status")}})
	return nil
}

// absURL is the full address of path on this server, to show as text
// someone can keep: under the configured public address, or else as the
// person's browser reached it.
func (s *Server) absURL(r *http.Request, path string) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL + path
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: path}
	if r.TLS != nil || s.cfg.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https" {
		u.Scheme = "https"
	}
	return u.String()
}

// publicStatus is the status page's view: the form, and the answer once a
// code was sent.
type publicStatus struct {
	Org    publicOrg
	Status *rights.PublicStatus
}

// KindLabel and StatusLabel put the answer in the requester's words.
func (p publicStatus) KindLabel() string   { return publicKindLabel(p.Status.Kind) }
func (p publicStatus) StatusLabel() string { return publicStatusLabel(p.Status.Status) }

func (s *Server) publicStatusView(w http.ResponseWriter, r *http.Request, code int, st *rights.PublicStatus, msg string) error {
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	title := "Check your request"
	if st != nil {
		title = "Your request " + st.Ref
	}
	s.render(w, r, code, "public_status", view{Title: title, Error: msg, Data: publicStatus{Org: o, Status: st}})
	return nil
}

func (s *Server) publicStatusPage(w http.ResponseWriter, r *http.Request) error {
	return s.publicStatusView(w, r, http.StatusOK, nil, "")
}

// publicStatusSubmit answers a status code sent in the body. A wrong code
// gets the service's one not-found answer, whatever was wrong with it.
func (s *Server) publicStatusSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if !s.statusRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicStatusView(w, r, http.StatusTooManyRequests, nil,
			"Too many status checks have come from your connection in the last few minutes. Wait a minute and try again.")
	}
	st, err := s.rights.Status(r.Context(), f.Get("code"))
	if err != nil {
		if code := status(apperr.CodeOf(err)); code < 500 {
			return s.publicStatusView(w, r, code, nil, apperr.MessageOf(err))
		}
		return err
	}
	return s.publicStatusView(w, r, http.StatusOK, st, "")
}

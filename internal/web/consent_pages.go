package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/subjects"
)

// consentImportPattern takes an opt-out file, so it has a larger body
// limit (see bodyLimit).
const consentImportPattern = "POST /consent/import"

// maxConsentUpload bounds an opt-out file: 100,000 rows of an email, a
// phone number and a purpose fit well inside it.
const maxConsentUpload = 16 << 20

// consentPageRoutes are the consent and opt-out register, a person's
// consent panel (on the person page) and its forms, and the public
// preference centre and unsubscribe links. The public pages need no
// sign-in: the token in the address is the person's link, and the service
// acts for that one person only. POST /u/{token} is also the one-click
// unsubscribe endpoint of RFC 8058, which mail providers call from their
// servers without cookies, an Origin or Sec-Fetch-Site header; Handler
// exempts it from cross-origin protection, which is safe because it only
// ever stops messages to the person the unguessable token names.
func (s *Server) consentPageRoutes() []route {
	return []route{
		{"GET /consent", access.PermConsentRecord, s.consentRegisterPage},
		{"POST /consent/wordings", access.PermRightsManage, s.consentWordingSubmit},
		{"GET /consent/import", access.PermConsentRecord, s.consentImportPage},
		{consentImportPattern, access.PermConsentRecord, s.consentImportUpload},
		{"POST /people/{id}/consent", access.PermConsentRecord, s.personConsentSubmit},
		{"POST /people/{id}/opt-out", access.PermConsentRecord, s.personOptOutSubmit},
		{"POST /people/{id}/preference-link", access.PermRightsManage, s.personPreferenceLink},
		{"POST /people/{id}/preference-link/email", access.PermConsentRecord, s.personPreferenceLinkEmail},
		{"GET /preferences/{token}", "", s.preferencesPage},
		{"POST /preferences/{token}", "", s.preferencesSubmit},
		{"GET /u/{token}", "", s.unsubscribePage},
		{unsubscribePattern, "", s.unsubscribeSubmit},
	}
}

// unsubscribePattern is the one-click unsubscribe endpoint.
const unsubscribePattern = "POST /u/{token}"

func consentChannelOptions() []option {
	var out []option
	for _, c := range consent.Channels() {
		out = append(out, option{string(c), c.Label()})
	}
	return out
}

// consentRegister is the register page's view.
type consentRegister struct {
	*consent.Overview
	Imported *consent.ImportReport
}

func (s *Server) consentRegisterPage(w http.ResponseWriter, r *http.Request) error {
	o, err := s.consent.Overview(r.Context())
	if err != nil {
		return err
	}
	notice := ""
	if r.URL.Query().Get("done") == "wording" {
		notice = "The new wording is published. Consents given from now on point to it."
	}
	s.render(w, r, http.StatusOK, "consent", view{Title: "Consent and opt-outs", Notice: notice, Data: consentRegister{Overview: o}})
	return nil
}

func (s *Server) consentWordingSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if _, err := s.consent.PublishWording(r.Context(), f.Get("purpose"), f.Get("body")); err != nil {
		return err
	}
	http.Redirect(w, r, "/consent?done=wording", http.StatusSeeOther)
	return nil
}

// consentImportView is the import page's view.
type consentImportView struct {
	Purposes []consent.PurposeInfo
	Purpose  string
	Report   *consent.ImportReport
}

func (s *Server) consentImportPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "consent_import", view{Title: "Import opt-outs", Data: consentImportView{Purposes: consent.Catalogue()}})
	return nil
}

// consentImportUpload reads the file in memory and imports it, or with
// the dry-run box ticked only reports what would happen.
func (s *Server) consentImportUpload(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(maxConsentUpload + 1<<20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.Invalid, "The file is larger than %d MB: split it into smaller files.", maxConsentUpload>>20)
		}
		return apperr.New(apperr.Invalid, "Choose the CSV file exported from the tool.")
	}
	defer r.MultipartForm.RemoveAll()
	v := r.MultipartForm.Value
	view0 := consentImportView{Purposes: consent.Catalogue(), Purpose: first(v["purpose"])}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		s.render(w, r, http.StatusBadRequest, "consent_import", view{Title: "Import opt-outs", Error: "Choose the CSV file exported from the tool.", Data: view0})
		return nil
	}
	f, err := files[0].Open()
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "The file could not be read; please try again.")
	}
	defer f.Close()
	rep, err := s.consent.ImportOptOuts(r.Context(), io.LimitReader(f, maxConsentUpload), view0.Purpose, first(v["dry_run"]) == "on")
	if err != nil {
		if code := status(apperr.CodeOf(err)); code < 500 && code != http.StatusForbidden {
			s.render(w, r, code, "consent_import", view{Title: "Import opt-outs", Error: apperr.MessageOf(err), Data: view0})
			return nil
		}
		return err
	}
	view0.Report = rep
	code, msg := http.StatusOK, ""
	if len(rep.Problems) > 0 {
		code, msg = http.StatusBadRequest, "Nothing was recorded: correct the lines below in the file and upload it again."
	}
	s.render(w, r, code, "consent_import", view{Title: "Import opt-outs", Error: msg, Data: view0})
	return nil
}

// consentPanel is the consent section of the person page.
type consentPanel struct {
	*consent.Panel
	Words    map[string]consent.Wording
	Purposes []consent.PurposeInfo
	Channels []option
	// HasEmail: the person has an address to email their preference link
	// to; ShowLink: the viewer (the DPO) may also see the link itself.
	HasEmail, ShowLink bool
}

// personConsentPanel reads the person's consents for their page, or nil
// when the signed-in account may not see them.
func (s *Server) personConsentPanel(r *http.Request, p *subjects.Subject) (*consentPanel, error) {
	a := access.ActorFrom(r.Context())
	if s.consent == nil || p.Erased || !(a.Can(access.PermConsentRecord) || a.Can(access.PermRightsManage)) {
		return nil, nil
	}
	panel, err := s.consent.Panel(r.Context(), p.ID)
	if c := apperr.CodeOf(err); c == apperr.NotFound || c == apperr.Forbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	words, err := s.consent.CurrentWordings(r.Context())
	if err != nil {
		return nil, err
	}
	return &consentPanel{Panel: panel, Words: words, Purposes: consent.Catalogue(), Channels: consentChannelOptions(),
		HasEmail: p.Profile.Email != "", ShowLink: a.Can(access.PermRightsManage)}, nil
}

func (s *Server) personConsentSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := consent.RecordInput{Purpose: f.Get("purpose"), Channel: consent.Channel(f.Get("channel")), WordingID: f.Get("wording_id"),
		Guardian: &consent.Guardian{Name: f.Get("guardian_name"), Relationship: f.Get("guardian_relationship")}}
	switch f.Get("given") {
	case "yes":
		in.Given = new(true)
	case "no":
		in.Given = new(false)
	}
	id := r.PathValue("id")
	if _, err := s.consent.Record(r.Context(), id, in); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+url.PathEscape(id)+"?done=saved#consent", http.StatusSeeOther)
	return nil
}

func (s *Server) personOptOutSubmit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.consent.OptOut(r.Context(), id, consent.OptOutInput{Purpose: f.Get("purpose"), Channel: consent.Channel(f.Get("channel"))}); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+url.PathEscape(id)+"?done=saved#consent", http.StatusSeeOther)
	return nil
}

// preferenceLink is the page showing a person's preference link once, to
// copy into a letter or a message to them. Only the DPO may see it: anyone
// else on the staff emails the link to the person (personPreferenceLinkEmail)
// and never sees it, since whoever holds it can record choices as the
// person.
type preferenceLink struct {
	PersonID string
	URL      string
}

func (s *Server) personPreferenceLink(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	tok, err := s.consent.PreferenceToken(r.Context(), id)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "consent_link", view{Title: "Preference link", Data: preferenceLink{PersonID: id, URL: s.absURL(r, "/preferences/"+tok)}})
	return nil
}

// personPreferenceLinkEmail emails the person their preference link, to
// their own address on record, without showing it to whoever asked.
func (s *Server) personPreferenceLinkEmail(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := s.notify.SendPreferenceLink(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+url.PathEscape(id)+"?done=link_emailed#consent", http.StatusSeeOther)
	return nil
}

// preferencesView is the public preference page's view.
type preferencesView struct {
	Org     publicOrg
	Token   string
	Prefs   *consent.Preferences
	Expired bool
	// Problem is set when the link did not open: the page then says how
	// to get a new one.
	Problem string
}

func (s *Server) preferencesView(w http.ResponseWriter, r *http.Request, code int, v preferencesView, notice string) error {
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	v.Org = o
	title := "Your preferences"
	if v.Problem != "" {
		title = "This link does not work"
	}
	s.render(w, r, code, "preferences", view{Title: title, Notice: notice, Data: v})
	return nil
}

// linkProblem renders the page for a link that did not open, or returns
// the error when it is something else.
func (s *Server) linkProblem(w http.ResponseWriter, r *http.Request, err error) error {
	if apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	code := http.StatusNotFound
	if consent.LinkExpired(err) {
		code = http.StatusGone
	}
	return s.preferencesView(w, r, code, preferencesView{Problem: apperr.MessageOf(err), Expired: consent.LinkExpired(err)}, "")
}

func (s *Server) publicTooMany(w http.ResponseWriter, r *http.Request) error {
	return s.preferencesView(w, r, http.StatusTooManyRequests, preferencesView{Problem: "Too many requests have come from your connection in the last few minutes. Wait a minute and try again."}, "")
}

func (s *Server) preferencesPage(w http.ResponseWriter, r *http.Request) error {
	if !s.prefRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicTooMany(w, r)
	}
	tok := r.PathValue("token")
	prefs, err := s.consent.PublicPreferences(access.WithActor(r.Context(), nil), tok)
	if err != nil {
		return s.linkProblem(w, r, err)
	}
	notice := ""
	if r.URL.Query().Get("saved") != "" {
		notice = "Your choices are saved. Thank you."
	}
	return s.preferencesView(w, r, http.StatusOK, preferencesView{Token: tok, Prefs: prefs}, notice)
}

func (s *Server) preferencesSubmit(w http.ResponseWriter, r *http.Request) error {
	if !s.prefRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicTooMany(w, r)
	}
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := consent.PreferenceChoices{Ticked: map[string]bool{}, Shown: map[string]string{}, StopAllMarketing: f.Get("stop_all") == "on"}
	for _, code := range f["purpose"] {
		in.Ticked[code] = true
	}
	for _, p := range consent.Catalogue() {
		if id := f.Get("wording_" + p.Code); id != "" {
			in.Shown[p.Code] = id
		}
	}
	tok := r.PathValue("token")
	if _, err := s.consent.SavePreferences(access.WithActor(r.Context(), nil), tok, in); err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			prefs, perr := s.consent.PublicPreferences(access.WithActor(r.Context(), nil), tok)
			if perr != nil {
				return s.linkProblem(w, r, perr)
			}
			o, oerr := s.org(r.Context())
			if oerr != nil {
				return oerr
			}
			s.render(w, r, http.StatusBadRequest, "preferences", view{Title: "Your preferences", Error: apperr.MessageOf(err),
				Data: preferencesView{Org: o, Token: tok, Prefs: prefs}})
			return nil
		}
		return s.linkProblem(w, r, err)
	}
	http.Redirect(w, r, "/preferences/"+url.PathEscape(tok)+"?saved=1", http.StatusSeeOther)
	return nil
}

// unsubscribeView is the unsubscribe page's view.
type unsubscribeView struct {
	Org   publicOrg
	Token string
	What  string
	Done  bool
}

// unsubscribePage only asks: link scanners in mail systems open every
// link in a message, so a GET never unsubscribes anyone.
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	if !s.prefRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicTooMany(w, r)
	}
	tok := r.PathValue("token")
	what, err := s.consent.UnsubscribeLabel(r.Context(), tok)
	if err != nil {
		return s.linkProblem(w, r, err)
	}
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unsubscribe", view{Title: "Unsubscribe", Data: unsubscribeView{Org: o, Token: tok, What: what}})
	return nil
}

// unsubscribeSubmit unsubscribes: from the confirm button, or from a mail
// client's one-click POST (body List-Unsubscribe=One-Click, RFC 8058),
// which carries no cookie and needs only a 200.
func (s *Server) unsubscribeSubmit(w http.ResponseWriter, r *http.Request) error {
	if !s.unsubRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		return s.publicTooMany(w, r)
	}
	tok := r.PathValue("token")
	what, err := s.consent.Unsubscribe(access.WithActor(r.Context(), nil), tok)
	if err != nil {
		return s.linkProblem(w, r, err)
	}
	o, err := s.org(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unsubscribe", view{Title: "Unsubscribed", Data: unsubscribeView{Org: o, What: what, Done: true}})
	return nil
}

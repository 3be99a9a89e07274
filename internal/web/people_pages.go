package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/subjects"
)

// recordUploadPattern takes files, so it has a larger body limit.
const recordUploadPattern = "POST /people/{id}/records"

// peoplePageRoutes are the register's pages. Searching is a POST: a search
// term is personal data and must not sit in a URL, a history or a log.
func (s *Server) peoplePageRoutes() []route {
	return []route{
		{"GET /people", access.PermSubjectsRead, s.peoplePage},
		{"POST /people/search", access.PermSubjectsRead, s.peopleSearch},
		{"GET /people/import", access.PermSubjectsImport, s.importPage},
		{importUploadPattern, access.PermSubjectsImport, s.importUpload},
		{"GET /people/new", access.PermSubjectsWrite, s.personNewPage},
		{"POST /people", access.PermSubjectsWrite, s.personCreate},
		{"GET /people/{id}", access.PermSubjectsRead, s.personPage},
		{"GET /people/{id}/edit", access.PermSubjectsWrite, s.personEditPage},
		{"POST /people/{id}", access.PermSubjectsWrite, s.personUpdate},
		{"POST /people/{id}/restriction", access.PermRightsManage, s.personRestrict},
		{recordUploadPattern, access.PermSubjectsRead, s.recordCreate},
		{"GET /files/{id}", access.PermSubjectsRead, s.fileDownload},
	}
}

type peopleView struct {
	People   []subjects.Subject
	Units    map[string]string
	AllUnits []access.Unit
	Kinds    []subjects.Kind
	Filter   subjects.Filter
	Next     string
	Searched bool
}

// unitNames maps unit ids to names for display.
func (s *Server) unitNames(r *http.Request) (map[string]string, []access.Unit, error) {
	units, err := s.access.Units(r.Context())
	if err != nil {
		return nil, nil, err
	}
	m := make(map[string]string, len(units))
	for _, u := range units {
		m[u.ID] = u.Name
	}
	return m, units, nil
}

func (s *Server) peoplePage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := subjects.Filter{UnitID: q.Get("unit"), Kind: subjects.Kind(q.Get("kind")), Status: subjects.Status(q.Get("status")), After: q.Get("after")}
	if f.UnitID != "" && !store.ValidID(f.UnitID) || f.After != "" && !store.ValidID(f.After) {
		return apperr.New(apperr.NotFound, "No such unit or page.")
	}
	people, next, err := s.subjects.List(r.Context(), f)
	if err != nil {
		return err
	}
	names, units, err := s.unitNames(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "people", view{Title: "People", Data: peopleView{People: people, Units: names, AllUnits: units, Kinds: subjects.Kinds(), Filter: f, Next: next}})
	return nil
}

func (s *Server) peopleSearch(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	people, err := s.subjects.Search(r.Context(), r.PostForm.Get("q"))
	if err != nil && apperr.CodeOf(err) != apperr.Invalid {
		return err
	}
	names, units, uerr := s.unitNames(r)
	if uerr != nil {
		return uerr
	}
	v := view{Title: "People", Data: peopleView{People: people, Units: names, AllUnits: units, Kinds: subjects.Kinds(), Searched: true}}
	if err != nil {
		v.Error = apperr.MessageOf(err)
	}
	s.render(w, r, http.StatusOK, "people", v)
	return nil
}

type personView struct {
	Person   *subjects.Subject
	UnitName string
	History  []subjects.Change
	Records  []subjects.Record
	Choices  *datamap.Choices
	Names    map[string]string
	Kinds2   []string
	Units    []access.Unit
	Kinds    []subjects.Kind
	Fields   []string
	Reason   string
	May      personMay
	Consent  *consentPanel // nil when the account may not see consents
	// Disclosures are who received the person's data (the disclosure log).
	Disclosures []disclosures.Disclosure
}

// personMay is what the person page offers the signed-in account. It
// follows the services' rules so the page does not offer what they would
// refuse; the services check again on every request.
type personMay struct {
	Edit      bool // rectify the profile: subjects:write in the person's unit
	AddRecord bool // add a record or file: subjects:write or cases:write there
	Download  bool // download a record's file
	// Restricted is true when a restriction of processing (Art 18) takes
	// the above away: only those who manage rights requests in the
	// person's unit may change or copy the data of a restricted person.
	Restricted bool
}

// msgRestrictedEdit is the service's refusal of an edit of a restricted
// person, given here before the edit form is shown rather than after it
// is filled in.
const msgRestrictedEdit = "This person's data is restricted (Art 18): only the data protection officer may change it."

// personMayFor works out personMay for the actor, given the units it may
// see (which include the person's, since it may read them).
func personMayFor(a *access.Actor, p *subjects.Subject, units []access.Unit) personMay {
	path := ""
	for _, u := range units {
		if u.ID == p.UnitID {
			path = u.Path
			break
		}
	}
	// With no path CanIn is false throughout: nothing is offered.
	may := personMay{
		Edit:      a.CanIn(access.PermSubjectsWrite, path),
		AddRecord: a.CanIn(access.PermSubjectsWrite, path) || a.CanIn(access.PermCasesWrite, path),
		Download:  a.CanIn(access.PermSubjectsRead, path),
	}
	if p.Restricted && !a.CanIn(access.PermRightsManage, path) {
		may = personMay{Restricted: true}
	}
	return may
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.subjects.Get(ctx, r.PathValue("id"), "view")
	if err != nil {
		return err
	}
	hist, err := s.subjects.History(ctx, p.ID)
	if err != nil {
		return err
	}
	v, err := s.personRecordsView(r, p, hist)
	if err != nil {
		return err
	}
	if v.Consent, err = s.personConsentPanel(r, p); err != nil {
		return err
	}
	v.Disclosures = s.personDisclosures(r, p.ID)
	notice := ""
	switch r.URL.Query().Get("done") {
	case "saved":
		notice = "Saved."
	case "link_emailed":
		notice = "Their preference link is in the outbox, addressed to them only. Nobody else sees it."
	}
	s.render(w, r, http.StatusOK, "person", view{Title: personTitle, Notice: notice, Data: v})
	return nil
}

// formInput reads the person form.
func formInput(r *http.Request) (subjects.Input, error) {
	if err := r.ParseForm(); err != nil {
		return subjects.Input{}, apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	f := r.PostForm
	in := subjects.Input{UnitID: f.Get("unit_id"), Kind: subjects.Kind(f.Get("kind")), JoinedOn: f.Get("joined_on"), LeftOn: f.Get("left_on"), InterviewOn: f.Get("interview_on")}
	for _, name := range subjects.Fields() {
		in.Profile.Set(name, f.Get(name))
	}
	return in, nil
}

func (s *Server) personForm(w http.ResponseWriter, r *http.Request, code int, title string, p *subjects.Subject, reason string, err error) error {
	_, units, uerr := s.unitNames(r)
	if uerr != nil {
		return uerr
	}
	v := view{Title: title, Data: personView{Person: p, Units: units, Kinds: subjects.Kinds(), Fields: subjects.Fields(), Reason: reason}}
	if err != nil {
		v.Error = apperr.MessageOf(err)
	}
	s.render(w, r, code, "person_form", v)
	return nil
}

func (s *Server) personNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.personForm(w, r, http.StatusOK, "Add a person", &subjects.Subject{Kind: subjects.KindMember, UnitID: r.URL.Query().Get("unit")}, "", nil)
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request) error {
	in, err := formInput(r)
	if err != nil {
		return err
	}
	p, err := s.subjects.Create(r.Context(), in)
	if err != nil {
		if code := status(apperr.CodeOf(err)); code < 500 {
			return s.personForm(w, r, code, "Add a person", inputSubject(in, "", 0), "", err)
		}
		return err
	}
	http.Redirect(w, r, "/people/"+p.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func inputSubject(in subjects.Input, id string, version int64) *subjects.Subject {
	return &subjects.Subject{ID: id, UnitID: in.UnitID, Kind: in.Kind, Profile: in.Profile, JoinedOn: in.JoinedOn, LeftOn: in.LeftOn, InterviewOn: in.InterviewOn, Version: version}
}

func (s *Server) personEditPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.subjects.Get(r.Context(), r.PathValue("id"), "edit")
	if err != nil {
		return err
	}
	if p.Restricted {
		_, units, err := s.unitNames(r)
		if err != nil {
			return err
		}
		if personMayFor(access.ActorFrom(r.Context()), p, units).Restricted {
			return apperr.New(apperr.Forbidden, msgRestrictedEdit)
		}
	}
	return s.personForm(w, r, http.StatusOK, "Edit a person's record", p, "", nil)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request) error {
	in, err := formInput(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	reason := r.PostForm.Get("reason")
	if _, err := s.subjects.Update(r.Context(), id, version, in, reason); err != nil {
		// The form comes back for what the person can correct; a refusal
		// (a restriction, say) is shown on its own, without the form.
		if code := status(apperr.CodeOf(err)); code < 500 && code != http.StatusNotFound && code != http.StatusForbidden {
			return s.personForm(w, r, code, "Edit", inputSubject(in, id, version), reason, err)
		}
		return err
	}
	http.Redirect(w, r, "/people/"+id+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) personRestrict(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	id := r.PathValue("id")
	on := r.PostForm.Get("restricted") == "on"
	if err := s.subjects.SetRestricted(r.Context(), id, on, strings.TrimSpace(r.PostForm.Get("reason"))); err != nil {
		return err
	}
	http.Redirect(w, r, "/people/"+id+"?done=saved", http.StatusSeeOther)
	return nil
}

// personTitle is the window title of a person's page. It is not their
// name: titles end up in browser history, bookmarks and tab lists.
const personTitle = "Person"

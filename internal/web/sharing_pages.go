package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/lists"
	"github.com/stewardhq/steward/internal/notify"
	"github.com/stewardhq/steward/internal/subjects"
)

// sharingPageRoutes are the disclosure log's pages and the outbox's:
// sharing outside the organisation, and email to members.
func (s *Server) sharingPageRoutes() []route {
	d, l := access.PermDisclosures, access.PermListsRequest
	return []route{
		{"GET /disclosures", d, s.disclosuresPage},
		{"GET /disclosures/pending", d, s.disclosuresPending},
		{"GET /disclosures/new", d, s.disclosureNew},
		{"POST /disclosures/new", d, s.disclosureSearch},
		{"POST /disclosures", d, s.disclosureCreate},
		{"GET /disclosures/{id}", d, s.disclosurePage},
		{"POST /disclosures/{id}/decide", d, s.disclosureDecide},
		{"GET /outbox", l, s.outboxPage},
		{"GET /lists/{id}/email", l, s.listEmailForm},
		{"POST /lists/{id}/email", l, s.listEmailSend},
	}
}

type disclosuresView struct {
	List      []disclosures.Disclosure
	State     string
	Pending   bool
	CanDecide bool
	States    []option
}

func (s *Server) disclosuresList(w http.ResponseWriter, r *http.Request, title string, state disclosures.State, pending bool) error {
	list, err := s.disclose.List(r.Context(), disclosures.Filter{State: state})
	if err != nil {
		return err
	}
	notice := ""
	if r.URL.Query().Get("done") == "decided" {
		notice = "Decision recorded."
	}
	v := disclosuresView{List: list, State: string(state), Pending: pending, CanDecide: s.disclose.CanDecide(r.Context()),
		States: []option{{"", "All"}, {string(disclosures.StatePending), disclosures.StatePending.Label()},
			{string(disclosures.StateApproved), disclosures.StateApproved.Label()}, {string(disclosures.StateRefused), disclosures.StateRefused.Label()}}}
	s.render(w, r, http.StatusOK, "disclosures", view{Title: title, Notice: notice, Data: v})
	return nil
}

func (s *Server) disclosuresPage(w http.ResponseWriter, r *http.Request) error {
	state := disclosures.State(r.URL.Query().Get("state"))
	switch state {
	case "", disclosures.StatePending, disclosures.StateApproved, disclosures.StateRefused:
	default:
		state = ""
	}
	return s.disclosuresList(w, r, "Disclosure log", state, false)
}

func (s *Server) disclosuresPending(w http.ResponseWriter, r *http.Request) error {
	return s.disclosuresList(w, r, "Disclosures waiting for the DPO", disclosures.StatePending, true)
}

// chosenPerson is a person picked for a disclosure, by name.
type chosenPerson struct {
	ID, Name, Unit string
	Chosen         bool
}

type disclosureFormView struct {
	Choices    *disclosures.FormOptions
	Query      string
	People     []chosenPerson
	Searched   bool
	In         disclosures.NewDisclosure
	Categories map[string]bool
}

// disclosureNew is the empty form.
func (s *Server) disclosureNew(w http.ResponseWriter, r *http.Request) error {
	return s.disclosureForm(w, r, http.StatusOK, disclosures.NewDisclosure{}, "", nil)
}

// disclosureSearch is the form after a search for people: by an exact
// search within the actor's scope (the register's blind indexes match
// whole values), posted so the terms stay out of URLs; those already
// chosen travel with the search as hidden fields.
func (s *Server) disclosureSearch(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	return s.disclosureForm(w, r, http.StatusOK, disclosureInput(f), f.Get("q"), nil)
}

func (s *Server) disclosureForm(w http.ResponseWriter, r *http.Request, code int, in disclosures.NewDisclosure, query string, formErr error) error {
	ctx := r.Context()
	ch, err := s.disclose.FormChoices(ctx)
	if err != nil {
		return err
	}
	v := disclosureFormView{Choices: ch, Query: query, In: in, Categories: map[string]bool{}}
	for _, c := range in.CategoryIDs {
		v.Categories[c] = true
	}
	names, _, err := s.unitNames(r)
	if err != nil {
		return err
	}
	for _, id := range in.SubjectIDs {
		if slices.ContainsFunc(v.People, func(p chosenPerson) bool { return p.ID == id }) {
			continue
		}
		p, err := s.subjects.Get(ctx, id, "disclosure")
		if err != nil {
			continue // out of scope or gone: not offered again
		}
		v.People = append(v.People, chosenPerson{ID: p.ID, Name: personName(p), Unit: names[p.UnitID], Chosen: true})
	}
	var searchErr error
	if query != "" {
		v.Searched = true
		found, err := s.subjects.Search(ctx, query)
		if err != nil {
			searchErr = err
		}
		for _, p := range found {
			if !slices.ContainsFunc(v.People, func(c chosenPerson) bool { return c.ID == p.ID }) {
				v.People = append(v.People, chosenPerson{ID: p.ID, Name: personName(&p), Unit: names[p.UnitID]})
			}
		}
	}
	page := view{Title: "Log a disclosure", Data: v}
	if formErr == nil {
		formErr = searchErr
	}
	if formErr != nil {
		page.Error = apperr.MessageOf(formErr)
	}
	s.render(w, r, code, "disclosure_form", page)
	return nil
}

func personName(p *subjects.Subject) string {
	if p.Erased {
		return "Erased person"
	}
	if n := p.Profile.FullName(); n != "" {
		return n
	}
	return "(no name)"
}

func disclosureInput(f url.Values) disclosures.NewDisclosure {
	return disclosures.NewDisclosure{RecipientID: f.Get("recipient_id"), SubjectIDs: f["person"], CategoryIDs: f["category_id"],
		Basis: disclosures.Basis(f.Get("basis")), Reference: f.Get("reference"), Reasoning: f.Get("reasoning"),
		DisclosedOn: f.Get("disclosed_on"), CourtOrder: f.Get("court_order") == "on", Prejudice: f.Get("prejudice") == "on"}
}

func (s *Server) disclosureCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := disclosureInput(f)
	d, err := s.disclose.Create(r.Context(), in)
	if err != nil {
		code := status(apperr.CodeOf(err))
		if code >= 500 || code == http.StatusForbidden {
			return err
		}
		return s.disclosureForm(w, r, code, in, "", err)
	}
	http.Redirect(w, r, "/disclosures/"+d.ID+"?done=logged", http.StatusSeeOther)
	return nil
}

type disclosureView struct {
	D         *disclosures.Disclosure
	People    []chosenPerson
	CanDecide bool
}

func (s *Server) disclosurePage(w http.ResponseWriter, r *http.Request) error {
	return s.disclosureShow(w, r, http.StatusOK, nil)
}

func (s *Server) disclosureShow(w http.ResponseWriter, r *http.Request, code int, formErr error) error {
	ctx := r.Context()
	d, err := s.disclose.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := disclosureView{D: d, CanDecide: d.State == disclosures.StatePending && s.disclose.CanDecide(ctx)}
	names, _, err := s.unitNames(r)
	if err != nil {
		return err
	}
	for _, id := range d.SubjectIDs {
		p, err := s.subjects.Get(ctx, id, "disclosure")
		if err != nil {
			v.People = append(v.People, chosenPerson{ID: id, Name: "Not in your view, or erased"})
			continue
		}
		v.People = append(v.People, chosenPerson{ID: id, Name: personName(p), Unit: names[p.UnitID]})
	}
	page := view{Title: "Disclosure to " + d.RecipientName, Data: v}
	switch r.URL.Query().Get("done") {
	case "logged":
		if d.State == disclosures.StatePending {
			page.Notice = "Logged. It waits for the DPO's approval: do not share anything until it is approved."
		} else {
			page.Notice = "Logged and approved."
		}
	case "decided":
		page.Notice = "Decision recorded."
	}
	if formErr != nil {
		page.Error = apperr.MessageOf(formErr)
	}
	s.render(w, r, code, "disclosure", page)
	return nil
}

func (s *Server) disclosureDecide(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var approve bool
	switch f.Get("decision") {
	case "approve":
		approve = true
	case "refuse":
	default:
		return s.disclosureShow(w, r, http.StatusBadRequest, apperr.New(apperr.Invalid, "Choose to approve or to refuse."))
	}
	if _, err := s.disclose.Decide(r.Context(), id, approve, f.Get("reason")); err != nil {
		if apperr.Is(err, apperr.Invalid) || apperr.Is(err, apperr.Conflict) {
			return s.disclosureShow(w, r, status(apperr.CodeOf(err)), err)
		}
		return err
	}
	http.Redirect(w, r, "/disclosures/"+id+"?done=decided", http.StatusSeeOther)
	return nil
}

// personDisclosures lists who received a person's data, for their page;
// nil when the actor may not see it.
func (s *Server) personDisclosures(r *http.Request, subjectID string) []disclosures.Disclosure {
	if s.disclose == nil {
		return nil
	}
	list, err := s.disclose.ForSubject(r.Context(), subjectID)
	if err != nil {
		return nil
	}
	return list
}

type outboxView struct {
	Batches    []notify.Batch
	Configured bool
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) error {
	list, err := s.notify.Batches(r.Context())
	if err != nil {
		return err
	}
	notice := ""
	if r.URL.Query().Get("done") == "queued" {
		notice = "Queued. Each message leaves on its own; this page shows how they went."
	}
	s.render(w, r, http.StatusOK, "outbox", view{Title: "Outbox", Notice: notice, Data: outboxView{Batches: list, Configured: s.notify.Configured()}})
	return nil
}

type composeView struct {
	ListID  string
	Warning string
	Msg     notify.Message
	// List is the list being emailed, when member lists are wired: its
	// age decides the warning to download a fresh one first.
	List *lists.List
}

// composeList loads the list being emailed for the compose page; a list
// the actor may not see is not found, as the service would answer.
func (s *Server) composeList(r *http.Request) (*lists.List, error) {
	if s.lists == nil {
		return nil, nil
	}
	return s.lists.Get(r.Context(), r.PathValue("id"))
}

func (s *Server) listEmailForm(w http.ResponseWriter, r *http.Request) error {
	l, err := s.composeList(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "list_email", view{Title: "Email a member list",
		Data: composeView{ListID: r.PathValue("id"), Warning: notify.BCCWarning, Msg: notify.Message{Mode: notify.ModeEach}, List: l}})
	return nil
}

func (s *Server) listEmailSend(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	m := notify.Message{Subject: f.Get("subject"), Body: f.Get("body"), Mode: notify.Mode(f.Get("mode")), BCCUnderstood: f.Get("bcc_understood") == "on"}
	if _, err := s.notify.SendToList(r.Context(), r.PathValue("id"), m); err != nil {
		code := status(apperr.CodeOf(err))
		if code >= 500 || code == http.StatusForbidden {
			return err
		}
		l, _ := s.composeList(r)
		s.render(w, r, code, "list_email", view{Title: "Email a member list", Error: apperr.MessageOf(err),
			Data: composeView{ListID: r.PathValue("id"), Warning: notify.BCCWarning, Msg: m, List: l}})
		return nil
	}
	http.Redirect(w, r, "/outbox?done=queued", http.StatusSeeOther)
	return nil
}

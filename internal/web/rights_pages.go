package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/rights"
)

// rightsPageRoutes are the pages for rights requests. Whoever may log a
// request (reps, officers, membership, the DPO) sees the board and the
// requests they logged; working a request needs rights:manage (the DPO).
// Nothing about the requester goes in a URL: only request and person ids.
func (s *Server) rightsPageRoutes() []route {
	l, m := access.PermRightsLog, access.PermRightsManage
	return []route{
		{"GET /requests", l, s.requestsPage},
		{"GET /requests/new", l, s.requestNewPage},
		{"POST /requests", l, s.requestCreate},
		{"GET /requests/{id}", l, s.requestPage},
		{"POST /requests/{id}/accept", m, s.requestAccept},
		{"POST /requests/{id}/steps", m, s.requestStep},
		{"POST /requests/{id}/match", m, s.requestMatch},
		{"POST /requests/{id}/extend", m, s.requestExtend},
		{"POST /requests/{id}/rectified", m, s.requestRectified},
		{"POST /requests/{id}/close", m, s.requestClose},
	}
}

// requestItem is a request with what the pages show about its clock.
type requestItem struct{ rights.Request }

// Left says how long is left until the deadline that applies, or how long
// ago it passed; "" when no deadline runs.
func (r requestItem) Left() string {
	if r.Clock.Applies == "" || r.Status == rights.StatusClosed {
		return ""
	}
	switch n := r.Clock.DaysLeft; {
	case n < -1:
		return fmt.Sprintf("overdue by %d days", -n)
	case n == -1:
		return "overdue by 1 day"
	case n == 0:
		return "due today"
	case n == 1:
		return "1 day left"
	default:
		return fmt.Sprintf("%d days left", n)
	}
}

// HandOffLate reports whether the request reached Steward after its
// forward-by day: the day it was logged, in UK time, is later.
func (r requestItem) HandOffLate() bool {
	return ukDay(r.LoggedAt) > r.ForwardBy
}

// ChannelLabel and RequesterLabel name the codes for people.
func (r requestItem) ChannelLabel() string   { return channelLabel(r.Channel) }
func (r requestItem) RequesterLabel() string { return requesterLabel(r.Requester) }

func channelLabel(c rights.Channel) string {
	switch c {
	case rights.ChannelEmail:
		return "Email"
	case rights.ChannelLetter:
		return "Letter"
	case rights.ChannelWeb:
		return "Web form"
	case rights.ChannelPhone:
		return "Phone"
	case rights.ChannelInPerson:
		return "In person"
	}
	return string(c)
}

func requesterLabel(who rights.Requester) string {
	switch who {
	case rights.RequesterSelf:
		return "The person themselves"
	case rights.RequesterParent:
		return "A parent or guardian"
	case rights.RequesterSolicitor:
		return "A solicitor or other professional"
	case rights.RequesterOther:
		return "Someone else claiming authority"
	}
	return string(who)
}

// option is one choice of a select.
type option struct{ Value, Label string }

func kindOptions() []option {
	var out []option
	for _, k := range rights.Kinds() {
		out = append(out, option{string(k), k.Label()})
	}
	return out
}

func channelOptions() []option {
	var out []option
	for _, c := range rights.Channels() {
		out = append(out, option{string(c), channelLabel(c)})
	}
	return out
}

func requesterOptions() []option {
	var out []option
	for _, r := range rights.Requesters() {
		out = append(out, option{string(r), requesterLabel(r)})
	}
	return out
}

func stepOptions() []option {
	var out []option
	for _, st := range rights.Steps() {
		out = append(out, option{string(st), st.Label()})
	}
	return out
}

func outcomeOptions() []option {
	var out []option
	for _, o := range rights.Outcomes() {
		out = append(out, option{string(o), o.Label()})
	}
	return out
}

// ukDay is the calendar day in the UK at t, YYYY-MM-DD: the day the
// statutory clock counts in.
func ukDay(t time.Time) string {
	if loc, err := calendar.London(); err == nil {
		t = t.In(loc)
	}
	return t.Format(time.DateOnly)
}

type boardView struct {
	Requests []requestItem
	Closed   bool
	// Manage shows what only those who work requests need.
	Manage bool
}

// requestsPage is the board: open requests, overdue first, or the closed
// ones. The service shows a rep only the requests they logged.
func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request) error {
	closed := r.URL.Query().Get("closed") == "1"
	list, err := s.rights.List(r.Context(), rights.Filter{Closed: closed})
	if err != nil {
		return err
	}
	v := boardView{Closed: closed, Manage: access.ActorFrom(r.Context()).Can(access.PermRightsManage)}
	for _, req := range list {
		v.Requests = append(v.Requests, requestItem{req})
	}
	title := "Rights requests"
	if closed {
		title = "Closed rights requests"
	}
	s.render(w, r, http.StatusOK, "requests", view{Title: title, Data: v})
	return nil
}

// logForm is the log form's view: the choices and what was typed.
type logForm struct {
	In         rights.LogInput
	Units      []access.Unit
	Today      string
	Kinds      []option
	Channels   []option
	Requesters []option
}

// logUnits are the units the actor may log requests in, and the one the
// form starts on: the unit of their first grant that allows logging.
func (s *Server) logUnits(r *http.Request) ([]access.Unit, string, error) {
	a := access.ActorFrom(r.Context())
	units, err := s.access.Units(r.Context())
	if err != nil {
		return nil, "", err
	}
	var out []access.Unit
	for _, u := range units {
		if a.CanIn(access.PermRightsLog, u.Path) {
			out = append(out, u)
		}
	}
	def := ""
	for _, g := range a.Grants {
		if g.Role.Grants(access.PermRightsLog) {
			def = g.UnitID
			break
		}
	}
	return out, def, nil
}

func (s *Server) requestForm(w http.ResponseWriter, r *http.Request, code int, in rights.LogInput, err error) error {
	units, def, uerr := s.logUnits(r)
	if uerr != nil {
		return uerr
	}
	if in.UnitID == "" {
		in.UnitID = def
	}
	today := ukDay(s.db.Now())
	if in.ReceivedOn == "" && err == nil {
		in.ReceivedOn = today
	}
	v := view{Title: "Log a rights request", Data: logForm{In: in, Units: units, Today: today,
		Kinds: kindOptions(), Channels: channelOptions(), Requesters: requesterOptions()}}
	if err != nil {
		v.Error = apperr.MessageOf(err)
	}
	s.render(w, r, code, "request_form", v)
	return nil
}

func (s *Server) requestNewPage(w http.ResponseWriter, r *http.Request) error {
	return s.requestForm(w, r, http.StatusOK, rights.LogInput{Requester: rights.RequesterSelf}, nil)
}

// requestCreate logs a request and shows it with its receipt number; bad
// input shows the form again with everything typed.
func (s *Server) requestCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	in := rights.LogInput{Kind: rights.Kind(f.Get("kind")), Channel: rights.Channel(f.Get("channel")),
		Requester: rights.Requester(f.Get("requester")), UnitID: f.Get("unit_id"), ReceivedOn: strings.TrimSpace(f.Get("received_on")),
		Details: rights.Details{RequesterName: f.Get("requester_name"), RequesterEmail: f.Get("requester_email"),
			RequesterPhone: f.Get("requester_phone"), RequesterPost: f.Get("requester_post"), SubjectName: f.Get("subject_name"),
			Identifiers: f.Get("identifiers"), Description: f.Get("description")}}
	req, err := s.rights.Log(r.Context(), in)
	if err != nil {
		if code := status(apperr.CodeOf(err)); code < 500 {
			return s.requestForm(w, r, code, in, err)
		}
		return err
	}
	http.Redirect(w, r, "/requests/"+req.ID+"?done=logged", http.StatusSeeOther)
	return nil
}

// eventItem is one line of a request's history.
type eventItem struct {
	rights.Event
	Mine bool
}

// stepErased is the history step of an erasure carried out: after it, the
// request's decisions are final.
const stepErased = "erased"

// Label names the step for people, as the service does for every event
// (steps, collation, packs, restriction, closing).
func (e eventItem) Label() string {
	if e.StepLabel != "" {
		return e.StepLabel
	}
	return rights.EventLabel(e.Step)
}

// Who names the account that recorded it as far as the page can: the
// service gives only account ids.
func (e eventItem) Who() string {
	switch {
	case e.Mine:
		return "you"
	case e.ActorID == "":
		return "—"
	}
	return "account …" + e.ActorID[max(0, len(e.ActorID)-8):]
}

// postedForm is what was typed into one of the request page's forms, kept
// when the service refuses it so nothing has to be typed again.
type postedForm struct {
	Which  string
	Values url.Values
}

// Get returns a field of the named form, or "" for any other form.
func (p postedForm) Get(which, field string) string {
	if p.Which != which {
		return ""
	}
	return p.Values.Get(field)
}

// Open reports whether the named form was the one posted.
func (p postedForm) Open(which string) bool { return p.Which == which }

type requestView struct {
	Item     requestItem
	Events   []eventItem
	UnitName string
	// Manage is whether the actor works requests in this one's unit.
	Manage   bool
	Mine     bool
	Today    string
	Steps    []option
	Outcomes []option
	Letters  []option
	// Restrictable is whether this request may restrict the person's
	// processing (restriction, rectification or objection, once matched).
	Restrictable bool
	Posted       postedForm
	// Erased is whether the request's erasure has been carried out.
	Erased bool
	// Found is the collected data, the search tasks and the letters, for
	// those who manage the request.
	Found *dataFound
}

// requestView reads a request (an audited read of the requester's
// details) and what its page needs.
func (s *Server) requestView(r *http.Request, id string) (*requestView, error) {
	ctx := r.Context()
	req, events, err := s.rights.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	a := access.ActorFrom(ctx)
	units, err := s.access.Units(ctx)
	if err != nil {
		return nil, err
	}
	v := &requestView{Item: requestItem{*req}, Today: ukDay(s.db.Now()), Steps: stepOptions(), Outcomes: outcomeOptions(), Letters: letterOptions(),
		Restrictable: req.SubjectID != "" && req.Kind.Restricts(),
		Mine:         req.LoggedBy == a.AccountID}
	for _, u := range units {
		if u.ID == req.UnitID {
			v.UnitName, v.Manage = u.Name, a.CanIn(access.PermRightsManage, u.Path)
		}
	}
	for _, e := range events {
		v.Events = append(v.Events, eventItem{Event: e, Mine: e.ActorID == a.AccountID})
		v.Erased = v.Erased || e.Step == stepErased
	}
	if v.Manage {
		if v.Found, err = s.dataFoundView(ctx, *req, v.Erased); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// requestTitle is the window title of a request's page: its receipt
// number, never the requester's name.
func requestTitle(req requestItem) string { return "Request " + req.Ref }

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requestView(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	notice := ""
	switch r.URL.Query().Get("done") {
	case "logged":
		notice = "Logged. The receipt number is " + v.Item.Ref + ": give it to the requester, so they can refer to their request."
		if !v.Manage {
			notice += " The DPO has been told and takes it from here."
		}
	case "saved":
		notice = "Saved."
	case "collated":
		notice = "Collected. Decide on each item below: disclose it, redact parts of it, or withhold it."
		if v.Item.Kind == rights.KindErasure {
			notice = "Collected. Decide on each item below: erase it, or keep it under an exception (Art 17(3)) with the reason."
		}
	case "decided":
		notice = "Decision saved."
	case "task":
		notice = "Search task recorded as done."
	case "notice":
		notice = "Recorded how the recipient was told."
	case "erased":
		if v.Found != nil && v.Found.Erased {
			notice = "Erasure carried out: " + v.Found.ErasureSummary() + "."
			if v.Found.OpenNotices > 0 {
				notice += " Tell each recipient below (Art 19) and record it; then close the request."
			}
		}
	}
	s.render(w, r, http.StatusOK, "request", view{Title: requestTitle(v.Item), Notice: notice, Data: v})
	return nil
}

// requestFormError shows the request page again with the refusal and what
// was typed into the form, under the status that says what went wrong (409
// for a page opened before someone else's change, 404 for a person id that
// names nobody the actor may see). A request that is not there, or not the
// actor's to see, fails to read again and gets the plain error page.
func (s *Server) requestFormError(w http.ResponseWriter, r *http.Request, id, which string, err error) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 {
		return err
	}
	v, verr := s.requestView(r, id)
	if verr != nil {
		return verr
	}
	v.Posted = postedForm{Which: which, Values: r.PostForm}
	s.render(w, r, code, "request", view{Title: requestTitle(v.Item), Error: apperr.MessageOf(err), Data: v})
	return nil
}

// needVersion refuses a change without the version the caller read. The
// service skips its check for version 0, which would let a stale page or
// client overwrite someone else's step unseen.
func needVersion(v int64) error {
	if v < 1 {
		return apperr.New(apperr.Invalid, "The change does not say which version of the request it was made on. Reload the request and try again.")
	}
	return nil
}

// formVersion reads the request version every form carries.
func formVersion(f url.Values) (int64, error) {
	v, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	return v, needVersion(v)
}

// requestChange runs one of the request page's forms: it reads the form
// and its version, calls change, and goes back to the page, or shows the
// page again with the refusal.
func (s *Server) requestChange(w http.ResponseWriter, r *http.Request, which string,
	change func(id string, f url.Values, version int64) error) error {
	id := r.PathValue("id")
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	version, err := formVersion(f)
	if err == nil {
		err = change(id, f, version)
	}
	if err != nil {
		return s.requestFormError(w, r, id, which, err)
	}
	http.Redirect(w, r, "/requests/"+id+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) requestAccept(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "accept", func(id string, _ url.Values, version int64) error {
		_, err := s.rights.Accept(r.Context(), id, version)
		return err
	})
}

func (s *Server) requestStep(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "step", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Record(r.Context(), id, rights.StepInput{Step: rights.Step(f.Get("step")), On: strings.TrimSpace(f.Get("on")),
			Note: f.Get("note"), Version: version})
		return err
	})
}

func (s *Server) requestMatch(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "match", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Match(r.Context(), id, strings.TrimSpace(f.Get("subject_id")), version)
		return err
	})
}

func (s *Server) requestExtend(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "extend", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Extend(r.Context(), id, f.Get("reasons"), strings.TrimSpace(f.Get("on")), version)
		return err
	})
}

func (s *Server) requestRectified(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "rectify", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Rectified(r.Context(), id, f.Get("note"), version)
		return err
	})
}

func (s *Server) requestClose(w http.ResponseWriter, r *http.Request) error {
	return s.requestChange(w, r, "close", func(id string, f url.Values, version int64) error {
		_, err := s.rights.Close(r.Context(), id, rights.CloseInput{Outcome: rights.Outcome(f.Get("outcome")), Note: f.Get("note"),
			DuplicateOf: strings.TrimSpace(f.Get("duplicate_of")), Version: version})
		return err
	})
}

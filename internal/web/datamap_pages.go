package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/datamap"
)

// datamapPageRoutes are the data map's pages. Reading needs datamap:read
// (DPO, trustees, membership); every form needs datamap:write (the DPO).
func (s *Server) datamapPageRoutes() []route {
	r, w := access.PermDataMapRead, access.PermDataMapWrite
	return []route{
		{"GET /datamap", r, s.datamapIndex},
		{"GET /datamap/gaps", r, s.datamapGaps},
		{"GET /datamap/export/{format}", r, s.datamapExport},
		{"GET /datamap/controller", w, s.controllerPage},
		{"POST /datamap/controller", w, s.controllerSave},

		{"GET /datamap/activities/new", w, s.activityNewPage},
		{"POST /datamap/activities", w, s.activityCreate},
		{"GET /datamap/activities/{id}", r, s.activityPage},
		{"GET /datamap/activities/{id}/edit", w, s.activityEditPage},
		{"POST /datamap/activities/{id}", w, s.activityUpdate},
		{"POST /datamap/activities/{id}/delete", w, s.activityDelete},

		{"GET /datamap/categories", r, s.categoriesPage},
		{"GET /datamap/categories/new", w, s.categoryNewPage},
		{"POST /datamap/categories", w, s.categoryCreate},
		{"GET /datamap/categories/{id}", r, s.categoryPage},
		{"POST /datamap/categories/{id}", w, s.categoryUpdate},
		{"POST /datamap/categories/{id}/delete", w, s.categoryDelete},

		{"GET /datamap/systems", r, s.systemsPage},
		{"GET /datamap/systems/new", w, s.systemNewPage},
		{"POST /datamap/systems", w, s.systemCreate},
		{"GET /datamap/systems/{id}", r, s.systemPage},
		{"POST /datamap/systems/{id}", w, s.systemUpdate},
		{"POST /datamap/systems/{id}/delete", w, s.systemDelete},

		{"GET /datamap/recipients", r, s.recipientsPage},
		{"GET /datamap/recipients/new", w, s.recipientNewPage},
		{"POST /datamap/recipients", w, s.recipientCreate},
		{"GET /datamap/recipients/{id}", r, s.recipientPage},
		{"POST /datamap/recipients/{id}", w, s.recipientUpdate},
		{"POST /datamap/recipients/{id}/delete", w, s.recipientDelete},
	}
}

// dmView is what every data map template receives; each page fills the
// parts it shows.
type dmView struct {
	Controller *datamap.Controller
	Activities []datamap.Activity
	Activity   *datamap.Activity
	Categories []datamap.Category
	Category   *datamap.Category
	Systems    []datamap.System
	System     *datamap.System
	Recipients []datamap.Recipient
	Recipient  *datamap.Recipient
	Gaps       []datamap.Gap
	// GapCount counts gaps per activity id for the overview.
	GapCount map[string]int
	// Checked marks the ids linked to the activity on its form.
	Checked map[string]bool
	// Names maps category, system and recipient ids to names for display.
	Names map[string]string
	// Transfers is the activity's transfers plus blank rows to add more.
	Transfers []datamap.Transfer

	LawfulBases, Art9Conditions, Specials, SystemKinds, RecipientKinds, ContractStatuses, Safeguards []datamap.Option
}

func newDMView() dmView {
	return dmView{
		LawfulBases: datamap.LawfulBasisOptions(), Art9Conditions: datamap.Art9Options(), Specials: datamap.SpecialOptions(),
		SystemKinds: datamap.SystemKindOptions(), RecipientKinds: datamap.RecipientKindOptions(),
		ContractStatuses: datamap.ContractStatusOptions(), Safeguards: datamap.SafeguardOptions(),
	}
}

// doneNotice turns the ?done= marker of a redirect after a save into words.
func doneNotice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "saved":
		return "Saved."
	case "deleted":
		return "Deleted."
	}
	return ""
}

// formError re-renders a form with the error's message when the person can
// fix it, and hands anything else to the error page.
func (s *Server) formError(w http.ResponseWriter, r *http.Request, err error, name, title string, v dmView) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 || code == http.StatusNotFound || code == http.StatusForbidden {
		return err
	}
	s.render(w, r, code, name, view{Title: title, Error: apperr.MessageOf(err), Data: v})
	return nil
}

func parseForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	return r.PostForm, nil
}

func (s *Server) datamapIndex(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	v := newDMView()
	var err error
	if v.Controller, err = s.datamap.Controller(ctx); err != nil {
		return err
	}
	if v.Activities, err = s.datamap.Activities(ctx); err != nil {
		return err
	}
	if v.Gaps, err = s.datamap.ValidateAll(ctx); err != nil {
		return err
	}
	v.GapCount = map[string]int{}
	for _, g := range v.Gaps {
		v.GapCount[g.ActivityID]++
	}
	s.render(w, r, http.StatusOK, "datamap_index", view{Title: "Data map", Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) datamapGaps(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	var err error
	if v.Gaps, err = s.datamap.ValidateAll(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_gaps", view{Title: "What the record is missing", Data: v})
	return nil
}

// datamapExport downloads the Art 30 record. It is written to a buffer
// first so that an error still gets a proper error page.
func (s *Server) datamapExport(w http.ResponseWriter, r *http.Request) error {
	format := r.PathValue("format")
	f, err := datamap.ExportFormatOf(format)
	if err != nil {
		return apperr.New(apperr.NotFound, "The record can be downloaded as csv or xlsx.")
	}
	var buf bytes.Buffer
	if err := s.datamap.ExportArt30(r.Context(), &buf, format); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", art30Disposition(f))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = buf.WriteTo(w)
	return nil
}

func (s *Server) controllerPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	var err error
	if v.Controller, err = s.datamap.Controller(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_controller", view{Title: "The controller's details", Data: v})
	return nil
}

func (s *Server) controllerSave(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	c := datamap.Controller{Name: f.Get("name"), Contact: f.Get("contact"), DPO: f.Get("dpo"), Representative: f.Get("representative")}
	if _, err := s.datamap.SetController(r.Context(), c); err != nil {
		v := newDMView()
		v.Controller = &c
		return s.formError(w, r, err, "datamap_controller", "The controller's details", v)
	}
	http.Redirect(w, r, "/datamap?done=saved", http.StatusSeeOther)
	return nil
}

// blankTransfers is how many empty transfer rows the activity form offers:
// without scripts, a form can add only as many rows as it shows.
const blankTransfers = 2

// activityForm builds the activity form's view: the activity, everything
// it may link to, and its transfers plus blank rows.
func (s *Server) activityForm(r *http.Request, a *datamap.Activity) (dmView, error) {
	ctx := r.Context()
	v := newDMView()
	v.Activity = a
	var err error
	if v.Categories, err = s.datamap.Categories(ctx); err != nil {
		return v, err
	}
	if v.Systems, err = s.datamap.Systems(ctx); err != nil {
		return v, err
	}
	if v.Recipients, err = s.datamap.Recipients(ctx); err != nil {
		return v, err
	}
	v.Checked = map[string]bool{}
	for _, ids := range [][]string{a.CategoryIDs, a.SystemIDs, a.RecipientIDs} {
		for _, id := range ids {
			v.Checked[id] = true
		}
	}
	v.Transfers = append(append([]datamap.Transfer{}, a.Transfers...), make([]datamap.Transfer, blankTransfers)...)
	return v, nil
}

// activityFromForm reads the activity form. Transfers come as parallel
// lists, one entry per row; blank rows are dropped by the service.
func activityFromForm(f url.Values) (datamap.Activity, error) {
	a := datamap.Activity{
		Name: f.Get("name"), Purposes: f.Get("purposes"), DataSubjects: f.Get("data_subjects"),
		LawfulBasis: f.Get("lawful_basis"), LawfulBasisDetail: f.Get("lawful_basis_detail"),
		Art9Condition: f.Get("art9_condition"), Sch1Condition: f.Get("sch1_condition"), Art10Basis: f.Get("art10_basis"),
		APDRequired: f.Get("apd_required") == "1", APDReference: f.Get("apd_reference"), APDRetention: f.Get("apd_retention"),
		RetentionRule: f.Get("retention_rule"), SecurityMeasures: f.Get("security_measures"), PrivacyNotice: f.Get("privacy_notice"),
		JointController: f.Get("joint_controller"), Owner: f.Get("owner"),
		CategoryIDs: f["category_id"], SystemIDs: f["system_id"], RecipientIDs: f["recipient_id"],
	}
	dest, safe, docs := f["transfer_destination"], f["transfer_safeguard"], f["transfer_documentation"]
	for i := range dest {
		t := datamap.Transfer{Destination: dest[i]}
		if i < len(safe) {
			t.Safeguard = safe[i]
		}
		if i < len(docs) {
			t.Documentation = docs[i]
		}
		a.Transfers = append(a.Transfers, t)
	}
	if m := strings.TrimSpace(f.Get("retention_months")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > 1200 {
			return a, apperr.New(apperr.Invalid, "The retention period in months must be a whole number from 0 to 1200, or blank.")
		}
		a.RetentionMonths = n
	}
	return a, nil
}

func (s *Server) activityPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.datamap.Activity(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.activityForm(r, a)
	if err != nil {
		return err
	}
	if v.Gaps, err = s.datamap.Validate(ctx, a.ID); err != nil {
		return err
	}
	v.Names = map[string]string{}
	for _, c := range v.Categories {
		v.Names[c.ID] = c.Name
		if c.Special != datamap.SpecialNone {
			v.Names[c.ID] += " (" + c.Special.Label() + ")"
		}
	}
	for _, y := range v.Systems {
		v.Names[y.ID] = y.Name
	}
	for _, rc := range v.Recipients {
		v.Names[rc.ID] = rc.Name
	}
	s.render(w, r, http.StatusOK, "datamap_activity", view{Title: a.Name, Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) activityNewPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.activityForm(r, &datamap.Activity{})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_activity_form", view{Title: "Add a processing activity", Data: v})
	return nil
}

func (s *Server) activityEditPage(w http.ResponseWriter, r *http.Request) error {
	a, err := s.datamap.Activity(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.activityForm(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_activity_form", view{Title: "Edit " + a.Name, Data: v})
	return nil
}

// activitySave handles both forms: id is empty for a new activity.
func (s *Server) activitySave(w http.ResponseWriter, r *http.Request, id string) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	a, err := activityFromForm(f)
	a.ID = id
	var saved *datamap.Activity
	if err == nil {
		if id == "" {
			saved, err = s.datamap.CreateActivity(r.Context(), a)
		} else {
			saved, err = s.datamap.UpdateActivity(r.Context(), a)
		}
	}
	if err != nil {
		v, verr := s.activityForm(r, &a)
		if verr != nil {
			return verr
		}
		return s.formError(w, r, err, "datamap_activity_form", "Processing activity", v)
	}
	http.Redirect(w, r, "/datamap/activities/"+saved.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) activityCreate(w http.ResponseWriter, r *http.Request) error {
	return s.activitySave(w, r, "")
}

func (s *Server) activityUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.activitySave(w, r, r.PathValue("id"))
}

func (s *Server) activityDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.datamap.DeleteActivity(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/datamap?done=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) categoriesPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	var err error
	if v.Categories, err = s.datamap.Categories(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_categories", view{Title: "Data categories", Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) categoryPage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.datamap.Category(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := newDMView()
	v.Category = c
	s.render(w, r, http.StatusOK, "datamap_category", view{Title: c.Name, Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) categoryNewPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	v.Category = &datamap.Category{}
	s.render(w, r, http.StatusOK, "datamap_category", view{Title: "Add a data category", Data: v})
	return nil
}

func (s *Server) categorySave(w http.ResponseWriter, r *http.Request, id string) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	c := datamap.Category{ID: id, Name: f.Get("name"), Description: f.Get("description"), Special: datamap.Special(f.Get("special"))}
	var saved *datamap.Category
	if id == "" {
		saved, err = s.datamap.CreateCategory(r.Context(), c)
	} else {
		saved, err = s.datamap.UpdateCategory(r.Context(), c)
	}
	if err != nil {
		v := newDMView()
		v.Category = &c
		return s.formError(w, r, err, "datamap_category", "Data category", v)
	}
	http.Redirect(w, r, "/datamap/categories/"+saved.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	return s.categorySave(w, r, "")
}

func (s *Server) categoryUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.categorySave(w, r, r.PathValue("id"))
}

func (s *Server) categoryDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.datamap.DeleteCategory(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/datamap/categories?done=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) systemsPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	var err error
	if v.Systems, err = s.datamap.Systems(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_systems", view{Title: "Systems", Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) systemPage(w http.ResponseWriter, r *http.Request) error {
	y, err := s.datamap.System(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := newDMView()
	v.System = y
	s.render(w, r, http.StatusOK, "datamap_system", view{Title: y.Name, Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) systemNewPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	v.System = &datamap.System{}
	s.render(w, r, http.StatusOK, "datamap_system", view{Title: "Add a system", Data: v})
	return nil
}

func (s *Server) systemSave(w http.ResponseWriter, r *http.Request, id string) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	y := datamap.System{ID: id, Name: f.Get("name"), Kind: f.Get("kind"), Owner: f.Get("owner"), Location: f.Get("location"),
		Country: f.Get("country"), SearchableBySteward: f.Get("searchable_by_steward") == "1", Notes: f.Get("notes"),
		OwnerAccountID: strings.TrimSpace(f.Get("owner_account_id"))}
	var saved *datamap.System
	if id == "" {
		saved, err = s.datamap.CreateSystem(r.Context(), y)
	} else {
		saved, err = s.datamap.UpdateSystem(r.Context(), y)
	}
	if err != nil {
		v := newDMView()
		v.System = &y
		return s.formError(w, r, err, "datamap_system", "System", v)
	}
	http.Redirect(w, r, "/datamap/systems/"+saved.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) systemCreate(w http.ResponseWriter, r *http.Request) error {
	return s.systemSave(w, r, "")
}

func (s *Server) systemUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.systemSave(w, r, r.PathValue("id"))
}

func (s *Server) systemDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.datamap.DeleteSystem(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/datamap/systems?done=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) recipientsPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	var err error
	if v.Recipients, err = s.datamap.Recipients(r.Context()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "datamap_recipients", view{Title: "Recipients and processors", Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) recipientPage(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.datamap.Recipient(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v := newDMView()
	v.Recipient = rc
	s.render(w, r, http.StatusOK, "datamap_recipient", view{Title: rc.Name, Notice: doneNotice(r), Data: v})
	return nil
}

func (s *Server) recipientNewPage(w http.ResponseWriter, r *http.Request) error {
	v := newDMView()
	v.Recipient = &datamap.Recipient{ContractStatus: "none"}
	s.render(w, r, http.StatusOK, "datamap_recipient", view{Title: "Add a recipient or processor", Data: v})
	return nil
}

func (s *Server) recipientSave(w http.ResponseWriter, r *http.Request, id string) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	rc := datamap.Recipient{ID: id, Name: f.Get("name"), Kind: f.Get("kind"), Contact: f.Get("contact"),
		ContractStatus: f.Get("contract_status"), ContractSigned: f.Get("contract_signed_on"), ContractReview: f.Get("contract_review_on"),
		Country: f.Get("country"), Safeguard: f.Get("safeguard"), Notes: f.Get("notes")}
	var saved *datamap.Recipient
	if id == "" {
		saved, err = s.datamap.CreateRecipient(r.Context(), rc)
	} else {
		saved, err = s.datamap.UpdateRecipient(r.Context(), rc)
	}
	if err != nil {
		v := newDMView()
		v.Recipient = &rc
		return s.formError(w, r, err, "datamap_recipient", "Recipient", v)
	}
	http.Redirect(w, r, "/datamap/recipients/"+saved.ID+"?done=saved", http.StatusSeeOther)
	return nil
}

func (s *Server) recipientCreate(w http.ResponseWriter, r *http.Request) error {
	return s.recipientSave(w, r, "")
}

func (s *Server) recipientUpdate(w http.ResponseWriter, r *http.Request) error {
	return s.recipientSave(w, r, r.PathValue("id"))
}

func (s *Server) recipientDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.datamap.DeleteRecipient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/datamap/recipients?done=deleted", http.StatusSeeOther)
	return nil
}

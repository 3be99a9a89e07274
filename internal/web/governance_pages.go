package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/governance"
)

// newGovernance makes the governance service for Deps that bring none,
// with the open requests a leaver logged as one of the things they hold.
func newGovernance(d Deps) *governance.Service {
	g := governance.New(d.DB, d.Audit, d.Access, d.Log, governance.Config{})
	if d.Rights != nil {
		g.UseRequests(governance.RequestsLoggedBy(d.Rights))
	}
	if d.Lists != nil {
		g.UseLists(governance.ListsHeldBy(d.Lists))
	}
	return g
}

// governancePageRoutes are onboarding (every account's own checklist) and
// the DPO's pages: policies and courses, each person's checklist, leaving
// and the offboarding checklist. Account ids are in URLs; they are staff
// accounts, not members.
func (s *Server) governancePageRoutes() []route {
	me, m := access.PermSelf, access.PermGovernanceManage
	return []route{
		{"GET /onboarding", me, s.onboardingPage},
		{"POST /onboarding/acknowledge", me, s.onboardingAcknowledge},
		{"POST /onboarding/declaration", me, s.onboardingDeclare},
		{"GET /governance/policies", m, s.govPoliciesPage},
		{"POST /governance/policies", m, s.govPublishPolicy},
		{"POST /governance/courses", m, s.govCreateCourse},
		{"GET /governance/people", m, s.govPeoplePage},
		{"GET /governance/people/{id}", m, s.govPersonPage},
		{"POST /governance/people/{id}/training", m, s.govRecordTraining},
		{"POST /governance/people/{id}/leave", m, s.govLeave},
		{"POST /governance/people/{id}/offboarding", m, s.govOffboardingItem},
	}
}

// govNotice is the message after a change, by the done= code.
func govNotice(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "acknowledged":
		return "Acknowledgement recorded."
	case "declared":
		return "Device-security declaration recorded. It lasts a year."
	case "published":
		return "Policy version published. Everyone who must acknowledge it is asked to on their next page."
	case "course":
		return "Course added."
	case "training":
		return "Training recorded."
	case "left":
		return "Leaving recorded: sign-in is disabled, every session has ended and every token is revoked."
	case "item":
		return "Checklist step recorded."
	}
	return ""
}

// governanceDashboard adds the onboarding checklist for an account whose
// access is held, and the offboarding in progress for the DPO.
func (s *Server) governanceDashboard(ctx context.Context, data map[string]any) error {
	a := access.ActorFrom(ctx)
	if s.gov == nil || a == nil {
		return nil
	}
	if a.Hold != "" {
		c, err := s.gov.MyChecklist(ctx)
		if err != nil {
			return err
		}
		data["Onboarding"] = c
	}
	if a.Can(access.PermGovernanceManage) {
		in, err := s.gov.InProgress(ctx)
		if err != nil {
			return err
		}
		data["Offboarding"] = in
	}
	return nil
}

func (s *Server) onboardingPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOnboarding(w, r, http.StatusOK, govNotice(r), "")
}

func (s *Server) renderOnboarding(w http.ResponseWriter, r *http.Request, code int, notice, errMsg string) error {
	c, err := s.gov.MyChecklist(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, code, "onboarding", view{Title: "Onboarding", Notice: notice, Error: errMsg, Data: c})
	return nil
}

// onboardingFail shows a fixable error on the onboarding page.
func (s *Server) onboardingFail(w http.ResponseWriter, r *http.Request, err error) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 || code == http.StatusForbidden || code == http.StatusUnauthorized {
		return err
	}
	return s.renderOnboarding(w, r, code, "", apperr.MessageOf(err))
}

func (s *Server) onboardingAcknowledge(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if f.Get("read") != "yes" {
		return s.onboardingFail(w, r, apperr.New(apperr.Invalid, "Tick the box to say you have read the policy and will follow it."))
	}
	if err := s.gov.Acknowledge(r.Context(), f.Get("policy_id")); err != nil {
		return s.onboardingFail(w, r, err)
	}
	http.Redirect(w, r, "/onboarding?done=acknowledged", http.StatusSeeOther)
	return nil
}

func (s *Server) onboardingDeclare(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if _, err := s.gov.Declare(r.Context(), f["check"]); err != nil {
		return s.onboardingFail(w, r, err)
	}
	http.Redirect(w, r, "/onboarding?done=declared", http.StatusSeeOther)
	return nil
}

type govPoliciesView struct {
	Policies []governance.Policy
	Courses  []governance.Course
	Roles    []access.Role
	Gated    []access.Role
}

func (s *Server) renderGovPolicies(w http.ResponseWriter, r *http.Request, code int, notice, errMsg string) error {
	ctx := r.Context()
	// Only the gated roles can be asked: no other role's checklist is.
	v := govPoliciesView{Roles: s.gov.Config().GatedRoles, Gated: s.gov.Config().GatedRoles}
	var err error
	if v.Policies, err = s.gov.Policies(ctx); err != nil {
		return err
	}
	if v.Courses, err = s.gov.Courses(ctx); err != nil {
		return err
	}
	s.render(w, r, code, "governance_policies", view{Title: "Policies and training", Notice: notice, Error: errMsg, Data: v})
	return nil
}

func (s *Server) govPoliciesPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderGovPolicies(w, r, http.StatusOK, govNotice(r), "")
}

func (s *Server) govFail(w http.ResponseWriter, r *http.Request, err error, again func(code int, msg string) error) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 || code == http.StatusForbidden || code == http.StatusUnauthorized || code == http.StatusNotFound {
		return err
	}
	return again(code, apperr.MessageOf(err))
}

func (s *Server) govPublishPolicy(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	_, err = s.gov.PublishPolicy(r.Context(), governance.PolicyInput{Title: f.Get("title"), Version: f.Get("version"), Body: f.Get("body"),
		RequiresAck: f.Get("requires_ack") == "yes", Roles: f["role"]})
	if err != nil {
		return s.govFail(w, r, err, func(code int, msg string) error { return s.renderGovPolicies(w, r, code, "", msg) })
	}
	http.Redirect(w, r, "/governance/policies?done=published", http.StatusSeeOther)
	return nil
}

func (s *Server) govCreateCourse(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	months, _ := strconv.Atoi(strings.TrimSpace(f.Get("validity_months")))
	_, err = s.gov.CreateCourse(r.Context(), governance.CourseInput{Name: f.Get("name"), ValidityMonths: months, Roles: f["role"]})
	if err != nil {
		return s.govFail(w, r, err, func(code int, msg string) error { return s.renderGovPolicies(w, r, code, "", msg) })
	}
	http.Redirect(w, r, "/governance/policies?done=course", http.StatusSeeOther)
	return nil
}

func (s *Server) govPeoplePage(w http.ResponseWriter, r *http.Request) error {
	people, err := s.gov.People(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "governance_people", view{Title: "People and onboarding", Notice: govNotice(r), Data: people})
	return nil
}

type govPersonView struct {
	*governance.Person
	Courses []governance.Course
	Today   string
}

func (s *Server) renderGovPerson(w http.ResponseWriter, r *http.Request, code int, notice, errMsg string) error {
	ctx := r.Context()
	p, err := s.gov.Person(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := govPersonView{Person: p, Today: ukDay(s.db.Now())}
	if v.Courses, err = s.gov.Courses(ctx); err != nil {
		return err
	}
	s.render(w, r, code, "governance_person", view{Title: p.Checklist.Username, Notice: notice, Error: errMsg, Data: v})
	return nil
}

func (s *Server) govPersonPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderGovPerson(w, r, http.StatusOK, govNotice(r), "")
}

func (s *Server) govPersonChange(w http.ResponseWriter, r *http.Request, done string, change func(id string, f map[string][]string) error) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := change(id, f); err != nil {
		return s.govFail(w, r, err, func(code int, msg string) error { return s.renderGovPerson(w, r, code, "", msg) })
	}
	http.Redirect(w, r, "/governance/people/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}

func formValue(f map[string][]string, k string) string {
	if v := f[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

func (s *Server) govRecordTraining(w http.ResponseWriter, r *http.Request) error {
	return s.govPersonChange(w, r, "training", func(id string, f map[string][]string) error {
		_, err := s.gov.RecordTraining(r.Context(), id, formValue(f, "course_id"), formValue(f, "completed_on"))
		return err
	})
}

func (s *Server) govLeave(w http.ResponseWriter, r *http.Request) error {
	return s.govPersonChange(w, r, "left", func(id string, f map[string][]string) error {
		if formValue(f, "confirm") != "yes" {
			return apperr.New(apperr.Invalid, "Tick the box to confirm: leaving ends this person's access at once and cannot be undone here.")
		}
		_, err := s.gov.Leave(r.Context(), id, formValue(f, "left_on"))
		return err
	})
}

func (s *Server) govOffboardingItem(w http.ResponseWriter, r *http.Request) error {
	return s.govPersonChange(w, r, "item", func(id string, f map[string][]string) error {
		_, err := s.gov.RecordOffboarding(r.Context(), id, governance.Item(formValue(f, "item")), formValue(f, "done_on"), formValue(f, "hand_to"))
		return err
	})
}

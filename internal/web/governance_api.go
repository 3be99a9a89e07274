package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/governance"
)

// governanceAPIRoutes is onboarding and offboarding in the API, with the
// pages' permissions: one's own checklist needs only to be signed in; the
// DPO's side needs governance:manage. Recording a leaving is open to the
// DPO and to an administrator over the account (accounts:manage), which
// the service checks.
func (s *Server) governanceAPIRoutes(api huma.API) {
	me, m, op := access.PermSelf, access.PermGovernanceManage, governanceOp
	register(s, api, me, op("get-onboarding", http.MethodGet, "/onboarding", "The caller's onboarding checklist, with the policies to acknowledge and the device checks"), s.apiOnboarding)
	register(s, api, me, op("acknowledge-policy", http.MethodPost, "/acknowledgements", "Acknowledge the current version of a policy", http.StatusNoContent), s.apiAcknowledge)
	register(s, api, me, op("declare-devices", http.MethodPost, "/declarations", "Make the yearly device-security declaration (every check ticked)", http.StatusCreated), s.apiDeclare)
	register(s, api, me, op("list-policies", http.MethodGet, "/policies", "Every version of every policy"), s.apiPolicies)
	register(s, api, m, op("publish-policy", http.MethodPost, "/policies", "Publish a policy or a new version of one", http.StatusCreated), s.apiPublishPolicy)
	register(s, api, me, op("list-courses", http.MethodGet, "/courses", "Training courses"), s.apiCourses)
	register(s, api, m, op("create-course", http.MethodPost, "/courses", "Add a training course", http.StatusCreated), s.apiCreateCourse)
	register(s, api, m, op("list-governance-people", http.MethodGet, "/people", "Every account with its checklist status"), s.apiGovPeople)
	register(s, api, m, op("get-governance-person", http.MethodGet, "/people/{id}", "One account's checklist and offboarding"), s.apiGovPerson)
	register(s, api, m, op("record-training", http.MethodPost, "/people/{id}/training", "Record a completed course", http.StatusCreated), s.apiRecordTraining)
	register(s, api, me, op("record-leaving", http.MethodPost, "/people/{id}/leave", "Record that the account left the role: access ends at once (governance:manage or accounts:manage)", http.StatusCreated), s.apiLeave)
	register(s, api, m, op("record-offboarding-step", http.MethodPost, "/people/{id}/offboarding", "Record a step of the offboarding checklist"), s.apiOffboardingStep)
	register(s, api, m, op("list-offboarding", http.MethodGet, "/offboarding", "Leavers whose offboarding is not complete, with what they still hold"), s.apiInProgress)
}

func governanceOp(id, method, path, summary string, status ...int) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: "/governance" + path, Summary: summary, Tags: []string{"Onboarding and offboarding"}}
	if len(status) > 0 {
		o.DefaultStatus = status[0]
	}
	return o
}

type checklistOutput struct{ Body *governance.Checklist }

func (s *Server) apiOnboarding(ctx context.Context, _ *struct{}) (*checklistOutput, error) {
	c, err := s.gov.MyChecklist(ctx)
	if err != nil {
		return nil, err
	}
	return &checklistOutput{Body: c}, nil
}

type acknowledgeInput struct {
	Body struct {
		PolicyID string `json:"policy_id"`
	}
}

func (s *Server) apiAcknowledge(ctx context.Context, in *acknowledgeInput) (*struct{}, error) {
	return nil, s.gov.Acknowledge(ctx, in.Body.PolicyID)
}

type declareInput struct {
	Body struct {
		Checks []string `json:"checks" doc:"Codes of the device checks ticked; all are needed"`
	}
}

type declarationOutput struct{ Body *governance.Declaration }

func (s *Server) apiDeclare(ctx context.Context, in *declareInput) (*declarationOutput, error) {
	d, err := s.gov.Declare(ctx, in.Body.Checks)
	if err != nil {
		return nil, err
	}
	return &declarationOutput{Body: d}, nil
}

type policiesOutput struct {
	Body struct {
		Policies []governance.Policy `json:"policies"`
	}
}

func (s *Server) apiPolicies(ctx context.Context, _ *struct{}) (*policiesOutput, error) {
	ps, err := s.gov.Policies(ctx)
	if err != nil {
		return nil, err
	}
	out := &policiesOutput{}
	out.Body.Policies = ps
	return out, nil
}

type publishPolicyInput struct{ Body governance.PolicyInput }

type policyOutput struct{ Body *governance.Policy }

func (s *Server) apiPublishPolicy(ctx context.Context, in *publishPolicyInput) (*policyOutput, error) {
	p, err := s.gov.PublishPolicy(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Body: p}, nil
}

type coursesOutput struct {
	Body struct {
		Courses []governance.Course `json:"courses"`
	}
}

func (s *Server) apiCourses(ctx context.Context, _ *struct{}) (*coursesOutput, error) {
	cs, err := s.gov.Courses(ctx)
	if err != nil {
		return nil, err
	}
	out := &coursesOutput{}
	out.Body.Courses = cs
	return out, nil
}

type createCourseInput struct{ Body governance.CourseInput }

type courseOutput struct{ Body *governance.Course }

func (s *Server) apiCreateCourse(ctx context.Context, in *createCourseInput) (*courseOutput, error) {
	c, err := s.gov.CreateCourse(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &courseOutput{Body: c}, nil
}

type govPeopleOutput struct {
	Body struct {
		People []governance.PersonStatus `json:"people"`
	}
}

func (s *Server) apiGovPeople(ctx context.Context, _ *struct{}) (*govPeopleOutput, error) {
	ps, err := s.gov.People(ctx)
	if err != nil {
		return nil, err
	}
	out := &govPeopleOutput{}
	out.Body.People = ps
	return out, nil
}

type accountIDInput struct {
	ID string `path:"id"`
}

type govPersonOutput struct{ Body *governance.Person }

func (s *Server) apiGovPerson(ctx context.Context, in *accountIDInput) (*govPersonOutput, error) {
	p, err := s.gov.Person(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &govPersonOutput{Body: p}, nil
}

type recordTrainingInput struct {
	ID   string `path:"id"`
	Body struct {
		CourseID    string `json:"course_id"`
		CompletedOn string `json:"completed_on,omitempty" doc:"YYYY-MM-DD; today when absent"`
	}
}

type trainingOutput struct{ Body *governance.TrainingRecord }

func (s *Server) apiRecordTraining(ctx context.Context, in *recordTrainingInput) (*trainingOutput, error) {
	t, err := s.gov.RecordTraining(ctx, in.ID, in.Body.CourseID, in.Body.CompletedOn)
	if err != nil {
		return nil, err
	}
	return &trainingOutput{Body: t}, nil
}

type leaveInput struct {
	ID   string `path:"id"`
	Body struct {
		LeftOn string `json:"left_on,omitempty" doc:"YYYY-MM-DD; today when absent"`
	}
}

type offboardingOutput struct{ Body *governance.Offboarding }

func (s *Server) apiLeave(ctx context.Context, in *leaveInput) (*offboardingOutput, error) {
	o, err := s.gov.Leave(ctx, in.ID, in.Body.LeftOn)
	if err != nil {
		return nil, err
	}
	return &offboardingOutput{Body: o}, nil
}

type offboardingStepInput struct {
	ID   string `path:"id"`
	Body struct {
		Item   governance.Item `json:"item" enum:"return_data,delete_copies,hand_over_casework,confirm"`
		DoneOn string          `json:"done_on,omitempty" doc:"YYYY-MM-DD; today when absent"`
		HandTo string          `json:"hand_to,omitempty" doc:"Username taking over open cases, for hand_over_casework"`
	}
}

func (s *Server) apiOffboardingStep(ctx context.Context, in *offboardingStepInput) (*offboardingOutput, error) {
	o, err := s.gov.RecordOffboarding(ctx, in.ID, in.Body.Item, in.Body.DoneOn, in.Body.HandTo)
	if err != nil {
		return nil, err
	}
	return &offboardingOutput{Body: o}, nil
}

type inProgressOutput struct {
	Body struct {
		Leavers []governance.Offboarding `json:"leavers"`
	}
}

func (s *Server) apiInProgress(ctx context.Context, _ *struct{}) (*inProgressOutput, error) {
	in, err := s.gov.InProgress(ctx)
	if err != nil {
		return nil, err
	}
	out := &inProgressOutput{}
	out.Body.Leavers = in
	return out, nil
}

package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/subjects"
)

// peopleAPIRoutes is the register's part of the API. Searching is a POST
// so that search terms (personal data) never appear in URLs.
func (s *Server) peopleAPIRoutes(api huma.API) {
	register(s, api, access.PermSubjectsRead, huma.Operation{OperationID: "list-people", Method: http.MethodGet, Path: "/people", Summary: "People in the caller's scope, a page at a time"}, s.apiPeople)
	register(s, api, access.PermSubjectsRead, huma.Operation{OperationID: "search-people", Method: http.MethodPost, Path: "/people/search", Summary: "Exact search by any identifier"}, s.apiSearchPeople)
	register(s, api, access.PermSubjectsRead, huma.Operation{OperationID: "get-person", Method: http.MethodGet, Path: "/people/{id}", Summary: "One person (the read is audited)"}, s.apiPerson)
	register(s, api, access.PermSubjectsRead, huma.Operation{OperationID: "person-history", Method: http.MethodGet, Path: "/people/{id}/history", Summary: "A person's rectification history"}, s.apiPersonHistory)
	register(s, api, access.PermSubjectsWrite, huma.Operation{OperationID: "create-person", Method: http.MethodPost, Path: "/people", Summary: "Add a person", DefaultStatus: http.StatusCreated}, s.apiCreatePerson)
	register(s, api, access.PermSubjectsWrite, huma.Operation{OperationID: "update-person", Method: http.MethodPut, Path: "/people/{id}", Summary: "Rectify a person's record"}, s.apiUpdatePerson)
}

type peopleInput struct {
	UnitID string `query:"unit_id" maxLength:"36" doc:"Only people in this unit's subtree"`
	Kind   string `query:"kind" enum:"member,student,employee,applicant,volunteer,pupil,parent,contact,"`
	Status string `query:"status" enum:"active,left,"`
	After  string `query:"after" maxLength:"36" doc:"Cursor: next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"0" maximum:"200"`
}

type peopleOutput struct {
	Body struct {
		People     []subjects.Subject `json:"people"`
		NextCursor string             `json:"next_cursor,omitempty"`
	}
}

func (s *Server) apiPeople(ctx context.Context, in *peopleInput) (*peopleOutput, error) {
	people, next, err := s.subjects.List(ctx, subjects.Filter{UnitID: in.UnitID, Kind: subjects.Kind(in.Kind), Status: subjects.Status(in.Status), After: in.After, Limit: in.Limit})
	if err != nil {
		return nil, err
	}
	out := &peopleOutput{}
	out.Body.People, out.Body.NextCursor = people, next
	if out.Body.People == nil {
		out.Body.People = []subjects.Subject{}
	}
	return out, nil
}

type searchInput struct {
	Body struct {
		Query string `json:"query" minLength:"1" maxLength:"300" doc:"A whole email, phone number, NI number, date of birth, postcode, membership number or name"`
	}
}

func (s *Server) apiSearchPeople(ctx context.Context, in *searchInput) (*peopleOutput, error) {
	people, err := s.subjects.Search(ctx, in.Body.Query)
	if err != nil {
		return nil, err
	}
	out := &peopleOutput{}
	out.Body.People = people
	if out.Body.People == nil {
		out.Body.People = []subjects.Subject{}
	}
	return out, nil
}

type personOutput struct{ Body *subjects.Subject }

func (s *Server) apiPerson(ctx context.Context, in *idInput) (*personOutput, error) {
	p, err := s.subjects.Get(ctx, in.ID, "api")
	if err != nil {
		return nil, err
	}
	return &personOutput{Body: p}, nil
}

type historyOutput struct {
	Body struct {
		Changes []subjects.Change `json:"changes"`
	}
}

func (s *Server) apiPersonHistory(ctx context.Context, in *idInput) (*historyOutput, error) {
	h, err := s.subjects.History(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &historyOutput{}
	out.Body.Changes = h
	if out.Body.Changes == nil {
		out.Body.Changes = []subjects.Change{}
	}
	return out, nil
}

// personBody is a person as a client sends it.
type personBody struct {
	UnitID      string           `json:"unit_id" maxLength:"36"`
	Kind        string           `json:"kind,omitempty" enum:"member,student,employee,applicant,volunteer,pupil,parent,contact,"`
	Profile     subjects.Profile `json:"profile"`
	JoinedOn    string           `json:"joined_on,omitempty" maxLength:"10"`
	LeftOn      string           `json:"left_on,omitempty" maxLength:"10"`
	InterviewOn string           `json:"interview_on,omitempty" maxLength:"10"`
}

func (b personBody) input() subjects.Input {
	return subjects.Input{UnitID: b.UnitID, Kind: subjects.Kind(b.Kind), Profile: b.Profile, JoinedOn: b.JoinedOn, LeftOn: b.LeftOn, InterviewOn: b.InterviewOn}
}

type createPersonInput struct {
	Body personBody
}

func (s *Server) apiCreatePerson(ctx context.Context, in *createPersonInput) (*personOutput, error) {
	p, err := s.subjects.Create(ctx, in.Body.input())
	if err != nil {
		return nil, err
	}
	return &personOutput{Body: p}, nil
}

type updatePersonInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body struct {
		UnitID      string           `json:"unit_id" maxLength:"36"`
		Kind        string           `json:"kind,omitempty" enum:"member,student,employee,applicant,volunteer,pupil,parent,contact,"`
		Profile     subjects.Profile `json:"profile"`
		JoinedOn    string           `json:"joined_on,omitempty" maxLength:"10"`
		LeftOn      string           `json:"left_on,omitempty" maxLength:"10"`
		InterviewOn string           `json:"interview_on,omitempty" maxLength:"10"`
		Version     int64            `json:"version" doc:"The version you read; a newer one means someone else changed the record"`
		Reason      string           `json:"reason" minLength:"1" maxLength:"500" doc:"Why the record is changed; kept with the old values"`
	}
}

func (s *Server) apiUpdatePerson(ctx context.Context, in *updatePersonInput) (*personOutput, error) {
	b := in.Body
	body := personBody{UnitID: b.UnitID, Kind: b.Kind, Profile: b.Profile, JoinedOn: b.JoinedOn, LeftOn: b.LeftOn, InterviewOn: b.InterviewOn}
	p, err := s.subjects.Update(ctx, in.ID, b.Version, body.input(), b.Reason)
	if err != nil {
		return nil, err
	}
	return &personOutput{Body: p}, nil
}

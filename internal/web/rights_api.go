package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/rights"
)

// rightsAPIRoutes is the rights requests' part of the API table, with the
// same permissions as the pages: logging and reading need rights:log (the
// service shows a rep only what they logged), working a request needs
// rights:manage. Every change carries the version the caller read.
func (s *Server) rightsAPIRoutes(api huma.API) {
	l, m, op := access.PermRightsLog, access.PermRightsManage, requestOp
	register(s, api, l, op("list-requests", http.MethodGet, "", "The board: requests in the caller's view, overdue first, without the requesters' details"), s.apiRequests)
	register(s, api, l, op("log-request", http.MethodPost, "", "Log a request received through any channel", http.StatusCreated), s.apiLogRequest)
	register(s, api, l, op("get-request", http.MethodGet, "/{id}", "One request with the requester's details and its history (the read is audited)"), s.apiRequest)
	register(s, api, m, op("record-request-step", http.MethodPost, "/{id}/steps", "Record a dated step that moves the clock"), s.apiRecordStep)
	register(s, api, m, op("accept-request", http.MethodPost, "/{id}/accept", "Take on a request a rep or officer logged"), s.apiAcceptRequest)
	register(s, api, m, op("match-request", http.MethodPost, "/{id}/match", "Link the request to the person in the register it is about, or unlink it"), s.apiMatchRequest)
	register(s, api, m, op("extend-request", http.MethodPost, "/{id}/extend", "Record the extension notice sent to the person, with reasons"), s.apiExtendRequest)
	register(s, api, m, op("record-rectification", http.MethodPost, "/{id}/rectified", "Record that a rectification request was carried out (correct the register first): the note says what was corrected; each recipient of the person's data becomes a notice task (Art 19)"), s.apiRectified)
	register(s, api, m, op("close-request", http.MethodPost, "/{id}/close", "Record the request's outcome"), s.apiCloseRequest)
}

// requestOp is an operation on /requests, tagged with the others.
func requestOp(id, method, path, summary string, status ...int) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: "/requests" + path, Summary: summary, Tags: []string{"Rights requests"}}
	if len(status) > 0 {
		o.DefaultStatus = status[0]
	}
	return o
}

type requestsInput struct {
	Closed bool `query:"closed" doc:"List closed requests instead of the ones still running"`
}

type requestsOutput struct {
	Body struct {
		Requests []rights.Request `json:"requests"`
	}
}

func (s *Server) apiRequests(ctx context.Context, in *requestsInput) (*requestsOutput, error) {
	list, err := s.rights.List(ctx, rights.Filter{Closed: in.Closed})
	if err != nil {
		return nil, err
	}
	out := &requestsOutput{}
	out.Body.Requests = list
	if out.Body.Requests == nil {
		out.Body.Requests = []rights.Request{}
	}
	return out, nil
}

type logRequestInput struct{ Body rights.LogInput }

type requestOutput struct{ Body *rights.Request }

func (s *Server) apiLogRequest(ctx context.Context, in *logRequestInput) (*requestOutput, error) {
	req, err := s.rights.Log(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type requestWithHistoryOutput struct {
	Body struct {
		Request *rights.Request `json:"request"`
		History []rights.Event  `json:"history"`
	}
}

func (s *Server) apiRequest(ctx context.Context, in *idInput) (*requestWithHistoryOutput, error) {
	req, events, err := s.rights.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &requestWithHistoryOutput{}
	out.Body.Request, out.Body.History = req, events
	if out.Body.History == nil {
		out.Body.History = []rights.Event{}
	}
	return out, nil
}

type stepInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body rights.StepInput
}

func (s *Server) apiRecordStep(ctx context.Context, in *stepInput) (*requestOutput, error) {
	if err := needVersion(in.Body.Version); err != nil {
		return nil, err
	}
	req, err := s.rights.Record(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type acceptInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body struct {
		Version int64 `json:"version" minimum:"1" doc:"The request's version as you read it; if someone changed it since, the change is refused with 409"`
	}
}

func (s *Server) apiAcceptRequest(ctx context.Context, in *acceptInput) (*requestOutput, error) {
	req, err := s.rights.Accept(ctx, in.ID, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type matchInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body struct {
		SubjectID string `json:"subject_id" maxLength:"36" doc:"The person's id; empty to remove the link"`
		Version   int64  `json:"version" minimum:"1" doc:"The request's version as you read it; if someone changed it since, the change is refused with 409"`
	}
}

func (s *Server) apiMatchRequest(ctx context.Context, in *matchInput) (*requestOutput, error) {
	req, err := s.rights.Match(ctx, in.ID, in.Body.SubjectID, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type extendInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body struct {
		Reasons string `json:"reasons" doc:"The reasons given to the person: the complexity of the request, or the number of requests from them"`
		On      string `json:"on,omitempty" maxLength:"10" doc:"The day the notice was sent, YYYY-MM-DD; empty for today"`
		Version int64  `json:"version" minimum:"1" doc:"The request's version as you read it; if someone changed it since, the change is refused with 409"`
	}
}

func (s *Server) apiExtendRequest(ctx context.Context, in *extendInput) (*requestOutput, error) {
	req, err := s.rights.Extend(ctx, in.ID, in.Body.Reasons, in.Body.On, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type rectifiedInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body struct {
		Note    string `json:"note" doc:"What was corrected, and where"`
		Version int64  `json:"version" minimum:"1" doc:"The request's version as you read it; if someone changed it since, the change is refused with 409"`
	}
}

func (s *Server) apiRectified(ctx context.Context, in *rectifiedInput) (*requestOutput, error) {
	req, err := s.rights.Rectified(ctx, in.ID, in.Body.Note, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

type closeInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body rights.CloseInput
}

func (s *Server) apiCloseRequest(ctx context.Context, in *closeInput) (*requestOutput, error) {
	if err := needVersion(in.Body.Version); err != nil {
		return nil, err
	}
	req, err := s.rights.Close(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	return &requestOutput{Body: req}, nil
}

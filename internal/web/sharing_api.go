package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/disclosures"
	"github.com/stewardhq/steward/internal/notify"
)

// sharingAPIRoutes are the disclosure log's and the outbox's part of the
// API table, with the pages' permissions: disclosures:approve to log and
// read disclosures (the service limits them to the caller's scope, and
// deciding a held one to the DPO), lists:request for group email.
func (s *Server) sharingAPIRoutes(api huma.API) {
	d, l := access.PermDisclosures, access.PermListsRequest
	register(s, api, d, discOp("list-disclosures", http.MethodGet, "", "The disclosure log: disclosures whose people are all in the caller's scope, newest first, without reasoning"), s.apiDisclosures)
	register(s, api, d, discOp("log-disclosure", http.MethodPost, "", "Log a disclosure; it is held for the DPO when the recipient has no current contract or is abroad without a safeguard", http.StatusCreated), s.apiLogDisclosure)
	register(s, api, d, discOp("get-disclosure", http.MethodGet, "/{id}", "One disclosure with its people, reference and reasoning (the read is audited)"), s.apiDisclosure)
	register(s, api, d, discOp("decide-disclosure", http.MethodPost, "/{id}/decision", "The DPO approves or refuses a held disclosure, with the reason"), s.apiDecideDisclosure)
	register(s, api, d, huma.Operation{OperationID: "disclosure-choices", Method: http.MethodGet, Path: "/disclosure-choices", Tags: []string{"Disclosures"},
		Summary: "Recipients (with whether sharing waits for the DPO), data categories and the catalogue of bases and exemptions"}, s.apiDisclosureChoices)
	register(s, api, l, huma.Operation{OperationID: "email-list", Method: http.MethodPost, Path: "/lists/{id}/email", DefaultStatus: http.StatusAccepted,
		Summary: "Queue a group email to a member list: one message each (To: only the member), or one with every address in BCC (bcc_understood required; not for marketing). Marketing leaves out suppressed people and carries List-Unsubscribe.",
		Tags:    []string{"Email"}}, s.apiEmailList)
	register(s, api, l, huma.Operation{OperationID: "list-outbox", Method: http.MethodGet, Path: "/outbox", Summary: "Group emails and how their messages went (no addresses or content)", Tags: []string{"Email"}}, s.apiOutbox)
}

func discOp(id, method, path, summary string, status ...int) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: "/disclosures" + path, Summary: summary, Tags: []string{"Disclosures"}}
	if len(status) > 0 {
		o.DefaultStatus = status[0]
	}
	return o
}

type disclosuresInput struct {
	State string `query:"state" doc:"Only disclosures in this state: pending, approved or refused"`
}

type disclosuresOutput struct {
	Body struct {
		Disclosures []disclosures.Disclosure `json:"disclosures"`
	}
}

func (s *Server) apiDisclosures(ctx context.Context, in *disclosuresInput) (*disclosuresOutput, error) {
	list, err := s.disclose.List(ctx, disclosures.Filter{State: disclosures.State(in.State)})
	if err != nil {
		return nil, err
	}
	out := &disclosuresOutput{}
	out.Body.Disclosures = list
	if list == nil {
		out.Body.Disclosures = []disclosures.Disclosure{}
	}
	return out, nil
}

type logDisclosureInput struct{ Body disclosures.NewDisclosure }

type disclosureOutput struct{ Body *disclosures.Disclosure }

func (s *Server) apiLogDisclosure(ctx context.Context, in *logDisclosureInput) (*disclosureOutput, error) {
	d, err := s.disclose.Create(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &disclosureOutput{Body: d}, nil
}

type disclosureIDInput struct {
	ID string `path:"id"`
}

func (s *Server) apiDisclosure(ctx context.Context, in *disclosureIDInput) (*disclosureOutput, error) {
	d, err := s.disclose.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &disclosureOutput{Body: d}, nil
}

type decideDisclosureInput struct {
	ID   string `path:"id"`
	Body struct {
		Approve bool   `json:"approve" doc:"true approves, false refuses"`
		Reason  string `json:"reason" minLength:"1" maxLength:"10000"`
	}
}

func (s *Server) apiDecideDisclosure(ctx context.Context, in *decideDisclosureInput) (*disclosureOutput, error) {
	d, err := s.disclose.Decide(ctx, in.ID, in.Body.Approve, in.Body.Reason)
	if err != nil {
		return nil, err
	}
	return &disclosureOutput{Body: d}, nil
}

type disclosureChoicesOutput struct{ Body *disclosures.FormOptions }

func (s *Server) apiDisclosureChoices(ctx context.Context, _ *struct{}) (*disclosureChoicesOutput, error) {
	ch, err := s.disclose.FormChoices(ctx)
	if err != nil {
		return nil, err
	}
	return &disclosureChoicesOutput{Body: ch}, nil
}

type emailListInput struct {
	ID   string `path:"id"`
	Body notify.Message
}

type emailListOutput struct{ Body *notify.Queued }

func (s *Server) apiEmailList(ctx context.Context, in *emailListInput) (*emailListOutput, error) {
	q, err := s.notify.SendToList(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	return &emailListOutput{Body: q}, nil
}

type outboxOutput struct {
	Body struct {
		Batches []notify.Batch `json:"batches"`
	}
}

func (s *Server) apiOutbox(ctx context.Context, _ *struct{}) (*outboxOutput, error) {
	list, err := s.notify.Batches(ctx)
	if err != nil {
		return nil, err
	}
	out := &outboxOutput{}
	out.Body.Batches = list
	if list == nil {
		out.Body.Batches = []notify.Batch{}
	}
	return out, nil
}

package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/consent"
)

// consentAPIRoutes is consent's part of the API: a person's consents,
// recording consent or its withdrawal with evidence, and opt-outs. The
// service checks the person is in the caller's scope.
func (s *Server) consentAPIRoutes(api huma.API) {
	c := access.PermConsentRecord
	op := func(id, method, path, summary string, status ...int) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{"Consent"}}
		if len(status) > 0 {
			o.DefaultStatus = status[0]
		}
		return o
	}
	register(s, api, c, op("list-consent-purposes", http.MethodGet, "/consent/purposes", "The purposes consent is asked for, with their class and current wording"), s.apiConsentPurposes)
	register(s, api, c, op("get-consents", http.MethodGet, "/people/{id}/consents", "A person's consents: current state per purpose, history with evidence, suppression (the read is audited)"), s.apiConsents)
	register(s, api, c, op("record-consent", http.MethodPost, "/people/{id}/consents", "Record consent given or withdrawn, with its evidence (given must be stated; giving needs the wording shown)", http.StatusCreated), s.apiRecordConsent)
	register(s, api, c, op("withdraw-consent", http.MethodPost, "/people/{id}/consents/{purpose}/withdraw", "Record the withdrawal of a consent", http.StatusCreated), s.apiWithdrawConsent)
	register(s, api, c, op("email-preference-link", http.MethodPost, "/people/{id}/preference-link/email", "Email the person their link to the preference centre, to their own address on record; the link is never returned", http.StatusAccepted), s.apiEmailPreferenceLink)
	register(s, api, c, op("record-opt-out", http.MethodPost, "/people/{id}/opt-outs", "Record an opt-out from a purpose or from all marketing (which puts the person on the suppression list)", http.StatusCreated), s.apiOptOut)
}

type consentPurposesOutput struct {
	Body struct {
		Purposes []consent.PurposeInfo `json:"purposes"`
		Wordings []consent.Wording     `json:"wordings"`
	}
}

func (s *Server) apiConsentPurposes(ctx context.Context, _ *struct{}) (*consentPurposesOutput, error) {
	words, err := s.consent.CurrentWordings(ctx)
	if err != nil {
		return nil, err
	}
	out := &consentPurposesOutput{}
	out.Body.Purposes, out.Body.Wordings = consent.Catalogue(), []consent.Wording{}
	for _, p := range out.Body.Purposes {
		if w, ok := words[p.Code]; ok {
			out.Body.Wordings = append(out.Body.Wordings, w)
		}
	}
	return out, nil
}

type personIDInput struct {
	ID string `path:"id" maxLength:"36"`
}

type consentsOutput struct{ Body *consent.Panel }

func (s *Server) apiConsents(ctx context.Context, in *personIDInput) (*consentsOutput, error) {
	p, err := s.consent.Panel(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if p.History == nil {
		p.History = []consent.Event{}
	}
	return &consentsOutput{Body: p}, nil
}

type recordConsentInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body consent.RecordInput
}

type consentEventOutput struct{ Body *consent.Event }

func (s *Server) apiRecordConsent(ctx context.Context, in *recordConsentInput) (*consentEventOutput, error) {
	ev, err := s.consent.Record(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	return &consentEventOutput{Body: ev}, nil
}

type withdrawConsentInput struct {
	ID      string `path:"id" maxLength:"36"`
	Purpose string `path:"purpose" maxLength:"40"`
	Body    struct {
		Channel consent.Channel `json:"channel" enum:"web,paper,email,phone,in_person,import"`
	}
}

func (s *Server) apiWithdrawConsent(ctx context.Context, in *withdrawConsentInput) (*consentEventOutput, error) {
	no := false
	ev, err := s.consent.Record(ctx, in.ID, consent.RecordInput{Purpose: in.Purpose, Given: &no, Channel: in.Body.Channel})
	if err != nil {
		return nil, err
	}
	return &consentEventOutput{Body: ev}, nil
}

type optOutInput struct {
	ID   string `path:"id" maxLength:"36"`
	Body consent.OptOutInput
}

type optOutOutput struct {
	Body struct {
		Events []consent.Event `json:"events" doc:"The withdrawals recorded; none when the person had already opted out"`
	}
}

func (s *Server) apiOptOut(ctx context.Context, in *optOutInput) (*optOutOutput, error) {
	evs, err := s.consent.OptOut(ctx, in.ID, in.Body)
	if err != nil {
		return nil, err
	}
	out := &optOutOutput{}
	out.Body.Events = evs
	if out.Body.Events == nil {
		out.Body.Events = []consent.Event{}
	}
	return out, nil
}

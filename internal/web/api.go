package web

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/stewardhq/steward/internal/access"
)

// apiHandler builds the /api/v1 surface: huma generates the OpenAPI 3.1
// document from the operations below and answers errors as RFC 9457
// problems.
func (s *Server) apiHandler() http.Handler {
	mux := newPatternMux()
	cfg := huma.DefaultConfig("Steward API", s.cfg.Version)
	cfg.OpenAPIPath = "/openapi"
	cfg.DocsPath = ""    // the hosted docs page loads scripts from elsewhere
	cfg.SchemasPath = "" // schemas are inline in the OpenAPI document
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.CreateHooks = nil
	cfg.Info.Description = "Steward's JSON API. Authenticate with a personal access token: `Authorization: Bearer stp_...`. Every operation states the permission it needs; results are limited to the caller's unit scope."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "A personal access token from Account settings."},
	}
	api := humago.NewWithPrefix(mux, "/api/v1", cfg)
	s.apiRoutes(api)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "There is no API operation at this address; see /api/v1/openapi.json.")
	})
	return mux
}

// schemaName names an OpenAPI schema after its Go type, as huma does,
// except that what a capability offers a rights request (package collect)
// is "Collected...": its Item would otherwise clash with rights.Item.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if strings.HasSuffix(t.PkgPath(), "/internal/collect") {
		return "Collected" + name
	}
	if strings.HasSuffix(t.PkgPath(), "/internal/lists") && !strings.HasPrefix(name, "List") {
		return "MemberList" + name
	}
	if strings.HasSuffix(t.PkgPath(), "/internal/consent") && !strings.HasPrefix(name, "Consent") {
		return "Consent" + name
	}
	return name
}

// apiRoutes is the API's route table, read top to bottom.
func (s *Server) apiRoutes(api huma.API) {
	register(s, api, access.PermSelf, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/me", Summary: "The calling account and its roles"}, s.apiMe)
	register(s, api, access.PermUnitsRead, huma.Operation{OperationID: "list-units", Method: http.MethodGet, Path: "/units", Summary: "Units in the caller's scope"}, s.apiUnits)
	register(s, api, access.PermUnitsRead, huma.Operation{OperationID: "get-unit", Method: http.MethodGet, Path: "/units/{id}", Summary: "One unit in the caller's scope"}, s.apiUnit)
	register(s, api, access.PermUnitsManage, huma.Operation{OperationID: "create-unit", Method: http.MethodPost, Path: "/units", Summary: "Add a unit under a parent", DefaultStatus: http.StatusCreated}, s.apiCreateUnit)
	register(s, api, access.PermAccountsManage, huma.Operation{OperationID: "list-accounts", Method: http.MethodGet, Path: "/accounts", Summary: "All accounts with their roles"}, s.apiAccounts)
	register(s, api, access.PermSelf, huma.Operation{OperationID: "list-tokens", Method: http.MethodGet, Path: "/tokens", Summary: "The caller's API tokens"}, s.apiTokens)
	register(s, api, access.PermSelf, huma.Operation{OperationID: "revoke-token", Method: http.MethodDelete, Path: "/tokens/{id}", Summary: "Revoke one of the caller's tokens", DefaultStatus: http.StatusNoContent}, s.apiRevokeToken)
	register(s, api, access.PermAuditVerify, huma.Operation{OperationID: "verify-audit", Method: http.MethodGet, Path: "/audit/verify", Summary: "Verify the audit chain"}, s.apiVerifyAudit)
	s.peopleAPIRoutes(api)
	s.datamapAPIRoutes(api)
	s.rightsAPIRoutes(api)
	s.rightsItemsAPIRoutes(api)
	s.listsAPIRoutes(api)
	s.governanceAPIRoutes(api)
	s.consentAPIRoutes(api)
	s.sharingAPIRoutes(api)
}

// register adds an operation that needs perm. The check here is the
// route's declaration; the service checks again with the unit scope.
func register[I, O any](s *Server, api huma.API, perm access.Permission, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	op.Metadata = map[string]any{"permission": string(perm)}
	op.Description = "Requires the permission `" + string(perm) + "`."
	op.Security = []map[string][]string{{"bearer": {}}}
	op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	op.MaxBodyBytes = maxBody
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		a := access.ActorFrom(ctx)
		if a == nil {
			return nil, huma.Error401Unauthorized("Authenticate with 'Authorization: Bearer <token>'.")
		}
		if !a.Can(perm) {
			return nil, huma.Error403Forbidden(a.DeniedMessage(perm, "Your roles do not include the permission "+string(perm)+"."))
		}
		out, err := h(ctx, in)
		if err != nil {
			return nil, s.apiError(ctx, op.OperationID, err)
		}
		return out, nil
	})
}

type meOutput struct {
	Body struct {
		ID       string         `json:"id"`
		Username string         `json:"username"`
		Grants   []access.Grant `json:"grants"`
		TOTP     bool           `json:"totp_required"`
	}
}

func (s *Server) apiMe(ctx context.Context, _ *struct{}) (*meOutput, error) {
	me, err := s.access.Me(ctx)
	if err != nil {
		return nil, err
	}
	out := &meOutput{}
	out.Body.ID, out.Body.Username, out.Body.Grants, out.Body.TOTP = me.ID, me.Username, me.Grants, me.NeedsTOTP()
	if out.Body.Grants == nil {
		out.Body.Grants = []access.Grant{}
	}
	return out, nil
}

type unitsOutput struct {
	Body struct {
		Units []access.Unit `json:"units"`
	}
}

func (s *Server) apiUnits(ctx context.Context, _ *struct{}) (*unitsOutput, error) {
	units, err := s.access.Units(ctx)
	if err != nil {
		return nil, err
	}
	out := &unitsOutput{}
	out.Body.Units = units
	if out.Body.Units == nil {
		out.Body.Units = []access.Unit{}
	}
	return out, nil
}

type idInput struct {
	ID string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
}

type unitOutput struct{ Body *access.Unit }

func (s *Server) apiUnit(ctx context.Context, in *idInput) (*unitOutput, error) {
	u, err := s.access.Unit(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &unitOutput{Body: u}, nil
}

type createUnitInput struct {
	Body struct {
		ParentID string `json:"parent_id" maxLength:"36" doc:"The unit to add under"`
		Kind     string `json:"kind" enum:"region,branch,workplace"`
		Name     string `json:"name" minLength:"1" maxLength:"200"`
	}
}

func (s *Server) apiCreateUnit(ctx context.Context, in *createUnitInput) (*unitOutput, error) {
	u, err := s.access.CreateUnit(ctx, in.Body.ParentID, in.Body.Kind, in.Body.Name)
	if err != nil {
		return nil, err
	}
	return &unitOutput{Body: u}, nil
}

type accountsOutput struct {
	Body struct {
		Accounts []access.Account `json:"accounts"`
	}
}

func (s *Server) apiAccounts(ctx context.Context, _ *struct{}) (*accountsOutput, error) {
	accs, err := s.access.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := &accountsOutput{}
	out.Body.Accounts = accs
	return out, nil
}

type tokensOutput struct {
	Body struct {
		Tokens []access.Token `json:"tokens"`
	}
}

func (s *Server) apiTokens(ctx context.Context, _ *struct{}) (*tokensOutput, error) {
	ts, err := s.access.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	out := &tokensOutput{}
	out.Body.Tokens = ts
	if out.Body.Tokens == nil {
		out.Body.Tokens = []access.Token{}
	}
	return out, nil
}

func (s *Server) apiRevokeToken(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.access.RevokeToken(ctx, in.ID)
}

type verifyOutput struct {
	Body struct {
		OK        bool   `json:"ok"`
		Events    int64  `json:"events"`
		Segments  int    `json:"segments"`
		FirstBad  int64  `json:"first_bad_seq,omitempty"`
		Reason    string `json:"reason,omitempty"`
		CheckedAt string `json:"checked_at"`
	}
}

func (s *Server) apiVerifyAudit(ctx context.Context, _ *struct{}) (*verifyOutput, error) {
	rep, err := s.audit.Verify(ctx)
	if err != nil {
		return nil, err
	}
	out := &verifyOutput{}
	out.Body.OK = rep.FirstBad == nil
	out.Body.Events, out.Body.Segments = rep.Events, rep.Segments
	if rep.FirstBad != nil {
		out.Body.FirstBad, out.Body.Reason = rep.FirstBad.Seq, rep.FirstBad.Reason
	}
	out.Body.CheckedAt = time.Now().UTC().Format(time.RFC3339)
	return out, nil
}

package web

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/datamap"
)

// datamapAPIRoutes is the data map's part of the API table: the Art 30
// record, what it refers to, its gaps and its export.
func (s *Server) datamapAPIRoutes(api huma.API) {
	r, w := access.PermDataMapRead, access.PermDataMapWrite
	op := func(id, method, path, summary string, status ...int) huma.Operation {
		o := huma.Operation{OperationID: id, Method: method, Path: "/datamap" + path, Summary: summary, Tags: []string{"Data map"}}
		if len(status) > 0 {
			o.DefaultStatus = status[0]
		}
		return o
	}
	register(s, api, r, op("list-activities", http.MethodGet, "/activities", "Processing activities (the Art 30 record)"), s.apiActivities)
	register(s, api, r, op("get-activity", http.MethodGet, "/activities/{id}", "One processing activity"), s.apiActivity)
	register(s, api, w, op("create-activity", http.MethodPost, "/activities", "Add a processing activity", http.StatusCreated), s.apiCreateActivity)
	register(s, api, w, op("update-activity", http.MethodPut, "/activities/{id}", "Replace a processing activity"), s.apiUpdateActivity)
	register(s, api, w, op("delete-activity", http.MethodDelete, "/activities/{id}", "Delete a processing activity", http.StatusNoContent), s.apiDeleteActivity)
	register(s, api, r, op("get-activity-gaps", http.MethodGet, "/activities/{id}/gaps", "What one activity is missing"), s.apiActivityGaps)
	register(s, api, r, op("list-gaps", http.MethodGet, "/gaps", "What the whole record is missing"), s.apiGaps)

	register(s, api, r, op("list-categories", http.MethodGet, "/categories", "Categories of personal data"), s.apiCategories)
	register(s, api, r, op("get-category", http.MethodGet, "/categories/{id}", "One data category"), s.apiCategory)
	register(s, api, w, op("create-category", http.MethodPost, "/categories", "Add a data category", http.StatusCreated), s.apiCreateCategory)
	register(s, api, w, op("update-category", http.MethodPut, "/categories/{id}", "Replace a data category"), s.apiUpdateCategory)
	register(s, api, w, op("delete-category", http.MethodDelete, "/categories/{id}", "Delete an unused data category", http.StatusNoContent), s.apiDeleteCategory)

	register(s, api, r, op("list-systems", http.MethodGet, "/systems", "Systems where data lives"), s.apiSystems)
	register(s, api, r, op("get-system", http.MethodGet, "/systems/{id}", "One system"), s.apiSystem)
	register(s, api, w, op("create-system", http.MethodPost, "/systems", "Add a system", http.StatusCreated), s.apiCreateSystem)
	register(s, api, w, op("update-system", http.MethodPut, "/systems/{id}", "Replace a system"), s.apiUpdateSystem)
	register(s, api, w, op("delete-system", http.MethodDelete, "/systems/{id}", "Delete an unused system", http.StatusNoContent), s.apiDeleteSystem)

	register(s, api, r, op("list-recipients", http.MethodGet, "/recipients", "Recipients and processors"), s.apiRecipients)
	register(s, api, r, op("get-recipient", http.MethodGet, "/recipients/{id}", "One recipient"), s.apiRecipient)
	register(s, api, w, op("create-recipient", http.MethodPost, "/recipients", "Add a recipient or processor", http.StatusCreated), s.apiCreateRecipient)
	register(s, api, w, op("update-recipient", http.MethodPut, "/recipients/{id}", "Replace a recipient"), s.apiUpdateRecipient)
	register(s, api, w, op("delete-recipient", http.MethodDelete, "/recipients/{id}", "Delete an unused recipient", http.StatusNoContent), s.apiDeleteRecipient)

	register(s, api, r, op("get-controller", http.MethodGet, "/controller", "The controller's details (Art 30(1)(a))"), s.apiController)
	register(s, api, w, op("set-controller", http.MethodPut, "/controller", "Replace the controller's details"), s.apiSetController)
	register(s, api, r, op("export-art30", http.MethodGet, "/export", "The Art 30 record as CSV or XLSX"), s.apiExportArt30)
}

// Bodies are wrapped in a named field, so the API can add paging later
// without breaking clients.

type activitiesOutput struct {
	Body struct {
		Activities []datamap.Activity `json:"activities"`
	}
}

type activityOutput struct{ Body *datamap.Activity }

type activityInput struct{ Body datamap.Activity }

type activityUpdateInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body datamap.Activity
}

func (s *Server) apiActivities(ctx context.Context, _ *struct{}) (*activitiesOutput, error) {
	as, err := s.datamap.Activities(ctx)
	if err != nil {
		return nil, err
	}
	out := &activitiesOutput{}
	out.Body.Activities = as
	return out, nil
}

func (s *Server) apiActivity(ctx context.Context, in *idInput) (*activityOutput, error) {
	a, err := s.datamap.Activity(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &activityOutput{Body: a}, nil
}

func (s *Server) apiCreateActivity(ctx context.Context, in *activityInput) (*activityOutput, error) {
	a, err := s.datamap.CreateActivity(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &activityOutput{Body: a}, nil
}

func (s *Server) apiUpdateActivity(ctx context.Context, in *activityUpdateInput) (*activityOutput, error) {
	in.Body.ID = in.ID
	a, err := s.datamap.UpdateActivity(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &activityOutput{Body: a}, nil
}

func (s *Server) apiDeleteActivity(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.datamap.DeleteActivity(ctx, in.ID)
}

type gapsOutput struct {
	Body struct {
		Gaps []datamap.Gap `json:"gaps"`
	}
}

func (s *Server) apiActivityGaps(ctx context.Context, in *idInput) (*gapsOutput, error) {
	gaps, err := s.datamap.Validate(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &gapsOutput{}
	out.Body.Gaps = gaps
	return out, nil
}

func (s *Server) apiGaps(ctx context.Context, _ *struct{}) (*gapsOutput, error) {
	gaps, err := s.datamap.ValidateAll(ctx)
	if err != nil {
		return nil, err
	}
	out := &gapsOutput{}
	out.Body.Gaps = gaps
	return out, nil
}

type categoriesOutput struct {
	Body struct {
		Categories []datamap.Category `json:"categories"`
	}
}

type categoryOutput struct{ Body *datamap.Category }

type categoryInput struct{ Body datamap.Category }

type categoryUpdateInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body datamap.Category
}

func (s *Server) apiCategories(ctx context.Context, _ *struct{}) (*categoriesOutput, error) {
	cs, err := s.datamap.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := &categoriesOutput{}
	out.Body.Categories = cs
	return out, nil
}

func (s *Server) apiCategory(ctx context.Context, in *idInput) (*categoryOutput, error) {
	c, err := s.datamap.Category(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: c}, nil
}

func (s *Server) apiCreateCategory(ctx context.Context, in *categoryInput) (*categoryOutput, error) {
	c, err := s.datamap.CreateCategory(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: c}, nil
}

func (s *Server) apiUpdateCategory(ctx context.Context, in *categoryUpdateInput) (*categoryOutput, error) {
	in.Body.ID = in.ID
	c, err := s.datamap.UpdateCategory(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &categoryOutput{Body: c}, nil
}

func (s *Server) apiDeleteCategory(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.datamap.DeleteCategory(ctx, in.ID)
}

type systemsOutput struct {
	Body struct {
		Systems []datamap.System `json:"systems"`
	}
}

type systemOutput struct{ Body *datamap.System }

type systemInput struct{ Body datamap.System }

type systemUpdateInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body datamap.System
}

func (s *Server) apiSystems(ctx context.Context, _ *struct{}) (*systemsOutput, error) {
	ys, err := s.datamap.Systems(ctx)
	if err != nil {
		return nil, err
	}
	out := &systemsOutput{}
	out.Body.Systems = ys
	return out, nil
}

func (s *Server) apiSystem(ctx context.Context, in *idInput) (*systemOutput, error) {
	y, err := s.datamap.System(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &systemOutput{Body: y}, nil
}

func (s *Server) apiCreateSystem(ctx context.Context, in *systemInput) (*systemOutput, error) {
	y, err := s.datamap.CreateSystem(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &systemOutput{Body: y}, nil
}

func (s *Server) apiUpdateSystem(ctx context.Context, in *systemUpdateInput) (*systemOutput, error) {
	in.Body.ID = in.ID
	y, err := s.datamap.UpdateSystem(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &systemOutput{Body: y}, nil
}

func (s *Server) apiDeleteSystem(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.datamap.DeleteSystem(ctx, in.ID)
}

type recipientsOutput struct {
	Body struct {
		Recipients []datamap.Recipient `json:"recipients"`
	}
}

type recipientOutput struct{ Body *datamap.Recipient }

type recipientInput struct{ Body datamap.Recipient }

type recipientUpdateInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body datamap.Recipient
}

func (s *Server) apiRecipients(ctx context.Context, _ *struct{}) (*recipientsOutput, error) {
	rs, err := s.datamap.Recipients(ctx)
	if err != nil {
		return nil, err
	}
	out := &recipientsOutput{}
	out.Body.Recipients = rs
	return out, nil
}

func (s *Server) apiRecipient(ctx context.Context, in *idInput) (*recipientOutput, error) {
	rc, err := s.datamap.Recipient(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &recipientOutput{Body: rc}, nil
}

func (s *Server) apiCreateRecipient(ctx context.Context, in *recipientInput) (*recipientOutput, error) {
	rc, err := s.datamap.CreateRecipient(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &recipientOutput{Body: rc}, nil
}

func (s *Server) apiUpdateRecipient(ctx context.Context, in *recipientUpdateInput) (*recipientOutput, error) {
	in.Body.ID = in.ID
	rc, err := s.datamap.UpdateRecipient(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &recipientOutput{Body: rc}, nil
}

func (s *Server) apiDeleteRecipient(ctx context.Context, in *idInput) (*struct{}, error) {
	return nil, s.datamap.DeleteRecipient(ctx, in.ID)
}

type controllerOutput struct{ Body *datamap.Controller }

type controllerInput struct{ Body datamap.Controller }

func (s *Server) apiController(ctx context.Context, _ *struct{}) (*controllerOutput, error) {
	c, err := s.datamap.Controller(ctx)
	if err != nil {
		return nil, err
	}
	return &controllerOutput{Body: c}, nil
}

func (s *Server) apiSetController(ctx context.Context, in *controllerInput) (*controllerOutput, error) {
	c, err := s.datamap.SetController(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &controllerOutput{Body: c}, nil
}

type exportInput struct {
	Format string `query:"format" enum:"csv,xlsx" default:"csv" doc:"csv or xlsx"`
}

type exportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// apiExportArt30 buffers the file: the record is a few hundred rows at
// most, and buffering lets an error become a problem document rather than
// half a file.
func (s *Server) apiExportArt30(ctx context.Context, in *exportInput) (*exportOutput, error) {
	f, err := datamap.ExportFormatOf(in.Format)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := s.datamap.ExportArt30(ctx, &buf, in.Format); err != nil {
		return nil, err
	}
	return &exportOutput{ContentType: f.ContentType, ContentDisposition: art30Disposition(f), CacheControl: "no-store", Body: buf.Bytes()}, nil
}

// art30Disposition names the download; the name is fixed text, never
// anything a user typed.
func art30Disposition(f datamap.ExportFormat) string {
	return `attachment; filename="art30-record.` + f.Extension + `"`
}

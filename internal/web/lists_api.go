package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/lists"
)

// listsAPIRoutes are the member lists' part of the API table, with the
// pages' permissions. Making a list returns the encrypted file and its
// password in the one response: Steward keeps neither.
func (s *Server) listsAPIRoutes(api huma.API) {
	l, d, op := access.PermListsRequest, access.PermDisclosures, listOp
	register(s, api, l, op("list-purposes", http.MethodGet, "/purposes", "The purposes a list can be asked for, each with the only fields it includes"), s.apiListPurposes)
	register(s, api, l, op("list-my-lists", http.MethodGet, "", "The caller's member lists, newest first"), s.apiMyLists)
	register(s, api, l, op("make-list", http.MethodPost, "", "Make a member list: the encrypted file (base64) and its password come back once and are not kept", http.StatusCreated), s.apiMakeList)
	register(s, api, d, op("list-outstanding-lists", http.MethodGet, "/outstanding", "Lists past their delete-by date and not confirmed deleted, in the caller's units, with their holders"), s.apiOutstandingLists)
	register(s, api, l, op("get-list", http.MethodGet, "/{id}", "One member list (the holder's own, or any in a unit where the caller approves disclosures)"), s.apiGetList)
	register(s, api, l, op("confirm-list-deleted", http.MethodPost, "/{id}/deleted", "Confirm every copy of the list is deleted"), s.apiListDeleted)
}

// listOp is an operation on /lists.
func listOp(id, method, path, summary string, status ...int) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: "/lists" + path, Summary: summary, Tags: []string{"Member lists"}}
	if len(status) > 0 {
		o.DefaultStatus = status[0]
	}
	return o
}

type purposesOutput struct {
	Body struct {
		Purposes []lists.Purpose `json:"purposes"`
	}
}

func (s *Server) apiListPurposes(ctx context.Context, _ *struct{}) (*purposesOutput, error) {
	out := &purposesOutput{}
	out.Body.Purposes = lists.Purposes()
	return out, nil
}

type myListsInput struct {
	All bool `query:"all" doc:"Include the lists you confirmed deleted"`
}

type listsOutput struct {
	Body struct {
		Lists []lists.List `json:"lists"`
	}
}

func listsOut(ls []lists.List) *listsOutput {
	out := &listsOutput{}
	out.Body.Lists = ls
	if out.Body.Lists == nil {
		out.Body.Lists = []lists.List{}
	}
	return out
}

func (s *Server) apiMyLists(ctx context.Context, in *myListsInput) (*listsOutput, error) {
	ls, err := s.lists.Mine(ctx, in.All)
	if err != nil {
		return nil, err
	}
	return listsOut(ls), nil
}

func (s *Server) apiOutstandingLists(ctx context.Context, _ *struct{}) (*listsOutput, error) {
	ls, err := s.lists.Outstanding(ctx)
	if err != nil {
		return nil, err
	}
	return listsOut(ls), nil
}

type makeListInput struct{ Body lists.Request }

type madeListOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         struct {
		List        lists.List    `json:"list"`
		Password    string        `json:"password" doc:"The file's password or age passphrase: shown this once, never stored"`
		FileName    string        `json:"file_name"`
		ContentType string        `json:"content_type"`
		File        []byte        `json:"file" doc:"The encrypted file, base64"`
		Dropped     lists.Dropped `json:"dropped"`
		Warnings    []string      `json:"warnings"`
	}
}

func (s *Server) apiMakeList(ctx context.Context, in *makeListInput) (*madeListOutput, error) {
	m, err := s.lists.Create(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	out := &madeListOutput{CacheControl: "no-store"}
	out.Body.List, out.Body.Password, out.Body.FileName = m.List, m.File.Password, m.File.Name
	out.Body.ContentType, out.Body.File, out.Body.Dropped = m.File.ContentType, m.File.Data, m.Dropped
	out.Body.Warnings = m.Warnings
	if out.Body.Warnings == nil {
		out.Body.Warnings = []string{}
	}
	return out, nil
}

type listOutput struct{ Body *lists.List }

func (s *Server) apiGetList(ctx context.Context, in *idInput) (*listOutput, error) {
	l, err := s.lists.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: l}, nil
}

func (s *Server) apiListDeleted(ctx context.Context, in *idInput) (*listOutput, error) {
	l, err := s.lists.ConfirmDeleted(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &listOutput{Body: l}, nil
}

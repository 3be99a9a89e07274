package web

import (
	"context"
	"mime"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/rights"
)

// rightsItemsAPIRoutes are the answer's part of the API: collation,
// decisions, tasks (searches and notices to recipients), the response
// pack, the erasure and the kept letters, all for those who manage
// requests (rights:manage), like the pages.
func (s *Server) rightsItemsAPIRoutes(api huma.API) {
	m, op := access.PermRightsManage, requestOp
	register(s, api, m, op("collate-request", http.MethodPost, "/{id}/collate", "Collect what Steward holds about the matched person and plan searches of the systems it cannot search"), s.apiCollate)
	register(s, api, m, op("list-request-items", http.MethodGet, "/{id}/items", "The collected items with their decisions, and the tasks: searches (kind search) and, after an erasure, notices to recipients (kind notify); the read is audited"), s.apiItems)
	register(s, api, m, op("decide-request-item", http.MethodPost, "/{id}/items/{item}/decision", "Decide on one item: disclose, redact or withhold it (access, portability), with redactions as byte offsets into the item's text (field -1) or a field's value (field i); or, for an erasure request, erase it or keep it under an Art 17(3) exception with the reason"), s.apiDecide)
	register(s, api, m, op("complete-request-task", http.MethodPost, "/{id}/tasks/{task}/done", "Record that a task is done: what a system's search found, or how a recipient was told of an erasure (or why that is impossible or disproportionate)", http.StatusNoContent), s.apiCompleteTask)
	register(s, api, m, op("make-request-pack", http.MethodPost, "/{id}/pack", "Make the response pack (a zip of the cover letter and the disclosed data as JSON, CSV, HTML and PDF); it is kept as made"), s.apiPack)
	register(s, api, m, op("carry-out-erasure", http.MethodPost, "/{id}/erasure", "Carry out an erasure request once every item is decided and every search is done. It cannot be undone: what is marked erase is destroyed for good, backups included, and each recipient of the person's data becomes a notice task (Art 19), to complete before the request closes as complied with"), s.apiCarryOut)
	register(s, api, m, op("list-request-letters", http.MethodGet, "/{id}/letters", "The letters and packs kept for the request, newest first"), s.apiLetters)
	register(s, api, m, op("get-request-letter", http.MethodGet, "/{id}/letters/{letter}", "A kept letter or pack, as it was made (the read is audited)"), s.apiLetter)
}

type itemsOutput struct {
	Body struct {
		Items []rights.Item `json:"items"`
		Tasks []rights.Task `json:"tasks"`
	}
}

func newItemsOutput(items []rights.Item, tasks []rights.Task) *itemsOutput {
	out := &itemsOutput{}
	out.Body.Items, out.Body.Tasks = items, tasks
	if out.Body.Items == nil {
		out.Body.Items = []rights.Item{}
	}
	if out.Body.Tasks == nil {
		out.Body.Tasks = []rights.Task{}
	}
	return out
}

func (s *Server) apiCollate(ctx context.Context, in *idInput) (*itemsOutput, error) {
	items, tasks, err := s.rights.Collate(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return newItemsOutput(items, tasks), nil
}

func (s *Server) apiItems(ctx context.Context, in *idInput) (*itemsOutput, error) {
	items, tasks, err := s.rights.Items(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return newItemsOutput(items, tasks), nil
}

type decideInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Item string `path:"item" maxLength:"36" doc:"The item's id"`
	Body rights.DecisionInput
}

type itemOutput struct{ Body *rights.Item }

func (s *Server) apiDecide(ctx context.Context, in *decideInput) (*itemOutput, error) {
	it, err := s.rights.Decide(ctx, in.ID, in.Item, in.Body)
	if err != nil {
		return nil, err
	}
	return &itemOutput{Body: it}, nil
}

type taskDoneInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Task string `path:"task" maxLength:"36" doc:"The task's id"`
	Body struct {
		Note string `json:"note" maxLength:"20000" doc:"For a search, what it found: nothing, or what was found and how it was added to the answer. For a notice, how and when the recipient was told, or why that is impossible or disproportionate"`
	}
}

func (s *Server) apiCompleteTask(ctx context.Context, in *taskDoneInput) (*struct{}, error) {
	return nil, s.rights.CompleteTask(ctx, in.ID, in.Task, in.Body.Note)
}

type erasureInput struct {
	ID   string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Body struct {
		Version int64 `json:"version" minimum:"1" doc:"The request's version as you read it; if someone changed it since, the erasure is refused with 409"`
	}
}

type erasureOutput struct{ Body *rights.ErasureReport }

func (s *Server) apiCarryOut(ctx context.Context, in *erasureInput) (*erasureOutput, error) {
	if err := needVersion(in.Body.Version); err != nil {
		return nil, err
	}
	rep, err := s.rights.CarryOut(ctx, in.ID, in.Body.Version)
	if err != nil {
		return nil, err
	}
	return &erasureOutput{Body: rep}, nil
}

// fileOutput is a kept file, sent as a download.
type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func newFileOutput(name string, body []byte) *fileOutput {
	return &fileOutput{ContentType: letterType(name), CacheControl: "no-store", Body: body,
		ContentDisposition: mime.FormatMediaType("attachment", map[string]string{"filename": name})}
}

func (s *Server) apiPack(ctx context.Context, in *idInput) (*fileOutput, error) {
	l, zipped, err := s.rights.Pack(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return newFileOutput(l.FileName, zipped), nil
}

type lettersOutput struct {
	Body struct {
		Letters []rights.Letter `json:"letters"`
	}
}

func (s *Server) apiLetters(ctx context.Context, in *idInput) (*lettersOutput, error) {
	ls, err := s.rights.Letters(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &lettersOutput{}
	out.Body.Letters = ls
	if out.Body.Letters == nil {
		out.Body.Letters = []rights.Letter{}
	}
	return out, nil
}

type letterInput struct {
	ID     string `path:"id" maxLength:"36" doc:"An id as Steward issues them (UUID)"`
	Letter string `path:"letter" maxLength:"36" doc:"The letter's id"`
}

func (s *Server) apiLetter(ctx context.Context, in *letterInput) (*fileOutput, error) {
	l, body, err := s.rights.LetterFile(ctx, in.ID, in.Letter)
	if err != nil {
		return nil, err
	}
	return newFileOutput(l.FileName, body), nil
}

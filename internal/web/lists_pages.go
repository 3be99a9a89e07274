package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/lists"
)

// listsPageRoutes are the member-list pages. Asking for a list,
// downloading it and seeing one's own need lists:request. A list's own
// page and confirming its deletion need only to be signed in: they show
// no member's data, and a holder whose access is paused (a new policy to
// acknowledge) still holds the list and must still delete it. The
// service shows a list only to its holder and to whoever approves
// disclosures over its unit. Nothing personal goes in a URL: list ids
// only, and the one-time download token travels in a POST body.
func (s *Server) listsPageRoutes() []route {
	l, me := access.PermListsRequest, access.PermSelf
	return []route{
		{"GET /lists", l, s.listsPage},
		{"POST /lists", l, s.listCreate},
		{"POST /lists/download", l, s.listDownload},
		{"GET /lists/{id}", me, s.listPage},
		{"POST /lists/{id}/deleted", me, s.listDeleted},
		{"POST /lists/{id}/fresh", l, s.listFresh},
	}
}

// downloadTTL is how long a made file waits in memory for its one
// download.
const downloadTTL = 10 * time.Minute

// maxDownloadsPerHolder and maxDownloadBytes bound what waits in memory:
// a holder's older files beyond the first few go (two tabs still work),
// and past the total size the oldest files of anyone go first. A file
// that went is asked for again as a fresh list.
const (
	maxDownloadsPerHolder = 4
	maxDownloadBytes      = 256 << 20
)

// downloads holds each made file in memory, encrypted as it was made,
// until its one download or for downloadTTL, keyed by a random token
// that only the page shown to its holder carries (in a form, never a
// URL). It is per server process: behind a load balancer the download
// must reach the same server (sticky sessions), or the holder asks for a
// fresh list. The password is not kept here or anywhere.
type downloads struct {
	mu       sync.Mutex
	files    map[string]pendingFile
	bytes    int
	seq      uint64
	maxBytes int
	// after runs f once d has passed (time.AfterFunc), so that a file
	// leaves memory on time even when nobody else comes.
	after func(d time.Duration, f func())
}

type pendingFile struct {
	holder  string
	file    lists.File
	expires time.Time
	seq     uint64
}

func newDownloads() *downloads {
	return &downloads{files: map[string]pendingFile{}, maxBytes: maxDownloadBytes,
		after: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// put keeps a file for its holder and returns its token.
func (d *downloads) put(holder string, f lists.File, now time.Time) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	f.Password = ""
	d.mu.Lock()
	d.sweep(now)
	for d.count(holder) >= maxDownloadsPerHolder {
		d.drop(d.oldest(holder))
	}
	for len(d.files) > 0 && d.bytes+len(f.Data) > d.maxBytes {
		d.drop(d.oldest(""))
	}
	d.seq++
	d.files[tok] = pendingFile{holder: holder, file: f, expires: now.Add(downloadTTL), seq: d.seq}
	d.bytes += len(f.Data)
	d.mu.Unlock()
	d.after(downloadTTL, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.drop(tok)
	})
	return tok
}

// take removes and returns the file, if the token is live and the
// holder's.
func (d *downloads) take(holder, tok string, now time.Time) (lists.File, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweep(now)
	p, ok := d.files[tok]
	if !ok || p.holder != holder {
		return lists.File{}, false
	}
	d.drop(tok)
	return p.file, true
}

func (d *downloads) drop(tok string) {
	if p, ok := d.files[tok]; ok {
		d.bytes -= len(p.file.Data)
		delete(d.files, tok)
	}
}

// count is how many files wait for holder.
func (d *downloads) count(holder string) int {
	n := 0
	for _, p := range d.files {
		if p.holder == holder {
			n++
		}
	}
	return n
}

// oldest is the token of the oldest file waiting for holder, or of anyone
// when holder is empty.
func (d *downloads) oldest(holder string) string {
	tok, seq := "", uint64(0)
	for k, p := range d.files {
		if (holder == "" || p.holder == holder) && (tok == "" || p.seq < seq) {
			tok, seq = k, p.seq
		}
	}
	return tok
}

func (d *downloads) sweep(now time.Time) {
	for k, p := range d.files {
		if now.After(p.expires) {
			d.drop(k)
		}
	}
}

// listsView is the /lists page.
type listsView struct {
	Held     []lists.List
	Purposes []lists.Purpose
	Units    []access.Unit
	Purpose  string
	Format   string
	Expiry   int
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderLists(w, r, http.StatusOK, "", "", nil)
}

func (s *Server) renderLists(w http.ResponseWriter, r *http.Request, code int, purpose, format string, problem error) error {
	ctx := r.Context()
	held, err := s.lists.Mine(ctx, false)
	if err != nil {
		return err
	}
	v := &listsView{Held: held, Purposes: lists.Purposes(), Purpose: purpose, Format: format,
		Expiry: int(s.lists.Config().Expiry / (24 * time.Hour))}
	if v.Format == "" {
		v.Format = string(lists.FormatXLSX)
	}
	// The units a list may be asked for: those the actor holds a role on.
	a := access.ActorFrom(ctx)
	for _, g := range a.Grants {
		if !g.Role.Grants(access.PermListsRequest) {
			continue
		}
		if u, err := s.access.Unit(ctx, g.UnitID); err == nil {
			v.Units = append(v.Units, *u)
		}
	}
	notice := ""
	if r.URL.Query().Get("done") == "deleted" {
		notice = "Thank you: the list is recorded as deleted."
	}
	errMsg := ""
	if problem != nil {
		errMsg = apperr.MessageOf(problem)
	}
	s.render(w, r, code, "lists", view{Title: "Member lists", Notice: notice, Error: errMsg, Data: v})
	return nil
}

// readyView is the page a new list's password is shown on, once.
type readyView struct {
	Made  *lists.Made
	Token string
	Size  string
}

func (s *Server) listCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	req := lists.Request{Purpose: f.Get("purpose"), Format: lists.Format(f.Get("format")), UnitID: f.Get("unit_id"), BasedOn: f.Get("based_on")}
	if f.Get("understood") != "yes" {
		return s.renderLists(w, r, http.StatusUnprocessableEntity, req.Purpose, string(req.Format),
			apperr.New(apperr.Invalid, "Tick the box to say you will keep the list safe and delete it when you are done."))
	}
	a := access.ActorFrom(r.Context())
	nonce := f.Get("form_nonce")
	if nonce != "" && !s.listForms.reserve(a.AccountID, nonce, time.Now()) {
		return s.renderLists(w, r, http.StatusConflict, "", "",
			apperr.New(apperr.Conflict, "This form was already sent and its list made; its password was shown once. The list is under \"Lists you hold\". If you lost the file or its password, delete any copy and download a fresh list from the list's page."))
	}
	made, err := s.lists.Create(r.Context(), req)
	if err != nil {
		if nonce != "" {
			s.listForms.release(a.AccountID, nonce)
		}
		if code := status(apperr.CodeOf(err)); code < 500 {
			return s.renderLists(w, r, code, req.Purpose, string(req.Format), err)
		}
		return err
	}
	return s.renderReady(w, r, made)
}

func (s *Server) renderReady(w http.ResponseWriter, r *http.Request, made *lists.Made) error {
	a := access.ActorFrom(r.Context())
	tok := s.downloads.put(a.AccountID, made.File, time.Now())
	size := fmt.Sprintf("%.1f kB", float64(len(made.File.Data))/1024)
	s.render(w, r, http.StatusOK, "list_ready", view{Title: "Your list is ready", Data: &readyView{Made: made, Token: tok, Size: size}})
	return nil
}

func (s *Server) listDownload(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	a := access.ActorFrom(r.Context())
	file, ok := s.downloads.take(a.AccountID, f.Get("token"), time.Now())
	if !ok {
		return apperr.New(apperr.NotFound, "This download was already used, has expired (files wait %d minutes) or made way for newer files. Open the list from Member lists and download a fresh one.", int(downloadTTL/time.Minute))
	}
	h := w.Header()
	h.Set("Content-Type", file.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", file.Name))
	h.Set("Content-Length", fmt.Sprint(len(file.Data)))
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(file.Data)
	return nil
}

// listView is one list's page.
type listView struct {
	List     *lists.List
	Mine     bool
	Purpose  lists.Purpose
	Replaced *lists.List
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	l, err := s.lists.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := &listView{List: l, Mine: l.HolderID == access.ActorID(ctx)}
	v.Purpose, _ = lists.PurposeByCode(l.Purpose)
	notice := ""
	if r.URL.Query().Get("done") == "deleted" {
		notice = "Thank you: the list is recorded as deleted."
	}
	s.render(w, r, http.StatusOK, "list", view{Title: l.PurposeLabel + " list", Notice: notice, Data: v})
	return nil
}

func (s *Server) listDeleted(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	l, err := s.lists.ConfirmDeleted(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/lists/"+l.ID+"?done=deleted", http.StatusSeeOther)
	return nil
}

func (s *Server) listFresh(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	made, err := s.lists.Create(r.Context(), lists.Request{Replaces: r.PathValue("id"), OldDeleted: f.Get("old_deleted") == "yes"})
	if err != nil {
		return err
	}
	return s.renderReady(w, r, made)
}

// listsDashboard is what the dashboard shows of member lists: the lists
// the actor holds that are due within a week or overdue, and, for whoever
// approves disclosures (the DPO), every overdue list with its holder.
func (s *Server) listsDashboard(ctx context.Context) (held, outstanding []lists.List, err error) {
	a := access.ActorFrom(ctx)
	if s.lists == nil || a == nil {
		return nil, nil, nil
	}
	// A holder whose access is paused still holds their lists.
	if a.Can(access.PermListsRequest) || a.Held(access.PermListsRequest) {
		mine, err := s.lists.HeldBy(ctx, a.AccountID)
		if err != nil {
			return nil, nil, err
		}
		soon := time.Now().Add(7 * 24 * time.Hour)
		for _, l := range mine {
			if l.Outstanding || l.ReplacedBy != "" || l.ExpiresAt.Before(soon) {
				held = append(held, l)
			}
		}
	}
	if a.Can(access.PermDisclosures) {
		if outstanding, err = s.lists.Outstanding(ctx); err != nil {
			return nil, nil, err
		}
	}
	return held, outstanding, nil
}

package web

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/rights"
)

// rightsItemsPageRoutes are the DPO's forms for answering a request: collect
// what is held about the person, decide on each item, finish the searches
// of other systems, then make the response pack (access, portability) or
// carry out the erasure and tell the recipients (erasure), and download
// what was kept.
func (s *Server) rightsItemsPageRoutes() []route {
	m := access.PermRightsManage
	return []route{
		{"POST /requests/{id}/collate", m, s.requestCollate},
		{"POST /requests/{id}/items/{item}/decision", m, s.itemDecide},
		{"POST /requests/{id}/tasks/{task}/done", m, s.taskDone},
		{"POST /requests/{id}/pack", m, s.requestPack},
		{"POST /requests/{id}/erasure", m, s.requestErase},
		{"GET /requests/{id}/letters/{letter}", m, s.letterDownload},
	}
}

// dataFound is the request page's "Data found" part: the collected items
// by category, the search tasks, the notices to recipients and the
// letters kept.
type dataFound struct {
	Groups    []itemGroup
	Total     int
	Undecided int
	// Tasks are the searches of systems Steward cannot search; Notices
	// the recipients to tell of an erasure or a correction (Art 19), which
	// NoticeOf names.
	Tasks       []rights.Task
	OpenTasks   int
	Notices     []rights.Task
	OpenNotices int
	NoticeOf    string
	Letters     []letterItem
	// Exemptions are the grounds to redact or withhold (access), Exceptions
	// those to keep an item an erasure request asks to erase (Art 17(3)).
	Exemptions []option
	Exceptions []option
	// CanPack is whether the right is answered with a data pack.
	CanPack bool
	// Erasure is whether each item is erased or kept rather than
	// disclosed; Erased whether the erasure has been carried out, after
	// which the decisions no longer change.
	Erasure bool
	Erased  bool
	// ToErase and ToKeep count the items decided each way.
	ToErase, ToKeep int
}

// Ready reports whether the erasure can be carried out: every item has
// its decision and every search is done.
func (f *dataFound) Ready() bool {
	return f.Erasure && !f.Erased && f.Total > 0 && f.Undecided == 0 && f.OpenTasks == 0
}

// ErasureSummary says what the erasure did (or will do), as its report
// does: "2 items erased, 2 kept; 5 recipients to tell".
func (f *dataFound) ErasureSummary() string {
	verb := "to erase"
	if f.Erased {
		verb = "erased"
	}
	out := fmt.Sprintf("%s %s, %d kept", plural(f.ToErase, "item", "items"), verb, f.ToKeep)
	if f.Erased {
		out += "; " + plural(len(f.Notices), "recipient", "recipients") + " to tell"
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

type itemGroup struct {
	Category string
	Items    []itemView
}

// itemView is a collected item as the reviewer sees it.
type itemView struct {
	rights.Item
	// Shown is the item as it will be disclosed, when it will be.
	Shown     collect.Item
	Disclosed bool
	// RedactLines are the redacted runs, one per line, to fill the form
	// for a change of mind.
	RedactLines string
	// KeepOnly marks an item of an erasure request that cannot be erased
	// (the access log); Erased that the erasure has been carried out.
	KeepOnly bool
	Erased   bool
}

// DecisionLabel names the decision for people.
func (it itemView) DecisionLabel() string {
	switch it.Decision {
	case rights.Disclose:
		return "Disclosed"
	case rights.Redact:
		return "Disclosed with redactions"
	case rights.Withhold:
		return "Withheld"
	case rights.Erase:
		if it.Erased {
			return "Erased"
		}
		return "To be erased"
	case rights.Keep:
		return "Kept"
	}
	return "Not decided"
}

type letterItem struct{ rights.Letter }

// KindLabel names what was kept.
func (l letterItem) KindLabel() string {
	if l.Kind == "pack" {
		return "Response pack"
	}
	return rights.LetterKind(l.Kind).Label()
}

// dataFoundView reads what the request page shows a DPO about the answer;
// erased says whether the request's erasure has been carried out. Reading
// the items is a read of the person's data and is audited.
func (s *Server) dataFoundView(ctx context.Context, req rights.Request, erased bool) (*dataFound, error) {
	items, tasks, err := s.rights.Items(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	letters, err := s.rights.Letters(ctx, req.ID)
	if err != nil {
		return nil, err
	}
	v := &dataFound{Total: len(items), CanPack: req.Kind.Packable(), Erasure: req.Kind == rights.KindErasure, Erased: erased, NoticeOf: "erasure"}
	if req.Kind == rights.KindRectification {
		v.NoticeOf = "correction"
	}
	for _, e := range rights.Exemptions() {
		v.Exemptions = append(v.Exemptions, option{string(e), e.Label()})
	}
	for _, e := range rights.Exceptions() {
		v.Exceptions = append(v.Exceptions, option{string(e), e.Label()})
	}
	for _, it := range items {
		iv := itemView{Item: it, RedactLines: redactedLines(it), Erased: erased,
			KeepOnly: v.Erasure && !it.Erasable}
		iv.Shown, iv.Disclosed = it.Apply()
		switch it.Decision {
		case "":
			v.Undecided++
		case rights.Erase:
			v.ToErase++
		case rights.Keep:
			v.ToKeep++
		}
		i := slices.IndexFunc(v.Groups, func(g itemGroup) bool { return g.Category == it.Content.Category })
		if i < 0 {
			v.Groups = append(v.Groups, itemGroup{Category: it.Content.Category})
			i = len(v.Groups) - 1
		}
		v.Groups[i].Items = append(v.Groups[i].Items, iv)
	}
	for _, t := range tasks {
		if t.Kind == rights.TaskNotify {
			v.Notices = append(v.Notices, t)
			if !t.Done {
				v.OpenNotices++
			}
			continue
		}
		v.Tasks = append(v.Tasks, t)
		if !t.Done {
			v.OpenTasks++
		}
	}
	for _, l := range letters {
		v.Letters = append(v.Letters, letterItem{l})
	}
	return v, nil
}

// redactedLines are the distinct runs an item's redactions cover, in the
// order they occur, one per line.
func redactedLines(it rights.Item) string {
	var lines []string
	for _, sp := range it.Redactions {
		text := it.Content.Text
		if sp.Field >= 0 && sp.Field < len(it.Content.Fields) {
			text = it.Content.Fields[sp.Field].Value
		}
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			continue
		}
		if run := text[sp.Start:sp.End]; !slices.Contains(lines, run) {
			lines = append(lines, run)
		}
	}
	return strings.Join(lines, "\n")
}

// redactionSpans turns the text a reviewer pasted, one piece per line,
// into spans covering every occurrence of each piece in the item's text
// (Field -1) and field values (Field i). This is how redaction works
// without JavaScript: nobody has to count characters. A piece that occurs
// nowhere is refused, naming it, since a typo would otherwise leave the
// text it meant to remove in the pack; so is one in the item's title,
// which spans cannot reach.
func redactionSpans(c collect.Item, pasted string) ([]rights.Span, error) {
	texts := []string{c.Text}
	for _, f := range c.Fields {
		texts = append(texts, f.Value)
	}
	var spans []rights.Span
	var missing, inTitle []string
	for line := range strings.SplitSeq(pasted, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		found := false
		for i, text := range texts {
			for at := 0; ; {
				j := strings.Index(text[at:], line)
				if j < 0 {
					break
				}
				spans = append(spans, rights.Span{Field: i - 1, Start: at + j, End: at + j + len(line)})
				at += j + len(line)
				found = true
			}
		}
		switch {
		case strings.Contains(c.Title, line):
			inTitle = append(inTitle, "“"+line+"”")
		case !found:
			missing = append(missing, "“"+line+"”")
		}
	}
	switch {
	case len(missing) > 0:
		return nil, apperr.New(apperr.Invalid, "Not found in this item's text or fields: %s. Paste each piece exactly as it appears, capitals and spaces included, one per line.", strings.Join(missing, ", "))
	case len(inTitle) > 0:
		// The title goes into the pack as it is: redacting the text alone
		// would leave the piece there.
		return nil, apperr.New(apperr.Invalid, "In the item's title, which cannot be redacted: %s. Withhold the item instead, giving the reason.", strings.Join(inTitle, ", "))
	case len(spans) == 0:
		return nil, apperr.New(apperr.Invalid, "Paste the exact text to redact, one piece per line.")
	}
	return mergeSpans(spans), nil
}

// mergeSpans joins overlapping spans of the same field (one pasted piece
// inside another, "Mr Hughes" and "Hughes"), which the service would
// refuse as overlapping.
func mergeSpans(spans []rights.Span) []rights.Span {
	slices.SortFunc(spans, func(a, b rights.Span) int {
		if a.Field != b.Field {
			return a.Field - b.Field
		}
		return a.Start - b.Start
	})
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && out[n-1].Field == sp.Field && sp.Start < out[n-1].End {
			out[n-1].End = max(out[n-1].End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// requestCollate asks every source again and plans the search tasks.
func (s *Server) requestCollate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := parseForm(r); err != nil {
		return err
	}
	if _, _, err := s.rights.Collate(r.Context(), id); err != nil {
		return s.requestFormError(w, r, id, "collate", err)
	}
	http.Redirect(w, r, "/requests/"+id+"?done=collated#data", http.StatusSeeOther)
	return nil
}

// itemDecide records the decision on one item; a redaction's pasted text
// becomes spans here.
func (s *Server) itemDecide(w http.ResponseWriter, r *http.Request) error {
	id, itemID := r.PathValue("id"), r.PathValue("item")
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	which := "item:" + itemID
	in := rights.DecisionInput{Decision: rights.Decision(f.Get("decision")), Exemption: rights.Exemption(f.Get("exemption")), Reason: f.Get("reason")}
	if in.Decision == rights.Redact {
		items, _, err := s.rights.Items(r.Context(), id)
		if err != nil {
			return s.requestFormError(w, r, id, which, err)
		}
		i := slices.IndexFunc(items, func(it rights.Item) bool { return it.ID == itemID })
		if i < 0 {
			return s.requestFormError(w, r, id, which, apperr.New(apperr.NotFound, "No item %q in this request; collect again and reload the page.", itemID))
		}
		if in.Redactions, err = redactionSpans(items[i].Content, f.Get("redact")); err != nil {
			return s.requestFormError(w, r, id, which, err)
		}
	}
	if _, err := s.rights.Decide(r.Context(), id, itemID, in); err != nil {
		return s.requestFormError(w, r, id, which, err)
	}
	http.Redirect(w, r, "/requests/"+id+"?done=decided#item-"+itemID, http.StatusSeeOther)
	return nil
}

// taskDone records a search, or a notice to a recipient (the form says
// which, to come back to the right list), as done.
func (s *Server) taskDone(w http.ResponseWriter, r *http.Request) error {
	id, taskID := r.PathValue("id"), r.PathValue("task")
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	if err := s.rights.CompleteTask(r.Context(), id, taskID, f.Get("note")); err != nil {
		return s.requestFormError(w, r, id, "task:"+taskID, err)
	}
	to := "?done=task#tasks"
	if rights.TaskKind(f.Get("kind")) == rights.TaskNotify {
		to = "?done=notice#notices"
	}
	http.Redirect(w, r, "/requests/"+id+to, http.StatusSeeOther)
	return nil
}

// requestErase carries out an erasure request, with the version the page
// was read at; the page then says what went and whom to tell.
func (s *Server) requestErase(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	f, err := parseForm(r)
	if err != nil {
		return err
	}
	version, err := formVersion(f)
	if err == nil {
		_, err = s.rights.CarryOut(r.Context(), id, version)
	}
	if err != nil {
		return s.requestFormError(w, r, id, "erasure", err)
	}
	http.Redirect(w, r, "/requests/"+id+"?done=erased#erasure", http.StatusSeeOther)
	return nil
}

// requestPack makes the response pack and sends it as a download; the
// page lists it with the other kept letters afterwards.
func (s *Server) requestPack(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := parseForm(r); err != nil {
		return err
	}
	l, zipped, err := s.rights.Pack(r.Context(), id)
	if err != nil {
		return s.requestFormError(w, r, id, "pack", err)
	}
	sendAttachment(w, l.FileName, zipped)
	return nil
}

func (s *Server) letterDownload(w http.ResponseWriter, r *http.Request) error {
	l, body, err := s.rights.LetterFile(r.Context(), r.PathValue("id"), r.PathValue("letter"))
	if err != nil {
		return err
	}
	sendAttachment(w, l.FileName, body)
	return nil
}

// letterType is the media type of a kept letter or pack, from its name.
func letterType(name string) string {
	switch path.Ext(name) {
	case ".zip":
		return "application/zip"
	case ".pdf":
		return "application/pdf"
	}
	return "application/octet-stream"
}

// sendAttachment sends a kept file as a download that is never cached.
func sendAttachment(w http.ResponseWriter, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", letterType(name))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

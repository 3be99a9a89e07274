package rights

import (
	"archive/zip"
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/collect"
	"github.com/stewardhq/steward/internal/datamap"
	"github.com/stewardhq/steward/internal/pdf"
	"github.com/stewardhq/steward/internal/store"
	"github.com/stewardhq/steward/internal/vault"
)

//go:embed templates/*.html
var packTemplates embed.FS

// DataMap is what the rights service needs of the Art 30 record: the
// systems to plan searches, and what the Art 15 supplementary information
// is drawn from.
type DataMap interface {
	Systems
	Controller(ctx context.Context) (*datamap.Controller, error)
	Activities(ctx context.Context) ([]datamap.Activity, error)
	Recipients(ctx context.Context) ([]datamap.Recipient, error)
}

// Letter is a generated letter or pack, kept as made.
type Letter struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	FileName string    `json:"file_name"`
	Size     int64     `json:"size"`
	MadeBy   string    `json:"made_by"`
	MadeAt   time.Time `json:"made_at"`
}

// Supplement is the Art 15(1)-(2) information that goes with a copy of
// someone's data, drawn from the data map.
type Supplement struct {
	Controller string
	DPO        string
	Activities []SupplementActivity
	Recipients []string
	Transfers  []string
	// recipients are the recipients behind Recipients, for notices.
	recipients []datamap.Recipient
}

// SupplementActivity is one purpose the data is used for.
type SupplementActivity struct {
	Name, Purposes, LawfulBasis, Retention string
}

// packView is what the pack's templates see.
type packView struct {
	Ref, Kind, Today, Received, Requester string
	Supplement                            Supplement
	Items                                 []collect.Item
	Withheld                              int
	Redacted                              int
	Categories                            []string
	Portability                           bool
}

// Pack makes the answer to an access or portability request as one zip:
// a cover letter with the supplementary information, and the disclosed
// data as JSON, CSV, HTML and PDF, all made from the same redacted items.
// Every item must have a decision and every search task must be done. The
// pack is kept, sealed, as made.
func (s *Service) Pack(ctx context.Context, id string) (*Letter, []byte, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, nil, err
	}
	var letter *Letter
	var zipped []byte
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, id, true)
		if err != nil {
			return err
		}
		kind := Kind(r.kind)
		if !kind.Packable() {
			return apperr.New(apperr.Conflict, "A data pack answers access and portability requests; this is a request for %s.", strings.ToLower(kind.Label()))
		}
		if r.status != string(StatusOpen) {
			// Releasing data needs the identity (or authority) confirmed
			// and anything else asked for received: the clock runs.
			return apperr.New(apperr.Conflict, "The pack can be made once the request is open with its clock running; it is now: %s.", Status(r.status).Label())
		}
		items, err := s.reviewed(ctx, tx, r, "disclose, redact or withhold")
		if err != nil {
			return err
		}
		d, err := s.open(ctx, r)
		if err != nil {
			return err
		}
		sup, err := s.supplement(ctx, items)
		if err != nil {
			return err
		}
		today := londonDay(tx.Now())
		v := packView{Ref: r.ref, Kind: kind.Label(), Today: today.Long(), Received: mustDay(r.receivedOn).Long(), Requester: d.RequesterName,
			Supplement: sup, Portability: kind == KindPortability}
		for _, it := range items {
			c, ok := it.Apply()
			switch {
			case !ok:
				v.Withheld++
				continue
			case v.Portability && !c.Provided:
				continue
			case it.Decision == Redact:
				v.Redacted++
			}
			v.Items = append(v.Items, c)
			if !slices.Contains(v.Categories, c.Category) {
				v.Categories = append(v.Categories, c.Category)
			}
		}
		if zipped, err = buildPack(s.packTemplates, v, tx.Now()); err != nil {
			return err
		}
		if letter, err = s.keepLetter(ctx, tx, r, "pack", "response-"+r.ref+".zip", zipped); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, r.id, "pack_made", today.String(), fmt.Sprintf("%d items disclosed (%d redacted), %d withheld", len(v.Items), v.Redacted, v.Withheld)); err != nil {
			return err
		}
		return s.record(ctx, "rights.pack", r, map[string]string{"letter": letter.ID, "items": fmt.Sprint(len(v.Items)), "withheld": fmt.Sprint(v.Withheld)})
	})
	if err != nil {
		return nil, nil, err
	}
	return letter, zipped, nil
}

func letterField(id string) vault.Field {
	return vault.Field{Table: "rights_letters", Column: "content", Row: id}
}

// LetterFile returns a kept letter or pack as it was made; reading it is
// a read of the person's data and is audited.
func (s *Service) LetterFile(ctx context.Context, requestID, letterID string) (*Letter, []byte, error) {
	a, err := access.Require(ctx, access.PermRightsManage)
	if err != nil {
		return nil, nil, err
	}
	var l Letter
	var plain []byte
	err = s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		r, err := s.scoped(ctx, a, requestID, false)
		if err != nil {
			return err
		}
		var sealed []byte
		var at int64
		err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT id, kind, file_name, size, made_by, made_at, content FROM rights_letters WHERE id = $1 AND request_id = $2`,
			letterID, r.id).Scan(&l.ID, &l.Kind, &l.FileName, &l.Size, &l.MadeBy, &at, &sealed)
		if isNoRows(err) {
			return apperr.New(apperr.NotFound, "No letter %q in this request.", letterID)
		}
		if err != nil {
			return fmt.Errorf("read letter: %w", err)
		}
		l.MadeAt = store.FromMillis(at)
		key, err := s.requestKey(ctx, r.id)
		if err != nil {
			return err
		}
		if plain, err = key.Open(letterField(l.ID), sealed); err != nil {
			return fmt.Errorf("open letter: %w", err)
		}
		return s.record(ctx, "rights.letter_read", r, map[string]string{"letter": l.ID})
	})
	if err != nil {
		return nil, nil, err
	}
	return &l, plain, nil
}

// supplement draws the Art 15 information from the data map: the
// activities the collected items are held under (all of them when the
// items name none), their recipients and transfers.
func (s *Service) supplement(ctx context.Context, items []Item) (Supplement, error) {
	var sup Supplement
	if s.datamap == nil {
		return sup, nil
	}
	c, err := s.datamap.Controller(ctx)
	if err != nil {
		return sup, err
	}
	sup.Controller, sup.DPO = c.Name, c.DPO
	acts, err := s.datamap.Activities(ctx)
	if err != nil {
		return sup, err
	}
	recips, err := s.datamap.Recipients(ctx)
	if err != nil {
		return sup, err
	}
	used := func(a datamap.Activity) bool {
		for _, it := range items {
			// The records source writes "name: purposes", so a name that
			// starts another ("Casework") does not match it.
			if p := it.Content.Purpose; p == a.Name || strings.HasPrefix(p, a.Name+": ") {
				return true
			}
		}
		return false
	}
	var chosen []datamap.Activity
	for _, a := range acts {
		if used(a) {
			chosen = append(chosen, a)
		}
	}
	if len(chosen) == 0 {
		chosen = acts
	}
	seen := map[string]bool{}
	for _, a := range chosen {
		sup.Activities = append(sup.Activities, SupplementActivity{Name: a.Name, Purposes: a.Purposes, LawfulBasis: a.LawfulBasisLabel(), Retention: a.RetentionRule})
		for _, rid := range a.RecipientIDs {
			for _, rc := range recips {
				if rc.ID == rid && !seen[rid] {
					seen[rid] = true
					sup.Recipients = append(sup.Recipients, rc.Name)
					sup.recipients = append(sup.recipients, rc)
					if rc.Country != "" && !strings.EqualFold(rc.Country, "United Kingdom") {
						sup.Transfers = append(sup.Transfers, fmt.Sprintf("%s, in %s (safeguard: %s)", rc.Name, rc.Country, orNone(rc.Safeguard)))
					}
				}
			}
		}
	}
	return sup, nil
}

func orNone(s string) string {
	if s == "" {
		return "none recorded"
	}
	return s
}

// buildPack renders every format from the same view and zips them.
func buildPack(t *template.Template, v packView, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	var letter, data bytes.Buffer
	if err := t.ExecuteTemplate(&letter, "cover.html", v); err != nil {
		return nil, fmt.Errorf("cover letter: %w", err)
	}
	if err := t.ExecuteTemplate(&data, "data.html", v); err != nil {
		return nil, fmt.Errorf("data page: %w", err)
	}
	js, err := json.MarshalIndent(struct {
		Ref      string         `json:"request"`
		Made     string         `json:"made_on"`
		Items    []collect.Item `json:"items"`
		Withheld int            `json:"items_withheld"`
	}{v.Ref, v.Today, v.Items, v.Withheld}, "", "  ")
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{{"cover-letter.html", letter.Bytes()}, {"your-data.json", js}, {"your-data.csv", packCSV(v.Items)}}
	if !v.Portability {
		files = append(files, struct {
			name string
			data []byte
		}{"your-data.html", data.Bytes()}, struct {
			name string
			data []byte
		}{"your-data.pdf", packPDF(v)})
	}
	for _, f := range files {
		if err := add(f.name, f.data); err != nil {
			return nil, fmt.Errorf("zip %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// packCSV is one row per field and one per text, with cells that a
// spreadsheet would run as formulas made inert.
func packCSV(items []collect.Item) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"category", "title", "date", "purpose", "field", "value"})
	for _, it := range items {
		for _, f := range it.Fields {
			w.Write(safeRow(it.Category, it.Title, it.Date, it.Purpose, f.Label, f.Value))
		}
		if it.Text != "" {
			w.Write(safeRow(it.Category, it.Title, it.Date, it.Purpose, "Text", it.Text))
		}
	}
	w.Flush()
	return buf.Bytes()
}

func safeRow(cells ...string) []string {
	for i, c := range cells {
		cells[i] = datamap.SafeCell(c)
	}
	return cells
}

// packPDF is the cover letter and the data, in that order.
func packPDF(v packView) []byte {
	d := pdf.New("Your data, request " + v.Ref)
	d.Heading("Your request " + v.Ref)
	d.Para(coverText(v))
	d.Heading("Your data")
	for _, it := range v.Items {
		title := it.Title
		if it.Date != "" {
			title += " (" + it.Date + ")"
		}
		d.Heading(it.Category + ": " + title)
		for _, f := range it.Fields {
			d.Label(f.Label, f.Value)
		}
		if it.Text != "" {
			d.Para(it.Text)
		}
	}
	return d.Bytes()
}

// coverText is the cover letter as plain text, for the PDF.
func coverText(v packView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\nYou asked us on %s for %s. This pack answers it. It contains %d items of your data", v.Requester, v.Received, strings.ToLower(v.Kind), len(v.Items))
	if v.Redacted > 0 {
		fmt.Fprintf(&b, ", %d of them with parts removed because they are about other people or are exempt", v.Redacted)
	}
	b.WriteString(".\n")
	if v.Withheld > 0 {
		fmt.Fprintf(&b, "We have withheld %d items under exemptions in the Data Protection Act 2018. We keep our reasons, and you may ask us about them.\n", v.Withheld)
	}
	fmt.Fprintf(&b, "\nWho we are: %s. Data protection officer: %s.\n", v.Supplement.Controller, v.Supplement.DPO)
	b.WriteString("\nWhy we hold it:\n")
	for _, a := range v.Supplement.Activities {
		fmt.Fprintf(&b, "- %s: %s Lawful basis: %s. How long we keep it: %s\n", a.Name, a.Purposes, a.LawfulBasis, orNone(a.Retention))
	}
	fmt.Fprintf(&b, "\nKinds of data: %s.\n", strings.Join(v.Categories, "; "))
	if len(v.Supplement.Recipients) > 0 {
		fmt.Fprintf(&b, "Who receives it: %s.\n", strings.Join(v.Supplement.Recipients, "; "))
	}
	if len(v.Supplement.Transfers) > 0 {
		fmt.Fprintf(&b, "Transfers outside the UK: %s.\n", strings.Join(v.Supplement.Transfers, "; "))
	}
	b.WriteString("\nWhere it came from: most of it from you; notes and records were written by our staff and representatives.\n")
	b.WriteString("Automated decisions: we make no decisions about you by automated means alone.\n")
	b.WriteString("\nYour rights: you may ask us to correct your data, to erase it, to restrict its use, or object to its use, and to have the data you gave us in a reusable form. You may complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113), and you may go to court.\n")
	return b.String()
}

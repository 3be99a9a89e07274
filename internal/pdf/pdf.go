// Package pdf writes plain, readable A4 documents of headings and
// paragraphs with the PDF standard fonts, which every reader has, so a
// response pack needs no font files and no dependency. Text is encoded in
// WinAnsi (Latin-1 and a few more); characters outside it are written as
// "?", which the caller avoids by keeping the HTML and JSON versions as the
// exact copies.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Page geometry in points: A4 with 56 pt (about 2 cm) margins.
const (
	pageW, pageH = 595.0, 842.0
	margin       = 56.0
)

// Doc is a document being written.
type Doc struct {
	pages []*bytes.Buffer
	cur   *bytes.Buffer
	y     float64
	title string
}

// New starts a document; title goes in its metadata.
func New(title string) *Doc {
	d := &Doc{title: title}
	d.newPage()
	return d
}

func (d *Doc) newPage() {
	d.cur = &bytes.Buffer{}
	d.pages = append(d.pages, d.cur)
	d.y = pageH - margin
}

// Heading writes a bold line (wrapped if long) with space above it.
func (d *Doc) Heading(text string) { d.block(text, "F2", 13, 8) }

// Para writes a paragraph of body text; newlines in it start new lines.
func (d *Doc) Para(text string) {
	for _, line := range strings.Split(text, "\n") {
		d.block(line, "F1", 10, 0)
	}
	d.y -= 6
}

// Label writes a "label: value" line with the label in bold.
func (d *Doc) Label(label, value string) {
	d.block(label, "F2", 10, 2)
	d.Para(value)
}

func (d *Doc) block(text, font string, size, above float64) {
	lead := size * 1.35
	d.y -= above
	// Helvetica averages about half an em a character; 0.56 keeps long
	// lines of wide letters inside the margin.
	perLine := int((pageW - 2*margin) / (size * 0.56))
	lines := wrap(text, perLine)
	if len(lines) == 0 {
		lines = []string{""}
	}
	for _, l := range lines {
		if d.y-lead < margin {
			d.newPage()
		}
		d.y -= lead
		fmt.Fprintf(d.cur, "BT /%s %.0f Tf %.1f %.1f Td (%s) Tj ET\n", font, size, margin, d.y, escape(l))
	}
}

// wrap breaks text into lines of at most n characters, at spaces where it
// can.
func wrap(text string, n int) []string {
	var out []string
	for utf8.RuneCountInString(text) > n {
		r := []rune(text)
		cut := n
		for i := n; i > n/2; i-- {
			if r[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(r[:cut]), " "))
		text = strings.TrimLeft(string(r[cut:]), " ")
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// escape encodes a line as a PDF literal string in WinAnsi.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		c, ok := winAnsi(r)
		if !ok {
			c = '?'
		}
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 32 || c > 126:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// winAnsi maps a rune to its WinAnsiEncoding byte.
func winAnsi(r rune) (byte, bool) {
	switch {
	case r == '\t':
		return ' ', true
	case r >= 32 && r <= 126, r >= 0xA0 && r <= 0xFF:
		return byte(r), true
	}
	switch r {
	case '€':
		return 0x80, true
	case '‘':
		return 0x91, true
	case '’':
		return 0x92, true
	case '“':
		return 0x93, true
	case '”':
		return 0x94, true
	case '•':
		return 0x95, true
	case '–':
		return 0x96, true
	case '—':
		return 0x97, true
	}
	return 0, false
}

// Bytes returns the finished document.
func (d *Doc) Bytes() []byte {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(d.pages)
	// Objects: 1 catalog, 2 pages, 3 and 4 fonts, 5 info, then a page
	// and its content stream for each page.
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (Steward) >>", escape(d.title)))
	for i, p := range d.pages {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			pageW, pageH, 7+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", p.Len(), p.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return out.Bytes()
}

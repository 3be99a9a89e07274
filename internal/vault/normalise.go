package vault

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/stewardhq/steward/internal/apperr"
)

// IndexKind says how a value is normalised before it is blind-indexed, and
// selects the index key: equal values of different kinds never share an
// index value.
type IndexKind string

const (
	IndexEmail        IndexKind = "email"
	IndexPhone        IndexKind = "phone"
	IndexNINumber     IndexKind = "ni_number"
	IndexName         IndexKind = "name"
	IndexDate         IndexKind = "date"
	IndexMembershipNo IndexKind = "membership_no"
	IndexPostcode     IndexKind = "postcode"
	// IndexText is for anything else searched by exact match: trimmed,
	// case-folded, NFC, inner whitespace collapsed.
	IndexText IndexKind = "text"
)

// IndexKinds lists every kind, in a fixed order.
func IndexKinds() []IndexKind {
	return []IndexKind{IndexEmail, IndexPhone, IndexNINumber, IndexName, IndexDate, IndexMembershipNo, IndexPostcode, IndexText}
}

// maxIndexInput bounds what is normalised: an exact-match index over a
// longer value is of no use, and the bound keeps a hostile value cheap.
const maxIndexInput = 1024

// Normalise turns value into the canonical form of its kind, so that the
// ways people write the same email, phone number or name index alike. A
// value that cannot be of its kind is an apperr.Invalid error saying what a
// good one looks like. Normalising a normalised value returns it unchanged.
func Normalise(kind IndexKind, value string) (string, error) {
	if len(value) > maxIndexInput {
		return "", apperr.New(apperr.Invalid, "the %s is too long (more than %d bytes)", kindLabel(kind), maxIndexInput)
	}
	if !utf8.ValidString(value) {
		return "", apperr.New(apperr.Invalid, "the %s is not valid UTF-8 text", kindLabel(kind))
	}
	for _, r := range value {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return "", apperr.New(apperr.Invalid, "the %s contains a control character; retype it without pasting hidden characters", kindLabel(kind))
		}
	}
	var out string
	var err error
	switch kind {
	case IndexEmail:
		out, err = normaliseEmail(value)
	case IndexPhone:
		out, err = normalisePhone(value)
	case IndexNINumber:
		out, err = normaliseNINumber(value)
	case IndexName:
		out = foldName(value)
	case IndexDate:
		out, err = normaliseDate(value)
	case IndexMembershipNo:
		out, err = normaliseMembershipNo(value)
	case IndexPostcode:
		out, err = normalisePostcode(value)
	case IndexText:
		out = foldText(value)
	default:
		return "", apperr.New(apperr.Invalid, "unknown index kind %q", string(kind))
	}
	if err != nil {
		return "", err
	}
	if out == "" {
		return "", apperr.New(apperr.Invalid, "the %s is empty", kindLabel(kind))
	}
	// Case folding can lengthen text; bounding the output too keeps every
	// result acceptable as an input, so normalising stays idempotent.
	if len(out) > maxIndexInput {
		return "", apperr.New(apperr.Invalid, "the %s is too long (more than %d bytes)", kindLabel(kind), maxIndexInput)
	}
	return out, nil
}

func kindLabel(k IndexKind) string {
	switch k {
	case IndexEmail:
		return "email address"
	case IndexPhone:
		return "phone number"
	case IndexNINumber:
		return "National Insurance number"
	case IndexDate:
		return "date"
	case IndexMembershipNo:
		return "membership number"
	case IndexPostcode:
		return "postcode"
	case IndexName:
		return "name"
	default:
		return "value"
	}
}

func normaliseEmail(v string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", apperr.New(apperr.Invalid, "an email address needs a name, an @ and a domain, like jo.bloggs@example.org")
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", apperr.New(apperr.Invalid, "an email address cannot contain spaces")
	}
	return s, nil
}

// normalisePhone returns E.164. UK numbers are checked for their length;
// numbers with another country code are accepted as E.164 without
// checking that country's plan, since members do move abroad.
func normalisePhone(v string) (string, error) {
	s := strings.TrimSpace(v)
	digits := make([]byte, 0, len(s))
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", apperr.New(apperr.Invalid, "a phone number may contain only digits, spaces, brackets, dashes and a leading +, like 07700 900123 or +44 7700 900123")
		}
	}
	d := string(digits)
	var intl string
	switch {
	case plus:
		intl = d
	case strings.HasPrefix(d, "00"):
		intl = d[2:]
	case strings.HasPrefix(d, "0"):
		return ukPhone(d[1:])
	default:
		return "", apperr.New(apperr.Invalid, "a phone number must start with 0 (a UK number) or with + and the country code, like 07700 900123 or +44 7700 900123")
	}
	if nsn, ok := strings.CutPrefix(intl, "44"); ok {
		// "+44 (0)20 ..." is a common way to write a UK number; the
		// trunk 0 is never part of the national number.
		nsn = strings.TrimPrefix(nsn, "0")
		return ukPhone(nsn)
	}
	if len(intl) < 7 || len(intl) > 15 || intl[0] == '0' {
		return "", apperr.New(apperr.Invalid, "an international phone number is + then the country code and 7 to 15 digits in all, like +33 1 23 45 67 89")
	}
	return "+" + intl, nil
}

func ukPhone(nsn string) (string, error) {
	if (len(nsn) != 9 && len(nsn) != 10) || nsn[0] == '0' {
		return "", apperr.New(apperr.Invalid, "a UK phone number has 10 or 11 digits including the leading 0, like 07700 900123 or (020) 7946 0000")
	}
	return "+44" + nsn, nil
}

// normaliseNINumber checks the shape only (two letters, six digits, a
// letter A-D). HMRC's rules on which prefixes are allocated change over
// time, and a record must stay findable by what was actually written on it.
func normaliseNINumber(v string) (string, error) {
	b := make([]byte, 0, 9)
	for _, r := range v {
		if unicode.IsSpace(r) {
			continue
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r >= utf8.RuneSelf || len(b) == 9 {
			b = b[:0]
			break
		}
		b = append(b, byte(r))
	}
	ok := len(b) == 9 && isUpper(b[0]) && isUpper(b[1]) && b[8] >= 'A' && b[8] <= 'D'
	for i := 2; ok && i < 8; i++ {
		ok = isDigit(b[i])
	}
	if !ok {
		return "", apperr.New(apperr.Invalid, "a National Insurance number is two letters, six digits and a letter A to D, like QQ 12 34 56 C")
	}
	return string(b), nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func normaliseDate(v string) (string, error) {
	s := strings.TrimSpace(v)
	bad := apperr.New(apperr.Invalid, "a date is YYYY-MM-DD or DD/MM/YYYY, like 1984-03-27 or 27/03/1984")
	var y, m, d int
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		var ok1, ok2, ok3 bool
		y, ok1 = atoiN(s[0:4])
		m, ok2 = atoiN(s[5:7])
		d, ok3 = atoiN(s[8:10])
		if !ok1 || !ok2 || !ok3 {
			return "", bad
		}
	} else {
		parts := strings.Split(s, "/")
		if len(parts) != 3 || len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) != 4 {
			return "", bad
		}
		var ok1, ok2, ok3 bool
		d, ok1 = atoiN(parts[0])
		m, ok2 = atoiN(parts[1])
		y, ok3 = atoiN(parts[2])
		if !ok1 || !ok2 || !ok3 {
			return "", bad
		}
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || m < 1 || m > 12 || d < 1 || t.Day() != d || int(t.Month()) != m {
		return "", apperr.New(apperr.Invalid, "that date does not exist; check the day and the month")
	}
	return t.Format(time.DateOnly), nil
}

// atoiN parses ASCII digits only; strconv.Atoi would also take a sign.
func atoiN(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

func normaliseMembershipNo(v string) (string, error) {
	b := make([]byte, 0, len(v))
	for _, r := range v {
		switch {
		case unicode.IsSpace(r):
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r-('a'-'A')))
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '/', r == '.':
			b = append(b, byte(r))
		default:
			return "", apperr.New(apperr.Invalid, "a membership number may contain only letters, digits, '-', '/' and '.'")
		}
	}
	if len(b) > 64 {
		return "", apperr.New(apperr.Invalid, "a membership number is at most 64 characters")
	}
	return string(b), nil
}

// normalisePostcode accepts the UK shapes (A9, A99, AA9, AA99, A9A, AA9A
// then 9AA, and GIR 0AA) and writes them upper-case with one space before
// the inward code.
func normalisePostcode(v string) (string, error) {
	b := make([]byte, 0, 8)
	bad := apperr.New(apperr.Invalid, "a UK postcode looks like SW1A 1AA or M1 1AE")
	for _, r := range v {
		switch {
		case unicode.IsSpace(r):
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r-('a'-'A')))
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b = append(b, byte(r))
		default:
			return "", bad
		}
		if len(b) > 7 {
			return "", bad
		}
	}
	if len(b) < 5 {
		return "", bad
	}
	out, in := b[:len(b)-3], b[len(b)-3:]
	if !isDigit(in[0]) || !isUpper(in[1]) || !isUpper(in[2]) {
		return "", bad
	}
	shape := make([]byte, len(out))
	for i, c := range out {
		if isDigit(c) {
			shape[i] = '9'
		} else {
			shape[i] = 'A'
		}
	}
	switch string(shape) {
	case "A9", "A99", "AA9", "AA99", "A9A", "AA9A":
	default:
		if string(b) != "GIR0AA" {
			return "", bad
		}
	}
	return string(out) + " " + string(in), nil
}

// foldName case-folds, strips accents (NFKD, then drops nonspacing marks),
// unifies apostrophes and dashes (O’Brien and O'Brien are the same person)
// and collapses whitespace.
func foldName(v string) string {
	if s, ok := foldASCII(v, true); ok {
		return s
	}
	return fixpoint(v, func(s string) string {
		s = strings.Map(func(r rune) rune {
			switch r {
			case '\u2018', '\u2019', '\u02bc', '\u00b4', '`':
				return '\''
			case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212':
				return '-'
			}
			return r
		}, s)
		s = norm.NFKD.String(s)
		s = strings.Map(func(r rune) rune {
			if unicode.Is(unicode.Mn, r) {
				return -1
			}
			return r
		}, s)
		s = cases.Fold().String(s)
		return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	})
}

// foldText case-folds, composes (NFC) and collapses whitespace, keeping
// accents: for values where an accent may matter.
func foldText(v string) string {
	if s, ok := foldASCII(v, false); ok {
		return s
	}
	return fixpoint(v, func(s string) string {
		s = cases.Fold().String(norm.NFC.String(s))
		return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	})
}

// fixpoint applies f until the value stops changing. Unicode case folding
// and normalisation do not always commute (folding can expose a
// combining mark, decomposition can expose an upper-case letter), and the
// index must give the same value for an already normalised input.
func fixpoint(s string, f func(string) string) string {
	for range 4 {
		n := f(s)
		if n == s {
			return n
		}
		s = n
	}
	return s
}

// foldASCII is the fast path for the common all-ASCII value: the same
// result as the Unicode path, in one allocation. It reports false when v is
// not all ASCII.
func foldASCII(v string, name bool) (string, bool) {
	b := make([]byte, 0, len(v))
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= utf8.RuneSelf:
			return "", false
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			space = len(b) > 0
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '`' && name:
			c = '\''
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	return string(b), true
}

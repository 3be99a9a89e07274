package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

func TestLettersAndRestrictionFromTheRequestPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithNote(t, f)
		repA := signedIn(t, f, f.RepUser, f.RepPassword, "")
		form := verbalForm(ukToday(t).AddDays(-1))
		form.Set("kind", "restriction")
		code, loc, b := post(t, f, repA, "/requests", form)
		if code != http.StatusSeeOther {
			t.Fatalf("log: %d\n%s", code, b)
		}
		id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/requests/")
		dpo := signedIn(t, f, f.DPOUser, f.DPOPassword, f.DPOCode(t))
		version := 1
		step := func(path string, form url.Values) (int, string) {
			t.Helper()
			if form == nil {
				form = url.Values{}
			}
			form.Set("version", strconv.Itoa(version))
			code, _, b := post(t, f, dpo, "/requests/"+id+path, form)
			if code == http.StatusSeeOther {
				version++
			}
			return code, b
		}
		if code, b := step("/match", url.Values{"subject_id": {member}}); code != http.StatusSeeOther {
			t.Fatalf("match: %d\n%s", code, b)
		}
		// A rep cannot make letters or restrict.
		if code, _, _ := post(t, f, repA, "/requests/"+id+"/letter", url.Values{"kind": {"acknowledgement"}}); code != http.StatusForbidden {
			t.Fatalf("rep letter: %d", code)
		}
		if code, _, _ := post(t, f, repA, "/requests/"+id+"/restrict", url.Values{"reason": {"x"}, "version": {"2"}}); code != http.StatusForbidden {
			t.Fatalf("rep restrict: %d", code)
		}

		// The acknowledgement downloads as a PDF and is kept.
		status, hdr, pdf := download(t, dpo, "POST", f.URL+"/requests/"+id+"/letter?") // empty kind first
		if status == http.StatusOK {
			t.Fatalf("a letter without a kind was made: %s", hdr)
		}
		resp, err := dpo.PostForm(f.URL+"/requests/"+id+"/letter", url.Values{"kind": {string(rights.LetterAcknowledge)}})
		if err != nil {
			t.Fatal(err)
		}
		pdf = []byte(body(t, resp))
		if resp.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF")) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("letter: %d %v", resp.StatusCode, resp.Header)
		}
		// A notice the record does not back is refused on the page.
		_, _, page := post(t, f, dpo, "/requests/"+id+"/letter", url.Values{"kind": {string(rights.LetterRestrictionLift)}})
		if !strings.Contains(page, "Record why the restriction will end") {
			t.Fatalf("lift notice before the plan:\n%s", page)
		}

		if code, b := step("/restrict", url.Values{"reason": {"Address contested."}}); code != http.StatusSeeOther {
			t.Fatalf("restrict: %d\n%s", code, b)
		}
		_, page = get(t, f, dpo, "/people/"+member)
		if !strings.Contains(strings.ToLower(page), "restricted") {
			t.Fatalf("person page does not show the restriction:\n%s", page)
		}
		if code, b := step("/lift", nil); code == http.StatusSeeOther || !strings.Contains(b, "Record why the restriction will end first") {
			t.Fatalf("lift before the plan: %d\n%s", code, b)
		}
		if code, b := step("/plan-lift", url.Values{"reason": {"Address checked and right."}}); code != http.StatusSeeOther {
			t.Fatalf("plan: %d\n%s", code, b)
		}
		if resp, err := dpo.PostForm(f.URL+"/requests/"+id+"/letter", url.Values{"kind": {string(rights.LetterRestrictionLift)}}); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("lift notice: %v", err)
		}
		if code, b := step("/lift", nil); code != http.StatusSeeOther {
			t.Fatalf("lift: %d\n%s", code, b)
		}
		_, page = get(t, f, dpo, "/requests/"+id)
		for _, want := range []string{"Processing restricted", "Decided to end the restriction", "Restriction ended", rights.LetterRestrictionLift.Label()} {
			if !strings.Contains(page, want) {
				t.Errorf("request page lacks %q", want)
			}
		}
	})
}

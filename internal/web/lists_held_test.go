package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/governance"
	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/testkit"
)

// A rep whose access is paused (a new policy version to acknowledge)
// still holds their lists: the dashboard still asks them to delete them,
// and they can open a list's page and confirm its deletion, which touch
// no member's data. Making a list stays paused.
func TestHeldRepStillDeletesTheirLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		rep := signedIn(t, f, f.RepUser, f.RepPassword, "")
		st, _, page := post(t, f, rep, "/lists", url.Values{"purpose": {"meeting"}, "format": {"csv.age"}, "understood": {"yes"}})
		if st != http.StatusOK {
			t.Fatalf("making a list: %d %s", st, page)
		}
		id := between(page, `href="/lists/`, `"`)
		if st, _, page := post(t, f, rep, "/lists/"+id+"/fresh", url.Values{}); st != http.StatusOK {
			t.Fatalf("fresh list: %d %s", st, page)
		}
		if _, err := f.Gov.PublishPolicy(testkit.As(t, f.Access, f.DPOUser), governance.PolicyInput{Title: "Data protection policy", Version: "v9",
			Body: "New rules.", RequiresAck: true}); err != nil {
			t.Fatal(err)
		}
		if st, b := get(t, f, rep, "/people"); st != http.StatusForbidden {
			t.Fatalf("the rep is not held: %d %s", st, b)
		}
		st, dash := get(t, f, rep, "/")
		if st != http.StatusOK || !strings.Contains(dash, `href="/lists/`+id+`"`) {
			t.Errorf("the held rep's dashboard does not ask them to delete the replaced list: %d\n%s", st, dash)
		}
		if st, b := get(t, f, rep, "/lists/"+id); st != http.StatusOK || !strings.Contains(b, "I have deleted every copy") {
			t.Errorf("the held rep's list page: %d\n%s", st, b)
		}
		if st, loc, b := post(t, f, rep, "/lists/"+id+"/deleted", url.Values{}); st != http.StatusSeeOther || !strings.Contains(loc, "done=deleted") {
			t.Errorf("the held rep confirms deletion: %d %s %s", st, loc, b)
		}
		if st, _, b := post(t, f, rep, "/lists", url.Values{"purpose": {"meeting"}, "format": {"csv.age"}, "understood": {"yes"}}); st != http.StatusForbidden || !strings.Contains(b, "paused") {
			t.Errorf("the held rep makes a list: %d %s", st, b)
		}
		// Another rep still cannot open the list.
		other := signedIn(t, f, repB, repBPassword, "")
		if st, _ := get(t, f, other, "/lists/"+id); st != http.StatusNotFound {
			t.Errorf("another rep opens the list: %d", st)
		}
	})
}

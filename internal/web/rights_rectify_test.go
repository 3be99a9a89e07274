package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// TestRectificationThroughTheAPI: the DPO corrects the register, records
// the rectification on the request, and the request says what was
// corrected and holds a notice per recipient.
func TestRectificationThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		f := newFixtureOn(t, env)
		member := addMemberWithTwoRecords(t, f)
		tok := tokenFor(t, f, f.DPOUser)
		req := logByEmail(t, f, tok, rights.KindRectification, "My phone number is wrong.")
		base := "/api/v1/requests/" + req.ID
		if code, b := apiDo(t, f, tok, "POST", base+"/rectified", fmt.Sprintf(`{"note":"Phone corrected.","version":%d}`, req.Version)); code != http.StatusConflict {
			t.Fatalf("rectified before matching: %d %s", code, b)
		}
		code, b := apiDo(t, f, tok, "POST", base+"/match", fmt.Sprintf(`{"subject_id":%q,"version":%d}`, member, req.Version))
		if code != http.StatusOK {
			t.Fatalf("match: %d %s", code, b)
		}
		req = decode[rights.Request](t, b)
		if code, b := apiDo(t, f, tok, "POST", base+"/rectified", fmt.Sprintf(`{"note":"Phone corrected.","version":%d}`, req.Version)); code != http.StatusOK {
			t.Fatalf("rectified: %d %s", code, b)
		}
		code, b = apiDo(t, f, tok, "GET", base, "")
		full := decode[struct {
			History []rights.Event `json:"history"`
		}](t, b)
		found := false
		for _, e := range full.History {
			found = found || (e.Step == "rectified" && strings.HasPrefix(e.Note, "Phone corrected."))
		}
		if code != http.StatusOK || !found {
			t.Fatalf("history lacks the correction: %d %s", code, b)
		}
		_, b = apiDo(t, f, tok, "GET", base+"/items", "")
		notices := 0
		for _, tk := range decode[itemsBody](t, b).Tasks {
			if tk.Kind == rights.TaskNotify {
				notices++
			}
		}
		if notices == 0 {
			t.Fatalf("no notice to a recipient: %s", b)
		}
	})
}

package rights_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stewardhq/steward/internal/calendar"
	"github.com/stewardhq/steward/internal/rights"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// sarExample is one worked example of RULES §§1.2-1.6, as the calendar's
// tests keep them in internal/calendar/testdata.
type sarExample struct {
	Name    string    `json:"name"`
	In      [8]string `json:"in"` // received, id req, id rec, fee req, fee rec, authority, clar req, clar rec
	Start   string    `json:"clock_start"`
	Paused  int       `json:"paused_days"`
	Due     string    `json:"due"`
	Notice  string    `json:"extension_notice_by"`
	Ext     string    `json:"extended_due"`
	Regions []string  `json:"regions"`
}

// TestEveryWorkedExampleThroughARequest runs every worked example of the
// rulebook through the request service, as a DPO would: the request
// logged on its day, each step recorded on its day, and the clock the
// request shows compared with the rulebook's figures, in every region
// the example names.
func TestEveryWorkedExampleThroughARequest(t *testing.T) {
	raw, err := os.ReadFile("../calendar/testdata/sar_examples.json")
	if err != nil {
		t.Fatal(err)
	}
	var examples []sarExample
	if err := json.Unmarshal(raw, &examples); err != nil {
		t.Fatal(err)
	}
	if len(examples) < 30 {
		t.Fatalf("only %d examples read", len(examples))
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env, "england-and-wales", "2026-01-01")
		dpo := w.as(t, "dpo")
		services := map[string]*rights.Service{}
		for _, region := range []string{"england-and-wales", "scotland", "northern-ireland"} {
			svc, err := rights.New(w.db, w.v, w.al, w.acc, w.reg, nil, rights.Config{Region: calendar.Region(region)})
			if err != nil {
				t.Fatal(err)
			}
			services[region] = svc
		}
		for _, c := range examples {
			for _, region := range c.Regions {
				svc := services[region]
				// Today is the day of the last step, so every step has
				// happened and the request is within a year.
				last := c.In[0]
				for _, d := range c.In {
					if d > last {
						last = d
					}
				}
				w.setToday(t, last)
				r, err := svc.Log(dpo, verbal(c.In[0]))
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				steps := []struct {
					step rights.Step
					on   string
				}{
					{rights.StepIDRequested, c.In[1]}, {rights.StepIDReceived, c.In[2]},
					{rights.StepFeeRequested, c.In[3]}, {rights.StepFeeReceived, c.In[4]},
					{rights.StepAuthorityRequested, authorityAsked(c.In)}, {rights.StepAuthorityReceived, c.In[5]},
					{rights.StepClarificationRequested, c.In[6]}, {rights.StepClarificationReceived, c.In[7]},
				}
				for _, s := range steps {
					if s.on == "" {
						continue
					}
					if r, err = svc.Record(dpo, r.ID, rights.StepInput{Step: s.step, On: s.on, Note: "Seen: " + string(s.step), Version: r.Version}); err != nil {
						t.Fatalf("%s in %s: %s on %s: %v", c.Name, region, s.step, s.on, err)
					}
				}
				got := r.Clock
				if got.ClockStart != c.Start || got.PausedDays != c.Paused || got.Due != c.Due || got.ExtensionNoticeBy != c.Notice || got.ExtendedDue != c.Ext {
					t.Errorf("%s in %s: the request shows start %s, paused %d, due %s, notice by %s, extended %s; the rulebook says %s, %d, %s, %s, %s",
						c.Name, region, got.ClockStart, got.PausedDays, got.Due, got.ExtensionNoticeBy, got.ExtendedDue, c.Start, c.Paused, c.Due, c.Notice, c.Ext)
				}
			}
		}
	})
}

// authorityAsked is the day authority was asked for, when the example has
// it arrive: the day the request came in.
func authorityAsked(in [8]string) string {
	if in[5] == "" {
		return ""
	}
	return in[0]
}

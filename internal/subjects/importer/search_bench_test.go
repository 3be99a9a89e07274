package importer_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/web"
)

// sampleEmails reads every step-th email address back from the file.
func sampleEmails(t testing.TB, file string, want int) []string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all []string
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		all = append(all, rec[3])
	}
	step := max(len(all)/want, 1)
	var out []string
	for i := 0; i < len(all) && len(out) < want; i += step {
		out = append(out, all[i])
	}
	return out
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// searchLatency measures exact search by email among everyone imported:
// through the service, and through the API over loopback HTTP.
func searchLatency(t testing.TB, w *world, file string) {
	emails := sampleEmails(t, file, 1000)
	dpo := w.as(t, "dpo")
	var svc []time.Duration
	for _, e := range emails {
		start := time.Now()
		hits, err := w.reg.Search(dpo, e)
		svc = append(svc, time.Since(start))
		if err != nil || len(hits) != 1 {
			t.Fatalf("search %s: %d hits, %v", e, len(hits), err)
		}
	}
	t.Logf("search by email through the service: %d searches, p50 %v, p99 %v (target p99 < 5ms)", len(svc), percentile(svc, 0.5), percentile(svc, 0.99))

	srv, err := web.New(web.Deps{DB: w.db, Vault: w.v, Access: w.acc, Audit: w.log, Subjects: w.reg}, web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	a, err := w.acc.Actor(context.Background(), "dpo", access.ViaSession)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := w.acc.CreateToken(access.WithActor(context.Background(), a), "bench", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	var api []time.Duration
	for _, e := range emails {
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/people/search", strings.NewReader(fmt.Sprintf(`{"query":%q}`, e)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&sb)
		resp.Body.Close()
		api = append(api, time.Since(start))
		if resp.StatusCode != 200 || !strings.Contains(sb.String(), e) {
			t.Fatalf("API search %s: %d", e, resp.StatusCode)
		}
	}
	t.Logf("search by email through the API: %d searches, p50 %v, p99 %v (target p99 < 10ms)", len(api), percentile(api, 0.5), percentile(api, 0.99))
}

package importer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/store/storetest"
	"github.com/stewardhq/steward/internal/subjects/importer"
)

// envKillChild carries the child's job: the test environment and the file.
const envKillChild = "STEWARD_IMPORT_KILL_CHILD"

type killJob struct {
	Env  storetest.Env
	File string
}

// killChild is the child half of TestImportSurvivesKill: the same test
// binary, run again with the job in the environment, imports and waits to
// be killed.
func killChild(t *testing.T, spec string) {
	var job killJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		t.Fatal(err)
	}
	w := openWorld(t, job.Env, false)
	if _, err := w.im.Run(w.as(t, "membership"), importer.Options{Path: job.File, BatchSize: 100}); err != nil {
		t.Fatal(err)
	}
}

// TestImportSurvivesKill kills an import (SIGKILL) after some batches have
// committed, runs it again, and checks that every row is there exactly
// once, nobody is half-written, and the audit chain verifies.
func TestImportSurvivesKill(t *testing.T) {
	if spec := os.Getenv(envKillChild); spec != "" {
		killChild(t, spec)
		return
	}
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		w := newWorld(t, env)
		const n = 20000
		var sb strings.Builder
		sb.WriteString(header + "\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintln(&sb, member(i, "Riverside Academy"))
		}
		file := writeFile(t, "big.csv", sb.String())
		spec, _ := json.Marshal(killJob{Env: env, File: file})
		cmd := exec.Command(os.Args[0], "-test.run=^TestImportSurvivesKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), envKillChild+"="+string(spec))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		q := w.db.Q(context.Background())
		deadline := time.Now().Add(60 * time.Second)
		for storetest.Count(t, q, `SELECT count(*) FROM import_rows`) < 1000 {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the child imported nothing in 60 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		done := storetest.Count(t, q, `SELECT count(*) FROM subjects`)
		if done == 0 || done >= n {
			t.Fatalf("killed with %d of %d people imported; want a partial import", done, n)
		}
		if done%100 != 0 {
			t.Fatalf("%d people after the kill: not whole batches", done)
		}
		w.verify(t)
		t.Logf("killed after %d of %d people", done, n)

		res := w.mustRun(t, "membership", importer.Options{Path: file, BatchSize: 1000})
		if res.Created != n-done || res.Unchanged != done || res.Rejected != 0 {
			t.Fatalf("re-run: %+v", res)
		}
		w.verify(t)
		if got := storetest.Count(t, q, `SELECT count(*) FROM subjects`); got != n {
			t.Fatalf("%d people, want %d", got, n)
		}
		if got := storetest.Count(t, q, `SELECT count(DISTINCT membership_key) FROM subjects`); got != n {
			t.Fatalf("%d distinct membership numbers, want %d", got, n)
		}
		if got := storetest.Count(t, q, `SELECT count(*) FROM subjects WHERE ix_name IS NOT NULL AND ix_email IS NOT NULL`); got != n {
			t.Fatalf("%d people with name and email indexes, want %d", got, n)
		}
		if got := storetest.Count(t, q, `SELECT count(*) FROM import_rows WHERE action = 'created'`); got != n {
			t.Fatalf("%d ledger rows, want %d", got, n)
		}
	})
}

package web

import (
	"testing"
	"time"

	"github.com/stewardhq/steward/internal/lists"
)

func file(n int) lists.File {
	return lists.File{Name: "x.xlsx", Data: make([]byte, n), Password: "secret"}
}

// A made file goes to its holder once, within the time limit, and its
// password is never kept.
func TestDownloadsOncePerHolder(t *testing.T) {
	d := newDownloads()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	tok := d.put("a", file(10), now)
	if _, ok := d.take("b", tok, now); ok {
		t.Fatal("another account took the file")
	}
	f, ok := d.take("a", tok, now)
	if !ok || len(f.Data) != 10 || f.Password != "" {
		t.Fatalf("holder's download = %+v, %v", f, ok)
	}
	if _, ok := d.take("a", tok, now); ok {
		t.Fatal("a file downloaded twice")
	}
	tok = d.put("a", file(10), now)
	if _, ok := d.take("a", tok, now.Add(downloadTTL+time.Second)); ok {
		t.Fatal("a file downloaded after its time")
	}
}

// What waits in memory is bounded: a few files per holder, a total size,
// and each file goes when its time is up even if nobody else comes.
func TestDownloadsAreBounded(t *testing.T) {
	d := newDownloads()
	var timers []func()
	d.after = func(_ time.Duration, f func()) { timers = append(timers, f) }
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

	var toks []string
	for i := range maxDownloadsPerHolder + 1 {
		toks = append(toks, d.put("a", file(10), now.Add(time.Duration(i)*time.Second)))
	}
	other := d.put("b", file(10), now)
	if len(d.files) != maxDownloadsPerHolder+1 {
		t.Fatalf("%d files wait, want %d for a and 1 for b", len(d.files), maxDownloadsPerHolder)
	}
	if _, ok := d.take("a", toks[0], now); ok {
		t.Error("the holder's oldest file was kept beyond the limit")
	}
	if _, ok := d.take("a", toks[len(toks)-1], now); !ok {
		t.Error("the holder's newest file was dropped")
	}

	// The timers free memory without any other call.
	for _, f := range timers {
		f()
	}
	if len(d.files) != 0 || d.bytes != 0 {
		t.Fatalf("after every timer %d files (%d bytes) wait", len(d.files), d.bytes)
	}
	if _, ok := d.take("b", other, now); ok {
		t.Error("b's file outlived its timer")
	}

	// The total size is bounded: the oldest files go first.
	d.maxBytes = 100
	first := d.put("c", file(40), now)
	second := d.put("d", file(40), now.Add(time.Second))
	third := d.put("e", file(40), now.Add(2*time.Second))
	if d.bytes > 100 {
		t.Fatalf("%d bytes wait, over the limit of 100", d.bytes)
	}
	if _, ok := d.take("c", first, now); ok {
		t.Error("the oldest file was kept beyond the size limit")
	}
	for h, tok := range map[string]string{"d": second, "e": third} {
		if _, ok := d.take(h, tok, now); !ok {
			t.Errorf("%s's newer file was dropped", h)
		}
	}
}

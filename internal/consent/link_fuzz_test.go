package consent_test

import (
	"context"
	"testing"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/consent"
	"github.com/stewardhq/steward/internal/store/storetest"
)

// FuzzLinks opens anything as an unsubscribe or preference link: it must
// never panic, and whatever is not a link Steward made is refused with the
// one not-found answer that tells the person how to get a new link.
func FuzzLinks(f *testing.F) {
	w := newWorld(f, storetest.SQLiteEnv(f))
	svc := consent.New(w.db, w.v, w.al, w.sup, w.reg, consent.Config{})
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("not a token at all / ../..")
	f.Add("0190e4b1-7c2a-7000-8000-000000000000")
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, tok string) {
		if _, err := svc.UnsubscribeLabel(ctx, tok); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("forged unsubscribe link %q: %v", tok, err)
		}
		if _, err := svc.PublicPreferences(ctx, tok); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("forged preference link %q: %v", tok, err)
		}
	})
}

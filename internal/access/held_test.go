package access_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

// A refusal names what actually stops the actor: a token limited to other
// permissions is told so, not that onboarding is what holds it back (it
// would still be refused after onboarding) nor that its roles lack it.
func TestRefusalNamesTheTokensLimit(t *testing.T) {
	held := &access.Actor{AccountID: "a1", Username: "rep", Via: access.ViaToken, Hold: "Your access is paused: finish onboarding.",
		TokenPerms: []access.Permission{access.PermSubjectsRead},
		Grants:     []access.Grant{{Role: access.RoleRep, UnitPath: "/u/"}}}
	ctx := access.WithActor(context.Background(), held)
	_, err := access.Require(ctx, access.PermListsRequest)
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(apperr.MessageOf(err), "token") {
		t.Errorf("held, limited token asking for lists: %v, want the token's limit named", err)
	}
	if msg := held.DeniedMessage(access.PermListsRequest, "roles"); !strings.Contains(msg, "token") {
		t.Errorf("denied message %q, want the token's limit named", msg)
	}
	// What the token allows is held, and says why.
	if _, err := access.Require(ctx, access.PermSubjectsRead); !strings.Contains(apperr.MessageOf(err), "onboarding") {
		t.Errorf("held token asking for what it allows: %v, want the hold", err)
	}
	free := *held
	free.Hold = ""
	if _, err := access.Require(access.WithActor(context.Background(), &free), access.PermListsRequest); !strings.Contains(apperr.MessageOf(err), "token") {
		t.Errorf("limited token asking for more: %v, want the token's limit named", err)
	}
}

package access

import (
	"context"
	"strings"

	"github.com/stewardhq/steward/internal/apperr"
)

// Grant is a role held on a unit; it covers the unit's whole subtree.
type Grant struct {
	ID       string `json:"id"`
	Role     Role   `json:"role"`
	UnitID   string `json:"unit_id"`
	UnitPath string `json:"-"`
	UnitName string `json:"unit_name"`
	UnitKind string `json:"unit_kind"`
}

// Via says how an actor reached Steward.
type Via string

const (
	ViaSession Via = "session"
	ViaToken   Via = "token"
	ViaCLI     Via = "cli"
	ViaSystem  Via = "system"
)

// Actor is whoever is acting: a signed-in account, a token, the operator at
// the command line, or Steward itself. Services take it from the context.
type Actor struct {
	AccountID string
	Username  string
	Grants    []Grant
	Via       Via
	// TokenPerms narrows a token to a subset of the account's permissions;
	// empty means all of them.
	TokenPerms []Permission
	// Hold, when set, pauses every permission that reaches personal data
	// (onboarding not complete, a new policy version to acknowledge, or
	// the account has left the role) and says why. The gate (UseGate)
	// sets it when the actor is built.
	Hold string
}

// SystemActorID is recorded in audit events for work Steward does itself.
const SystemActorID = "system"

// OperatorActor is the person at the server's command line with the master
// key. They manage accounts, units and keys like an admin, and like an admin
// they see no personal data: reading it needs an account of one's own
// (`--as`), whose scope then applies.
func OperatorActor(rootUnitPath string) *Actor {
	return &Actor{AccountID: SystemActorID, Username: "operator", Via: ViaCLI,
		Grants: []Grant{{Role: RoleAdmin, UnitPath: rootUnitPath}}}
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// ActorID returns the id to record in audit events for ctx's actor.
func ActorID(ctx context.Context) string {
	if a := ActorFrom(ctx); a != nil {
		return a.AccountID
	}
	return ""
}

// held is true when a hold pauses p (personal data only).
func (a *Actor) held(p Permission) bool { return a.Hold != "" && p.PersonalData() }

func (a *Actor) tokenAllows(p Permission) bool {
	if len(a.TokenPerms) == 0 || p == PermSelf {
		return true
	}
	for _, tp := range a.TokenPerms {
		if tp == p {
			return true
		}
	}
	return false
}

// Can reports whether the actor holds p anywhere.
func (a *Actor) Can(p Permission) bool {
	if a == nil {
		return false
	}
	if p == PermSelf {
		return a.AccountID != "" && a.AccountID != SystemActorID
	}
	if !a.tokenAllows(p) || a.held(p) {
		return false
	}
	for _, g := range a.Grants {
		if g.Role.Grants(p) {
			return true
		}
	}
	return false
}

// CanIn reports whether the actor holds p on the unit with the given path
// (through a grant on that unit or an ancestor).
func (a *Actor) CanIn(p Permission, unitPath string) bool {
	if a == nil || unitPath == "" || !a.tokenAllows(p) || a.held(p) {
		return false
	}
	for _, g := range a.Grants {
		if g.Role.Grants(p) && strings.HasPrefix(unitPath, g.UnitPath) {
			return true
		}
	}
	return false
}

// Scope returns the unit paths under which the actor holds p, without
// paths already covered by another in the list. Queries filter with it.
func (a *Actor) Scope(p Permission) []string {
	if a == nil || !a.tokenAllows(p) || a.held(p) {
		return nil
	}
	var paths []string
	for _, g := range a.Grants {
		if g.Role.Grants(p) {
			paths = append(paths, g.UnitPath)
		}
	}
	out := paths[:0:0]
	for i, p1 := range paths {
		covered := false
		for j, p2 := range paths {
			if i != j && strings.HasPrefix(p1, p2) && (p1 != p2 || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, p1)
		}
	}
	return out
}

// Require returns the actor in ctx if it holds p somewhere, or an error
// saying what is missing.
func Require(ctx context.Context, p Permission) (*Actor, error) {
	a := ActorFrom(ctx)
	if a == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please sign in.")
	}
	if a.Held(p) {
		return nil, apperr.New(apperr.Forbidden, "%s", a.Hold)
	}
	if !a.tokenAllows(p) {
		return nil, apperr.New(apperr.Forbidden, "%s", a.tokenLimit(p))
	}
	if !a.Can(p) {
		return nil, apperr.New(apperr.Forbidden, "Your roles do not include the permission %q.", p)
	}
	return a, nil
}

package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/apperr"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	if access.ActorFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, "login", view{Title: "Sign in"})
	return nil
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if !s.loginRate.allow(clientKey(r, s.cfg.TrustProxy)) {
		s.metrics.logins.WithLabelValues("throttled").Inc()
		s.render(w, r, http.StatusTooManyRequests, "login", view{Title: "Sign in", Error: "Too many sign-in attempts from here. Wait a minute and try again."})
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	res, err := s.access.Login(r.Context(), r.PostForm.Get("username"), r.PostForm.Get("password"), r.PostForm.Get("code"))
	if err != nil {
		s.metrics.logins.WithLabelValues(string(apperr.CodeOf(err))).Inc()
		code := status(apperr.CodeOf(err))
		if code >= 500 {
			return err
		}
		s.render(w, r, code, "login", view{Title: "Sign in", Error: apperr.MessageOf(err),
			Data: map[string]string{"Username": r.PostForm.Get("username")}})
		return nil
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.setSessionCookie(w, r, res.Token, res.ExpiresAt)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.access.Logout(r.Context(), sessionToken(r.Context())); err != nil {
		return err
	}
	s.clearCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) error {
	var units []access.Unit
	if access.ActorFrom(r.Context()).Can(access.PermUnitsRead) {
		var err error
		if units, err = s.access.Units(r.Context()); err != nil {
			return err
		}
	}
	held, outstanding, err := s.listsDashboard(r.Context())
	if err != nil {
		return err
	}
	data := map[string]any{"Units": units, "HeldLists": held, "OutstandingLists": outstanding}
	if err := s.governanceDashboard(r.Context(), data); err != nil {
		return err
	}
	if err := s.dueDashboard(r.Context(), data); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Data: data})
	return nil
}

type accountView struct {
	Account  *access.Account
	Sessions []access.SessionInfo
	Tokens   []access.Token
	NewToken string
	Now      time.Time
}

func (s *Server) accountView(r *http.Request) (*accountView, error) {
	ctx := r.Context()
	me, err := s.access.Me(ctx)
	if err != nil {
		return nil, err
	}
	sessions, err := s.access.Sessions(ctx, sessionToken(ctx))
	if err != nil {
		return nil, err
	}
	tokens, err := s.access.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	return &accountView{Account: me, Sessions: sessions, Tokens: tokens, Now: time.Now()}, nil
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.accountView(r)
	if err != nil {
		return err
	}
	notice := ""
	switch r.URL.Query().Get("done") {
	case "password":
		notice = "Your password has been changed. Your other sessions have been signed out."
	case "revoked":
		notice = "The token has been revoked."
	case "sessions":
		notice = "Your other sessions have been signed out."
	}
	s.render(w, r, http.StatusOK, "account", view{Title: "Account settings", Notice: notice, Data: v})
	return nil
}

// accountFormError re-shows the settings page with a message, keeping the
// status code that says what went wrong.
func (s *Server) accountFormError(w http.ResponseWriter, r *http.Request, err error) error {
	code := status(apperr.CodeOf(err))
	if code >= 500 {
		return err
	}
	v, verr := s.accountView(r)
	if verr != nil {
		return verr
	}
	s.render(w, r, code, "account", view{Title: "Account settings", Error: apperr.MessageOf(err), Data: v})
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	f := r.PostForm
	if f.Get("new") != f.Get("confirm") {
		return s.accountFormError(w, r, apperr.New(apperr.Invalid, "The new password and its confirmation differ."))
	}
	if err := s.access.ChangePassword(r.Context(), f.Get("current"), f.Get("new"), sessionToken(r.Context())); err != nil {
		return s.accountFormError(w, r, err)
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.Invalid, "The form could not be read; please try again.")
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("days")))
	if err != nil || days < 1 {
		return s.accountFormError(w, r, apperr.New(apperr.Invalid, "Say in how many days (a whole number, 1 or more) the token should expire."))
	}
	var perms []access.Permission
	switch r.PostForm.Get("scope") {
	case "", "all":
	case "read":
		// Self is always allowed, and naming it keeps the list non-empty
		// (empty would mean every permission).
		perms = []access.Permission{access.PermSelf}
		for _, p := range access.ActorFrom(r.Context()).Permissions() {
			if p.ReadOnly() {
				perms = append(perms, p)
			}
		}
	default:
		return s.accountFormError(w, r, apperr.New(apperr.Invalid, "Choose what the token may do: everything you can, or read only."))
	}
	secret, _, err := s.access.CreateToken(r.Context(), r.PostForm.Get("name"), time.Duration(days)*24*time.Hour, perms)
	if err != nil {
		return s.accountFormError(w, r, err)
	}
	// The secret is shown in this response only, never in a URL.
	v, err := s.accountView(r)
	if err != nil {
		return err
	}
	v.NewToken = secret
	s.render(w, r, http.StatusOK, "account", view{Title: "Account settings", Notice: "Token created. Copy it now: it will not be shown again.", Data: v})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.access.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		return s.accountFormError(w, r, err)
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
	return nil
}

func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.access.EndOtherSessions(r.Context(), sessionToken(r.Context())); err != nil {
		return err
	}
	http.Redirect(w, r, "/account?done=sessions", http.StatusSeeOther)
	return nil
}

func (s *Server) unitsPage(w http.ResponseWriter, r *http.Request) error {
	units, err := s.access.Units(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "units", view{Title: "Units", Data: units})
	return nil
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request) error {
	u, err := s.access.Unit(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unit", view{Title: u.Name, Data: u})
	return nil
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) error {
	accs, err := s.access.Accounts(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "accounts", view{Title: "Accounts", Data: accs})
	return nil
}

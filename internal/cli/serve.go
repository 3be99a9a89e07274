package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stewardhq/steward/internal/web"
)

// ServeCmd runs the web server.
type ServeCmd struct {
	Paths
	Addr          string `name:"addr" env:"STEWARD_ADDR" default:"127.0.0.1:8080" help:"Address to listen on."`
	TLSCert       string `name:"tls-cert" env:"STEWARD_TLS_CERT" help:"TLS certificate file (PEM); with --tls-key, serve HTTPS." type:"path"`
	TLSKey        string `name:"tls-key" env:"STEWARD_TLS_KEY" help:"TLS private key file (PEM)." type:"path"`
	TrustProxy    bool   `name:"trust-proxy" env:"STEWARD_TRUST_PROXY" help:"Believe X-Forwarded-Proto from a reverse proxy that terminates TLS."`
	SecureCookies bool   `name:"secure-cookies" env:"STEWARD_SECURE_COOKIES" help:"Always mark cookies Secure (behind a TLS proxy)."`
	MetricsToken  string `name:"metrics-token" env:"STEWARD_METRICS_TOKEN" help:"Require this bearer token to read /metrics. STEWARD_METRICS_TOKEN_FILE may name a file holding it."`
	Mail
}

// Run serves until interrupted.
func (c *ServeCmd) Run(e *env) error {
	log := newLogger(e.stderr, c.LogLevel)
	app, err := openApp(e.ctx, c.Paths, log)
	if err != nil {
		return err
	}
	defer app.Close()
	mt, err := secretFromEnvFile(c.MetricsToken, "STEWARD_METRICS_TOKEN")
	if err != nil {
		return err
	}
	if err := app.useMail(c.Mail); err != nil {
		return err
	}
	return serve(e, app, c.Addr, c.TLSCert, c.TLSKey, web.Config{TrustProxy: c.TrustProxy, SecureCookies: c.SecureCookies, MetricsToken: mt, Version: Version,
		BaseURL: strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")}, nil)
}

// serve runs the HTTP server until the context ends, then drains it.
// ready, when given, is called with the bound address once listening.
func serve(e *env, app *App, addr, cert, key string, cfg web.Config, ready func(addr string)) error {
	srv, err := web.New(web.Deps{DB: app.DB, Vault: app.Vault, Access: app.Access, Audit: app.Audit, Subjects: app.Subjects, Datamap: app.Datamap, Rights: app.Rights,
		Lists: app.Lists, Governance: app.Governance, Consent: app.Consent, Disclosures: app.Disclosures, Notify: app.Notify, Log: app.Log}, cfg)
	if err != nil {
		return err
	}
	if (cert == "") != (key == "") {
		return errors.New("--tls-cert and --tls-key go together: give both or neither")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another program using it? choose another with --addr): %w", addr, err)
	}
	if host, _, _ := net.SplitHostPort(addr); cert == "" && !cfg.TrustProxy && !cfg.SecureCookies && !web.IsLoopbackHost(host) {
		app.Log.Warn("serving plain HTTP on a non-loopback address: put Steward behind a TLS proxy (with --trust-proxy) or give --tls-cert and --tls-key")
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if app.Notify.Configured() {
		// The outbox's delivery loop ends with the server.
		go app.Notify.Run(e.ctx, 30*time.Second)
	}
	errc := make(chan error, 1)
	go func() {
		if cert != "" {
			errc <- hs.ServeTLS(ln, cert, key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	app.Log.Info("listening", "addr", ln.Addr().String(), "tls", cert != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	app.Log.Info("stopped")
	return nil
}

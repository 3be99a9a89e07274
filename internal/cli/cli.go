// Package cli holds Steward's subcommands and wires the services together.
// Each command builds what it needs from its flags; nothing is global.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/alecthomas/kong"

	"github.com/stewardhq/steward/internal/apperr"
)

// Version is the program version, set at build time with -ldflags.
const Version = "0.1.0-dev"

// Paths are the flags every command that opens the data shares.
type Paths struct {
	DataDir        string `name:"data-dir" env:"STEWARD_DATA_DIR" default:"./steward-data" help:"Directory for the SQLite database, the key store and master.key." type:"path"`
	DatabaseURL    string `name:"database-url" env:"STEWARD_DATABASE_URL" help:"postgres://user:pass@host/db to use PostgreSQL instead of SQLite. STEWARD_DATABASE_URL_FILE may name a file holding it."`
	MasterKeyFile  string `name:"master-key-file" env:"STEWARD_MASTER_KEY_FILE" help:"Master key file (default: <data-dir>/master.key)." type:"path"`
	KeysSchema     string `name:"keys-schema" env:"STEWARD_KEYS_SCHEMA" default:"steward_keys" help:"PostgreSQL schema of the key store, kept apart from the data."`
	LogLevel       string `name:"log-level" env:"STEWARD_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level (${enum})."`
	Region         string `name:"region" env:"STEWARD_REGION" default:"england-and-wales" enum:"england-and-wales,scotland,northern-ireland" help:"Whose bank holidays the rights-request clock uses: the region of the office that handles requests (${enum})."`
	ForwardDays    int    `name:"forward-days" env:"STEWARD_FORWARD_DAYS" default:"5" help:"Working days after receipt for a rep or officer to hand a rights request to the DPO (a policy)."`
	ListExpiryDays int    `name:"list-expiry-days" env:"STEWARD_LIST_EXPIRY_DAYS" default:"30" help:"Days a rep or officer may keep a member list before they must delete it and confirm it."`
	ListStaleDays  int    `name:"list-stale-days" env:"STEWARD_LIST_STALE_DAYS" default:"7" help:"Age in days from which a member list is too old to contact members from (Steward warns)."`
	// demo confines the paths to the demo's own directory.
	demo bool
}

// Root is the command line.
type Root struct {
	Init    InitCmd    `cmd:"" help:"Create the data directory, the master key, the database and the organisation."`
	Serve   ServeCmd   `cmd:"" help:"Run the web server."`
	Demo    DemoCmd    `cmd:"" help:"Start a demo with a synthetic organisation and accounts (no network needed)."`
	User    UserCmd    `cmd:"" help:"Manage accounts and their roles."`
	Unit    UnitCmd    `cmd:"" help:"Manage organisation units (regions, branches, workplaces)."`
	Import  ImportCmd  `cmd:"" help:"Import people from CSV or XLSX files."`
	Audit   AuditCmd   `cmd:"" help:"Check the audit trail."`
	Keys    KeysCmd    `cmd:"" help:"Manage encryption keys."`
	Backup  BackupCmd  `cmd:"" help:"Write a backup of the database and, separately, of the key store."`
	Restore RestoreCmd `cmd:"" help:"Restore a database backup (and optionally a key-store backup), replaying erasures."`
	Outbox  OutboxCmd  `cmd:"" help:"Deliver queued email."`
	Version VersionCmd `cmd:"" help:"Print the version."`

	Deadline DeadlineCmd `cmd:"" help:"Work out a statutory or internal deadline from dates (needs no data directory)."`
}

// env is what commands get besides their flags.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Main parses args, runs the command and returns the exit code. Errors are
// printed as one clear line (plus the cause for internal errors).
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var root Root
	exit := -1
	parser, err := kong.New(&root,
		kong.Name("steward"),
		kong.Description("Steward keeps a membership organisation's personal data safe and runs its data-protection programme.\n\nConfiguration comes from flags or STEWARD_* environment variables."),
		kong.UsageOnError(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code; panic(kongExit{}) }),
		kong.Vars{"version": Version},
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	if err != nil {
		fmt.Fprintln(stderr, "steward:", err)
		return 2
	}
	kctx, code, done := parse(parser, args, &exit, stderr)
	if done {
		return code
	}
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if err := kctx.Run(e); err != nil {
		return report(stderr, err)
	}
	return 0
}

type kongExit struct{}

// parse runs kong's parser. Kong ends --help by calling its exit hook,
// which unwinds back here so that Main, not kong, returns the code.
func parse(p *kong.Kong, args []string, exit *int, stderr io.Writer) (kctx *kong.Context, code int, done bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(kongExit); ok {
				kctx, code, done = nil, *exit, true
				return
			}
			panic(r)
		}
	}()
	kctx, err := p.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "steward:", err)
		return nil, 2, true
	}
	return kctx, 0, false
}

// report prints an error as one line and returns exit code 1. Application
// errors show their message for people; others (I/O, the database) show
// their chain, which at the command line is for the operator.
func report(w io.Writer, err error) int {
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Code != apperr.Internal {
		fmt.Fprintln(w, "steward:", ae.Message)
		return 1
	}
	fmt.Fprintln(w, "steward:", err)
	return 1
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// secretFromEnvFile reads NAME_FILE when set, so secrets need not sit in
// the environment.
func secretFromEnvFile(value, envName string) (string, error) {
	if value != "" {
		return value, nil
	}
	f := os.Getenv(envName + "_FILE")
	if f == "" {
		return "", nil
	}
	b, err := os.ReadFile(f)
	if err != nil {
		return "", fmt.Errorf("read %s_FILE (%s): %w", envName, f, err)
	}
	return strings.TrimSpace(string(b)), nil
}

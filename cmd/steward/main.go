// Command steward runs Steward: see `steward --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/stewardhq/steward/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

package cli

import (
	"fmt"

	"github.com/stewardhq/steward/internal/vault"
)

// KeysCmd groups the key commands.
type KeysCmd struct {
	Rotate KeysRotateCmd `cmd:"" help:"Re-wrap every data key under a new master key; the data itself is untouched."`
}

// KeysRotateCmd rotates the master key.
type KeysRotateCmd struct {
	Paths
}

// Run rotates. Stop the server first: a running server holds the old key
// in memory.
func (c *KeysRotateCmd) Run(e *env) error {
	vo, err := c.vaultOptions(newLogger(e.stderr, c.LogLevel))
	if err != nil {
		return err
	}
	n, err := vault.Rotate(e.ctx, vo)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Rotated the master key: %d keys re-wrapped. %s now holds the new key; the old one is gone. Replace any copy of the old key file with the new one, and restart the server.\n", n, vo.KeyFilePath())
	return nil
}

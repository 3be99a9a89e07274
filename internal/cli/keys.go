package cli

import (
	"context"
	"fmt"

	"github.com/stewardhq/steward/internal/access"
	"github.com/stewardhq/steward/internal/audit"
	"github.com/stewardhq/steward/internal/store"
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
	log := newLogger(e.stderr, c.LogLevel)
	vo, err := c.vaultOptions(log)
	if err != nil {
		return err
	}
	// Open everything first: the audit event needs the data database, and
	// a rotation that could not be recorded is better not started.
	app, err := openApp(e.ctx, c.Paths, log)
	if err != nil {
		return err
	}
	oldID := app.Vault.KeyID()
	app.Close()
	n, err := vault.Rotate(e.ctx, vo)
	if err != nil {
		return err
	}
	// Reopening proves the new key file opens the key store before the
	// operator is told to replace their copies of the old one.
	app, err = openApp(e.ctx, c.Paths, log)
	if err != nil {
		return fmt.Errorf("the master key was rotated (%d keys re-wrapped) but Steward does not open with it: %w", n, err)
	}
	defer app.Close()
	newID := app.Vault.KeyID()
	// The key store and the data database are separate, so the event
	// cannot share the rotation's transaction; it follows the commit.
	err = app.DB.InTx(e.ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := app.Audit.Append(ctx, audit.Event{ActorID: access.SystemActorID, Action: "keys.rotate", Entity: "master_key", EntityID: newID,
			Detail: map[string]string{"old_key_id": oldID, "new_key_id": newID, "rewrapped": fmt.Sprint(n)}})
		return err
	})
	if err != nil {
		return fmt.Errorf("the master key was rotated (%d keys re-wrapped, key id %s -> %s) but recording it in the audit log failed: %w", n, oldID, newID, err)
	}
	fmt.Fprintf(e.stdout, "Rotated the master key: %d keys re-wrapped. %s now holds the new key; the old one is gone. Replace any copy of the old key file with the new one, and restart the server.\n", n, vo.KeyFilePath())
	return nil
}

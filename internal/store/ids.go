package store

import (
	"fmt"

	"github.com/google/uuid"
)

// NewID returns a time-ordered random id (UUIDv7) as text. Time order keeps
// index inserts local; the random part makes ids unguessable.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only if the system's random source fails, and then
		// nothing Steward does is safe.
		panic(fmt.Sprintf("random source failed: %v", err))
	}
	return id.String()
}

// ValidID reports whether s has the shape of an id Steward issues, so that
// handlers can reject junk before it reaches a query.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

package cli

import "fmt"

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (c *VersionCmd) Run(e *env) error {
	fmt.Fprintln(e.stdout, "steward", Version)
	return nil
}

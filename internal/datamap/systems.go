package datamap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// System is somewhere personal data lives: Steward itself, a mailbox, a
// cloud drive, paper files, a processor's system. Rights requests use it to
// plan searches: what Steward cannot search needs a manual search task for
// the owner.
type System struct {
	ID                  string    `json:"id,omitempty" readOnly:"true"`
	Name                string    `json:"name" minLength:"1" maxLength:"200"`
	Kind                string    `json:"kind" enum:"steward,mailbox,cloud_drive,survey_tool,paper,processor_system,database,other"`
	OwnerAccountID      string    `json:"owner_account_id,omitempty" maxLength:"36" doc:"The Steward account that owns the system, if any"`
	Owner               string    `json:"owner,omitempty" maxLength:"10000" doc:"Who owns it, in words (a role, a team, a person outside Steward)"`
	Location            string    `json:"location,omitempty" maxLength:"10000"`
	Country             string    `json:"country,omitempty" maxLength:"10000"`
	SearchableBySteward bool      `json:"searchable_by_steward,omitempty"`
	Notes               string    `json:"notes,omitempty" maxLength:"10000"`
	CreatedAt           time.Time `json:"created_at,omitzero" readOnly:"true"`
	UpdatedAt           time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// KindLabel is the kind in words.
func (y System) KindLabel() string { return labelOf(SystemKindOptions(), y.Kind) }

func (y *System) clean() error {
	name, err := cleanName("system", y.Name)
	if err != nil {
		return err
	}
	y.Name = name
	if !known(SystemKindOptions(), y.Kind) {
		return apperr.New(apperr.Invalid, "Choose what kind of system it is (Steward, mailbox, cloud drive, survey tool, paper files, a processor's system, database or other).")
	}
	if y.OwnerAccountID != "" && !store.ValidID(y.OwnerAccountID) {
		return apperr.New(apperr.Invalid, "The owner account id is not an id Steward issues.")
	}
	return cleanText(text{"The owner", &y.Owner}, text{"The location", &y.Location},
		text{"The country", &y.Country}, text{"The notes", &y.Notes})
}

const systemCols = `id, name, kind, COALESCE(owner_account_id, ''), owner, location, country, searchable_by_steward, notes, created_at, updated_at`

func scanSystem(sc scanner) (*System, error) {
	var y System
	var created, updated int64
	if err := sc.Scan(&y.ID, &y.Name, &y.Kind, &y.OwnerAccountID, &y.Owner, &y.Location, &y.Country,
		&y.SearchableBySteward, &y.Notes, &created, &updated); err != nil {
		return nil, err
	}
	y.CreatedAt, y.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &y, nil
}

func nullID(id string) sql.NullString { return sql.NullString{String: id, Valid: id != ""} }

// Systems lists the systems by name.
func (s *Service) Systems(ctx context.Context) ([]System, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.systems(ctx)
}

func (s *Service) systems(ctx context.Context) ([]System, error) {
	return listAll(ctx, s.db.Q(ctx), `SELECT `+systemCols+` FROM data_systems ORDER BY name`, "system", scanSystem)
}

// System returns one system.
func (s *Service) System(ctx context.Context, id string) (*System, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.system(ctx, id)
}

func (s *Service) system(ctx context.Context, id string) (*System, error) {
	return loadOne(ctx, s.db.Q(ctx), `SELECT `+systemCols+` FROM data_systems WHERE id = $1`, "system", id, scanSystem)
}

// systemWriteError turns constraint failures into messages the person can
// act on.
func systemWriteError(err error, y *System) error {
	var ae *apperr.Error
	switch {
	case err == nil, errors.As(err, &ae):
		return err
	case store.IsUniqueViolation(err):
		return apperr.New(apperr.Conflict, "There is already a system called %q.", y.Name)
	case store.IsForeignKeyViolation(err) && y.OwnerAccountID != "":
		return apperr.Wrap(err, apperr.Invalid, "No account with id %q to own the system.", y.OwnerAccountID)
	}
	return err
}

// CreateSystem adds a system.
func (s *Service) CreateSystem(ctx context.Context, y System) (*System, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := y.clean(); err != nil {
		return nil, err
	}
	y.ID = store.NewID()
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		y.CreatedAt, y.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO data_systems (id, name, kind, owner_account_id, owner, location, country, searchable_by_steward, notes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			y.ID, y.Name, y.Kind, nullID(y.OwnerAccountID), y.Owner, y.Location, y.Country, y.SearchableBySteward, y.Notes,
			store.Millis(y.CreatedAt), store.Millis(y.UpdatedAt))
		if err != nil {
			return systemWriteError(fmt.Errorf("insert system: %w", err), &y)
		}
		return s.record(ctx, "datamap.system.create", "data_system", y.ID, map[string]string{"kind": y.Kind})
	})
	if err != nil {
		// PostgreSQL checks the deferred owner reference at commit.
		return nil, systemWriteError(err, &y)
	}
	return &y, nil
}

// UpdateSystem replaces the fields of the system y.ID.
func (s *Service) UpdateSystem(ctx context.Context, y System) (*System, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := y.clean(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		old, err := s.system(ctx, y.ID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE data_systems SET name = $1, kind = $2, owner_account_id = $3, owner = $4, location = $5,
			country = $6, searchable_by_steward = $7, notes = $8, updated_at = $9 WHERE id = $10`,
			y.Name, y.Kind, nullID(y.OwnerAccountID), y.Owner, y.Location, y.Country, y.SearchableBySteward, y.Notes,
			store.Millis(tx.Now()), y.ID)
		if err != nil {
			return systemWriteError(fmt.Errorf("update system: %w", err), &y)
		}
		y.CreatedAt, y.UpdatedAt = old.CreatedAt, tx.Now()
		return s.record(ctx, "datamap.system.update", "data_system", y.ID, map[string]string{"kind": y.Kind})
	})
	if err != nil {
		return nil, systemWriteError(err, &y)
	}
	return &y, nil
}

// DeleteSystem removes a system no activity uses.
func (s *Service) DeleteSystem(ctx context.Context, id string) error {
	return s.deleteUnused(ctx, "system", "data_systems", "activity_systems", "system_id", "data_system", id, func(ctx context.Context) (string, error) {
		v, err := s.system(ctx, id)
		if err != nil {
			return "", err
		}
		return v.Name, nil
	})
}

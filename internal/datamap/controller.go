package datamap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/store"
)

// Controller is the organisation's own entry in the record (Art 30(1)(a)):
// its name and contact details, its DPO's and its representative's. Each
// field is free text holding a name and a contact.
type Controller struct {
	Name           string    `json:"name,omitempty" maxLength:"200"`
	Contact        string    `json:"contact,omitempty" maxLength:"10000"`
	DPO            string    `json:"dpo,omitempty" maxLength:"10000" doc:"Name and contact details of the data protection officer"`
	Representative string    `json:"representative,omitempty" maxLength:"10000" doc:"Name and contact details of the representative, where Art 27 needs one"`
	UpdatedAt      time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

// Controller returns the controller's details; all empty before anyone
// has entered them.
func (s *Service) Controller(ctx context.Context) (*Controller, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.controller(ctx)
}

func (s *Service) controller(ctx context.Context) (*Controller, error) {
	var c Controller
	var updated int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT name, contact, dpo, representative, updated_at FROM datamap_controller WHERE id = 1`).
		Scan(&c.Name, &c.Contact, &c.DPO, &c.Representative, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &Controller{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load controller details: %w", err)
	}
	c.UpdatedAt = store.FromMillis(updated)
	return &c, nil
}

// SetController replaces the controller's details.
func (s *Service) SetController(ctx context.Context, c Controller) (*Controller, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if c.Name != "" {
		name, err := cleanName("controller", c.Name)
		if err != nil {
			return nil, err
		}
		c.Name = name
	}
	if err := cleanText(text{"The controller's name", &c.Name}, text{"The controller's contact details", &c.Contact},
		text{"The DPO's details", &c.DPO}, text{"The representative's details", &c.Representative}); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		c.UpdatedAt = tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO datamap_controller (id, name, contact, dpo, representative, updated_at) VALUES (1, $1, $2, $3, $4, $5)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, contact = excluded.contact, dpo = excluded.dpo,
			representative = excluded.representative, updated_at = excluded.updated_at`,
			c.Name, c.Contact, c.DPO, c.Representative, store.Millis(c.UpdatedAt))
		if err != nil {
			return fmt.Errorf("save controller details: %w", err)
		}
		return s.record(ctx, "datamap.controller.update", "datamap_controller", "1", nil)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

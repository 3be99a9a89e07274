package datamap

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardhq/steward/internal/apperr"
	"github.com/stewardhq/steward/internal/store"
)

// Category is a category of personal data (Art 30(1)(c)).
type Category struct {
	ID          string    `json:"id,omitempty" readOnly:"true"`
	Name        string    `json:"name" minLength:"1" maxLength:"200"`
	Description string    `json:"description,omitempty" maxLength:"10000"`
	Special     Special   `json:"special,omitempty" enum:",racial_ethnic,political,religious,trade_union,genetic,biometric,health,sex_life,criminal" doc:"Art 9(1) special category, or criminal for Art 10 data; empty for ordinary data"`
	CreatedAt   time.Time `json:"created_at,omitzero" readOnly:"true"`
	UpdatedAt   time.Time `json:"updated_at,omitzero" readOnly:"true"`
}

func (c *Category) clean() error {
	name, err := cleanName("data category", c.Name)
	if err != nil {
		return err
	}
	c.Name = name
	if !known(SpecialOptions(), string(c.Special)) {
		return apperr.New(apperr.Invalid, "Unknown special-category marker %q.", truncate(string(c.Special), 40))
	}
	return cleanText(text{"The description", &c.Description})
}

const categoryCols = `id, name, description, special, created_at, updated_at`

func scanCategory(sc scanner) (*Category, error) {
	var c Category
	var created, updated int64
	var special string
	if err := sc.Scan(&c.ID, &c.Name, &c.Description, &special, &created, &updated); err != nil {
		return nil, err
	}
	c.Special = Special(special)
	c.CreatedAt, c.UpdatedAt = store.FromMillis(created), store.FromMillis(updated)
	return &c, nil
}

// Categories lists the data categories by name.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.categories(ctx)
}

func (s *Service) categories(ctx context.Context) ([]Category, error) {
	return listAll(ctx, s.db.Q(ctx), `SELECT `+categoryCols+` FROM data_categories ORDER BY name`, "data category", scanCategory)
}

// Category returns one data category.
func (s *Service) Category(ctx context.Context, id string) (*Category, error) {
	if err := canRead(ctx); err != nil {
		return nil, err
	}
	return s.category(ctx, id)
}

func (s *Service) category(ctx context.Context, id string) (*Category, error) {
	return loadOne(ctx, s.db.Q(ctx), `SELECT `+categoryCols+` FROM data_categories WHERE id = $1`, "data category", id, scanCategory)
}

// CreateCategory adds a data category. The id and times are assigned.
func (s *Service) CreateCategory(ctx context.Context, c Category) (*Category, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := c.clean(); err != nil {
		return nil, err
	}
	c.ID = store.NewID()
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		c.CreatedAt, c.UpdatedAt = tx.Now(), tx.Now()
		_, err := tx.ExecContext(ctx, `INSERT INTO data_categories (`+categoryCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.ID, c.Name, c.Description, string(c.Special), store.Millis(c.CreatedAt), store.Millis(c.UpdatedAt))
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a data category called %q.", c.Name)
		}
		if err != nil {
			return fmt.Errorf("insert data category: %w", err)
		}
		return s.record(ctx, "datamap.category.create", "data_category", c.ID, map[string]string{"special": string(c.Special)})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateCategory replaces the fields of the category c.ID.
func (s *Service) UpdateCategory(ctx context.Context, c Category) (*Category, error) {
	if err := canWrite(ctx); err != nil {
		return nil, err
	}
	if err := c.clean(); err != nil {
		return nil, err
	}
	var out *Category
	err := s.db.InTx(ctx, func(ctx context.Context, tx *store.Tx) error {
		old, err := s.category(ctx, c.ID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE data_categories SET name = $1, description = $2, special = $3, updated_at = $4 WHERE id = $5`,
			c.Name, c.Description, string(c.Special), store.Millis(tx.Now()), c.ID)
		if store.IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "There is already a data category called %q.", c.Name)
		}
		if err != nil {
			return fmt.Errorf("update data category: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("data category", c.ID)
		}
		c.CreatedAt, c.UpdatedAt = old.CreatedAt, tx.Now()
		out = &c
		return s.record(ctx, "datamap.category.update", "data_category", c.ID,
			map[string]string{"special": string(c.Special), "special_was": string(old.Special)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteCategory removes a category no activity uses.
func (s *Service) DeleteCategory(ctx context.Context, id string) error {
	return s.deleteUnused(ctx, "data category", "data_categories", "activity_categories", "category_id", "data_category", id, func(ctx context.Context) (string, error) {
		v, err := s.category(ctx, id)
		if err != nil {
			return "", err
		}
		return v.Name, nil
	})
}
